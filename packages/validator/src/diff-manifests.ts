import { dataLeftBehind, immutableChanges } from './check-upgrade';
import { describe, Manifest, PathSegment } from './manifest';
import { byIdentity } from './object-differences';
import { podTemplateOf, selectorMatches } from './pod-templates';

/**
 * What a change does to a running cluster, worst first: the API server refuses it; it deletes or orphans data;
 * it rolls (or stops) pods; nothing running notices.
 */
export enum ChangeEffect {
  REFUSED = 'refused',
  DELETES_DATA = 'deletes-data',
  ROLLS_PODS = 'rolls-pods',
  NO_EFFECT = 'no-effect',
}

/** One changed field of an object. A Secret's values are never carried: `hidden` says only that one changed. */
export interface FieldChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly hidden?: true;
}

/** An immutable field that changed, and the one-time step that gets the change applied. */
export interface RefusedChange {
  readonly path: string;
  readonly step: string;
}

/** One object that differs between the two versions of a stage. */
export interface ObjectChange {
  readonly change: 'added' | 'removed' | 'changed';
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** `Kind namespace/name`, as the validator's reports name objects. */
  readonly object: string;
  /** The worst of what it does. */
  readonly effect: ChangeEffect;
  readonly fields: readonly FieldChange[];
  readonly refused: readonly RefusedChange[];
  /** What data a removed object deletes or leaves behind. */
  readonly data?: string;
  /** Why its pods roll (or stop). */
  readonly rollsPods?: string;
  /**
   * A Service, PodDisruptionBudget or NetworkPolicy whose selector changed and matches none of the pods the previous
   * version runs in its namespace: from its apply until those pods carry its labels, it covers nothing (a Service has
   * no endpoints). It rolls nothing, so its effect stays no-effect; this says what it does to traffic.
   */
  readonly selects?: string;
}

/** Every object that differs between two versions of one stage, worst effect first. */
export interface StageDiff {
  readonly stage: string;
  readonly objects: readonly ObjectChange[];
}

const EFFECT_ORDER = [ChangeEffect.REFUSED, ChangeEffect.DELETES_DATA, ChangeEffect.ROLLS_PODS, ChangeEffect.NO_EFFECT];

// The workloads whose controller replaces running pods when the pod template changes (a ReplicaSet or a
// ReplicationController keeps its pods; a Job's template is immutable; a CronJob's next Job takes the change).
const ROLLING_WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
// What makes CloudNativePG restart a Cluster's instances one by one, the primary last (its "Rolling updates" page).
const CLOUDNATIVE_PG_ROLLING_FIELDS = [
  ['spec', 'imageName'],
  ['spec', 'resources'],
  ['spec', 'postgresql', 'extensions'],
];
const SECRET_VALUE_PATH = /^(data|stringData)([.[]|$)/;

/**
 * Compares two versions of one stage object by object (matched as the API server matches them, by API group,
 * kind, namespace and name) and says what each difference does to a running cluster. What the API server refuses
 * and what data is lost is the upgrade check's knowledge (check-upgrade.ts), asked object by object.
 */
export function diffManifests(stage: string, previous: readonly Manifest[], next: readonly Manifest[]): StageDiff {
  const before = byIdentity(previous);
  const after = byIdentity(next);
  const objects: ObjectChange[] = [];
  for (const [key, manifest] of after) {
    const old = before.get(key);
    if (!old) {
      objects.push(objectChange('added', manifest, ChangeEffect.NO_EFFECT, { fields: [], refused: [] }));
      continue;
    }
    const fields = changedFields(old, manifest);
    if (fields.length === 0) {
      continue;
    }
    const refused = immutableChanges(old, manifest).map(f => ({ path: f.path ?? '', step: f.fix }));
    const rollsPods = whyPodsRoll(old, manifest);
    const effect =
      refused.length > 0 ? ChangeEffect.REFUSED : rollsPods ? ChangeEffect.ROLLS_PODS : ChangeEffect.NO_EFFECT;
    const selects = selectsNoRunningPod(old, manifest, previous);
    objects.push(
      objectChange('changed', manifest, effect, { fields, refused, rollsPods, ...(selects ? { selects } : {}) }),
    );
  }
  for (const [key, old] of before) {
    if (after.has(key)) {
      continue;
    }
    const data = dataLeftBehind(old, next)[0]?.message;
    const rollsPods = ROLLING_WORKLOADS.has(old.object.kind) ? 'removed: pruning it deletes its pods' : undefined;
    const effect = data ? ChangeEffect.DELETES_DATA : rollsPods ? ChangeEffect.ROLLS_PODS : ChangeEffect.NO_EFFECT;
    objects.push(objectChange('removed', old, effect, { fields: [], refused: [], data, rollsPods }));
  }
  objects.push(...templateChanges(previous, next));
  const rank = (o: ObjectChange) => EFFECT_ORDER.indexOf(o.effect);
  objects.sort(
    (a, b) => rank(a) - rank(b) || a.object.localeCompare(b.object) || a.apiVersion.localeCompare(b.apiVersion),
  );
  return { stage, objects };
}

/**
 * Objects with a generateName and no name (the on-demand Jobs, run with `kubectl create`) are never updated, only
 * created anew, so nothing running notices them; a reviewer still sees how they change, matched by generateName.
 */
function templateChanges(previous: readonly Manifest[], next: readonly Manifest[]): ObjectChange[] {
  const templates = (manifests: readonly Manifest[]) =>
    new Map(
      manifests
        .filter(m => m.object.metadata?.name === undefined && typeof m.object.metadata?.generateName === 'string')
        .map(m => [
          `${m.object.apiVersion.replace(/\/?[^/]*$/, '')}/${m.object.kind} ${m.object.metadata.namespace ?? ''}/${m.object.metadata.generateName}`,
          m,
        ]),
    );
  const [before, after] = [templates(previous), templates(next)];
  const none = { fields: [], refused: [] };
  return [
    ...[...after].flatMap(([key, manifest]) => {
      const old = before.get(key);
      const fields = old ? changedFields(old, manifest) : [];
      return !old
        ? [objectChange('added', manifest, ChangeEffect.NO_EFFECT, none)]
        : fields.length > 0
          ? [objectChange('changed', manifest, ChangeEffect.NO_EFFECT, { ...none, fields })]
          : [];
    }),
    ...[...before]
      .filter(([key]) => !after.has(key))
      .map(([, old]) => objectChange('removed', old, ChangeEffect.NO_EFFECT, none)),
  ];
}

/** Whether applying the diffs needs a person: something the API server refuses, or data deleted or orphaned. */
export function needsAPerson(diffs: readonly StageDiff[]): boolean {
  return diffs.some(d =>
    d.objects.some(o => o.effect === ChangeEffect.REFUSED || o.effect === ChangeEffect.DELETES_DATA),
  );
}

function objectChange(
  change: ObjectChange['change'],
  manifest: Manifest,
  effect: ChangeEffect,
  details: Pick<ObjectChange, 'fields' | 'refused' | 'data' | 'rollsPods' | 'selects'>,
): ObjectChange {
  const { apiVersion, kind, metadata } = manifest.object;
  return {
    change,
    apiVersion,
    kind,
    namespace: metadata.namespace,
    name: metadata.name ?? '',
    object: describe(manifest.object),
    effect,
    ...(Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined)) as typeof details),
  };
}

function changedFields(old: Manifest, manifest: Manifest): FieldChange[] {
  const secret = manifest.object.kind === 'Secret' && manifest.object.apiVersion === 'v1';
  return fieldDifferences(old.object, manifest.object, '').map(d =>
    secret && SECRET_VALUE_PATH.test(d.path) ? { path: d.path, hidden: true as const } : d,
  );
}

/**
 * The leaves where two versions differ, as `spec.template.spec.containers[postgres].image`: lists whose items all
 * have a distinct name (containers, env, volumes, ports) are matched by name, as kubectl's strategic merge does,
 * so that a sidecar added in front shows as one new item, not as every item changed.
 */
function fieldDifferences(
  before: unknown,
  after: unknown,
  path: string,
): Array<{ path: string; before: unknown; after: unknown }> {
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap(key =>
      fieldDifferences(
        before[key],
        after[key],
        `${path}${/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `${path ? '.' : ''}${key}` : `["${key}"]`}`,
      ),
    );
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const [oldByName, newByName] = [byName(before), byName(after)];
    if (oldByName && newByName) {
      const names = [...new Set([...oldByName.keys(), ...newByName.keys()])];
      return names.flatMap(name => fieldDifferences(oldByName.get(name), newByName.get(name), `${path}[${name}]`));
    }
    if (before.length === after.length) {
      return before.flatMap((item, index) => fieldDifferences(item, after[index], `${path}[${index}]`));
    }
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, before, after }];
}

function byName(items: unknown[]): Map<string, unknown> | undefined {
  const names = items.map(item => (isRecord(item) && typeof item.name === 'string' ? item.name : undefined));
  return names.every(name => name !== undefined) && new Set(names).size === names.length
    ? new Map(items.map((item, index) => [names[index]!, item]))
    : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a workload's pods are replaced by this update: the pod template fields that changed, or undefined. */
// Where each kind that only selects pods keeps its selector (a Service's is a plain map, the others' a LabelSelector).
const SELECTOR_PATHS: Readonly<Record<string, readonly string[]>> = {
  Service: ['spec', 'selector'],
  PodDisruptionBudget: ['spec', 'selector'],
  NetworkPolicy: ['spec', 'podSelector'],
};

function selectsNoRunningPod(old: Manifest, manifest: Manifest, previous: readonly Manifest[]): string | undefined {
  const path = SELECTOR_PATHS[manifest.object.kind];
  const selector = path && at(manifest.object, path);
  if (
    !selector ||
    Object.keys(selector).length === 0 ||
    JSON.stringify(selector) === JSON.stringify(at(old.object, path))
  ) {
    return undefined;
  }
  const namespace = manifest.object.metadata?.namespace;
  const running = previous
    .map(podTemplateOf)
    .filter(pod => pod !== undefined && pod.manifest.object.metadata?.namespace === namespace);
  if (running.some(pod => selectorMatches(selector, pod!.labels))) {
    return undefined;
  }
  return (
    'its new selector matches none of the pods the previous version runs here: from its apply until they carry ' +
    `its labels it covers no pod${manifest.object.kind === 'Service' ? ' (no endpoints: clients cannot connect)' : ''}; ` +
    'apply it together with the workload change that relabels them, with automatic syncs stopped'
  );
}

function whyPodsRoll(old: Manifest, manifest: Manifest): string | undefined {
  const { kind, spec } = manifest.object;
  if (manifest.object.apiVersion.startsWith('postgresql.cnpg.io/') && kind === 'Cluster') {
    const changed = CLOUDNATIVE_PG_ROLLING_FIELDS.flatMap(path =>
      fieldDifferences(at(old.object, path), at(manifest.object, path), path.join('.')),
    );
    return changed.length > 0
      ? `CloudNativePG restarts the instances one by one, the primary last (switchover), for ${listPaths(changed)}`
      : undefined;
  }
  const template = podTemplateOf(manifest);
  const oldTemplate = podTemplateOf(old);
  if (!ROLLING_WORKLOADS.has(kind) || !template || !oldTemplate) {
    return undefined;
  }
  const templatePath = template.specPath.slice(0, -1);
  const changed = fieldDifferences(at(old.object, templatePath), at(manifest.object, templatePath), '');
  if (changed.length === 0) {
    return undefined;
  }
  return (
    (spec?.updateStrategy?.type === 'OnDelete'
      ? 'its pod template changed, and with updateStrategy OnDelete each pod takes it only when deleted: '
      : 'its pod template changed: ') + listPaths(changed.map(d => ({ path: d.path.replace(/^spec\./, '') })))
  );
}

/** At most four paths, and how many more. */
function listPaths(changes: ReadonlyArray<{ path: string }>): string {
  const paths = [...new Set(changes.map(c => c.path))];
  return paths.length > 4 ? `${paths.slice(0, 4).join(', ')} and ${paths.length - 4} more` : paths.join(', ');
}

function at(object: unknown, path: readonly PathSegment[]): unknown {
  return path.reduce<any>((node, key) => node?.[key], object);
}
