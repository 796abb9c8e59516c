import { z } from 'zod';

import { STACK_SCHEMA } from './stack-config';

// How the schema's issues become problems that name the config field, the value received and the fix: unknown keys
// with the nearest known one or the variant that has them, and the messages of issues whose field has none.

/** One problem: the config field, the value received and what it must be. */
export interface Problem {
  readonly field: string;
  readonly value: unknown;
  readonly message: string;
}

/** The problems one schema issue stands for: an unknown key each, with the nearest known key. */
export function problemsOf(issue: z.core.$ZodIssue, settings: unknown): Problem[] {
  if (issue.code === 'unrecognized_keys') {
    const input = valueAtPath(settings, issue.path) as Record<string, unknown>;
    return issue.keys.map(key => ({
      field: fieldName([...issue.path, key]),
      value: input?.[key],
      message: unknownKeyMessage(issue.path, key, settings),
    }));
  }
  // A transform's or a refinement's issue carries the value it checked; the others, the value at their path.
  const value = issue.code === 'custom' ? issue.input : valueAtPath(settings, issue.path);
  return [{ field: fieldName(issue.path), value, message: issue.message }];
}

/** The message of an issue whose field has none of its own. */
export function genericMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) {
        return 'is required';
      }
      return (
        {
          object: 'must be an object',
          array: "must be a list such as ['infrastructure']",
          number: 'must be a number',
          string: 'must be a string',
          boolean: 'must be true or false',
        }[issue.expected as string] ?? `must be ${issue.expected}`
      );
    case 'invalid_value':
      return `must be one of ${issue.values.map(v => `'${String(v)}'`).join(', ')}`;
    case 'invalid_union':
      return Array.isArray(issue.options)
        ? `must be one of ${issue.options.map(v => `'${String(v)}'`).join(', ')}`
        : undefined;
    default:
      return undefined;
  }
}

/**
 * Why `key` is unknown at `path`: the setting of another variant (with the value that selects it), or a misspelling
 * of a known key (the nearest one suggested).
 */
function unknownKeyMessage(path: readonly PropertyKey[], key: string, settings: unknown): string {
  const { chosen, others } = objectsAt(STACK_SCHEMA, path, settings, []);
  const owners = others.filter(other => key in other.object.shape);
  const variant = chosen?.variant;
  if (owners.length > 0 && variant !== undefined) {
    const values = owners.map(owner => `'${owner.variant!.value}'`);
    const noun = variant.key;
    return (
      `is a setting of the ${values.join(' and ')} ${noun}${owners.length > 1 ? 's' : ''}; the '${variant.value}' ${noun} refuses it: ` +
      `remove it, or set ${variant.field} to ${values.join(' or ')}`
    );
  }
  const known = chosen === undefined ? [] : Object.keys(chosen.object.shape);
  const nearest = nearestKey(key, known);
  return `unknown setting${nearest ? `; did you mean '${nearest}'?` : ''} (the settings are ${known.join(', ')})`;
}

interface ObjectAt {
  readonly object: z.ZodObject;
  /** The variant that holds it: the field that selects it (`database.workload`), its key and value. */
  readonly variant?: { readonly field: string; readonly key: string; readonly value: string };
}

/** The object schema at `path` for the variant `settings` selects, and those of the other variants. */
function objectsAt(
  schema: z.core.$ZodType,
  path: readonly PropertyKey[],
  settings: unknown,
  above: readonly PropertyKey[],
  variant?: ObjectAt['variant'],
): { chosen?: ObjectAt; others: ObjectAt[] } {
  const type = unwrap(schema);
  const def = kindOf(type)._zod.def;
  if (def.type === 'union' && 'discriminator' in def) {
    const key = (def as z.core.$ZodDiscriminatedUnionDef).discriminator;
    const selected = (settings as Record<string, unknown> | undefined)?.[key];
    const options = def.options as z.ZodObject[];
    const valueOf = (option: z.ZodObject) => String((option.shape[key] as z.ZodLiteral).value);
    const chosenOption = options.find(option => valueOf(option) === selected) ?? options[0];
    const variantOf = (option: z.ZodObject) => ({ field: fieldName([...above, key]), key, value: valueOf(option) });
    const result = objectsAt(chosenOption, path, settings, above, variantOf(chosenOption));
    for (const option of options.filter(o => o !== chosenOption)) {
      const other = objectsAt(option, path, undefined, above, variantOf(option)).chosen;
      if (other !== undefined) {
        result.others.push(other);
      }
    }
    return result;
  }
  if (def.type !== 'object') {
    return { others: [] };
  }
  if (path.length === 0) {
    return { chosen: { object: type as z.ZodObject, variant }, others: [] };
  }
  const [first, ...rest] = path;
  const field = (type as z.ZodObject).shape[String(first)];
  return field === undefined
    ? { others: [] }
    : objectsAt(
        field,
        rest,
        (settings as Record<string, unknown> | undefined)?.[String(first)],
        [...above, first],
        variant,
      );
}

/** The schema inside optional, default and preprocessing wrappers. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  const def = kindOf(schema)._zod.def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
      return unwrap(def.innerType);
    case 'pipe':
      return unwrap(def.out._zod.def.type === 'transform' ? def.in : def.out);
    default:
      return schema;
  }
}

/**
 * The schema as the union of zod's kinds, whose `def.type` then narrows `def` to that kind's (as zod's own JSON Schema
 * generator reads a schema). Every schema is one of them.
 */
function kindOf(schema: z.core.$ZodType): z.core.$ZodTypes {
  return schema as z.core.$ZodTypes;
}

/**
 * The known key nearest to `key`: one it begins (`cpu` → `cpuRequest`), or one at most a third of its letters away,
 * case ignored; undefined if none is near.
 */
function nearestKey(key: string, known: readonly string[]): string | undefined {
  const prefixed = known.filter(candidate => key.length >= 3 && candidate.toLowerCase().startsWith(key.toLowerCase()));
  if (prefixed.length === 1) {
    return prefixed[0];
  }
  const scored = known
    .map(candidate => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance);
  const best = scored[0];
  return best !== undefined && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** `input` without the values the issues are about, so that their defaults stand in. */
export function withoutBadValues(input: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  const result = structuredClone(input);
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      // An issue before it may have taken out the object already.
      const parent = valueAtPath(result, issue.path);
      if (parent !== null && typeof parent === 'object') {
        issue.keys.forEach(key => delete (parent as Record<string, unknown>)[key]);
      }
      continue;
    }
    // A required value that is missing: the object that lacks it goes.
    let path = issue.path;
    while (path.length > 0 && valueAtPath(result, path) === undefined) {
      path = path.slice(0, -1);
    }
    if (path.length === 0) {
      return {};
    }
    delete (valueAtPath(result, path.slice(0, -1)) as Record<PropertyKey, unknown>)[path[path.length - 1] as string];
  }
  return result;
}

function fieldName(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function valueAtPath(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (current, key) =>
      current === null || typeof current !== 'object' ? undefined : (current as Record<PropertyKey, unknown>)[key],
    value,
  );
}

export function valueAt(settings: unknown, field: string): unknown {
  return valueAtPath(settings, field.split('.'));
}
