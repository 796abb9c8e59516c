import { Manifest, PathSegment } from './manifest';

/** One leaf where two versions of an object differ. */
export interface Difference {
  readonly path: PathSegment[];
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * `group/Kind namespace/name`: what the API server knows an object by (the version may change), and so what two
 * versions of a set are matched by, whatever file they are in.
 */
export function objectIdentity(manifest: Manifest): string {
  const { apiVersion, kind, metadata } = manifest.object;
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
  return `${group}/${kind} ${metadata.namespace ?? ''}/${metadata.name ?? ''}`;
}

/**
 * The objects of a set by identity. An object with a generateName and no name (a Job template for `kubectl
 * create`) is created anew each time, never updated: there is nothing to compare it with, so it is left out.
 */
export function byIdentity(manifests: readonly Manifest[]): Map<string, Manifest> {
  return new Map(manifests.filter(m => m.object.metadata?.name !== undefined).map(m => [objectIdentity(m), m]));
}

/** The leaves where `before` and `after` differ, with their paths (a list of another length differs as a whole). */
export function differences(before: unknown, after: unknown, path: PathSegment[]): Difference[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap(key => differences(before[key], after[key], [...path, key]));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, index) => differences(item, after[index], [...path, index]));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, before, after }];
}

/** A side of a difference as findings and diffs show it: JSON cut to 120 characters, `(unset)` where it is absent. */
export function showValue(value: unknown): string {
  if (value === undefined) {
    return '(unset)';
  }
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
