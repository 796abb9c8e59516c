import type { ErrorObject } from 'ajv';

import { closest } from './field-suggestion';
import { Finding, objectFinding } from './finding';
import { Manifest, PathSegment } from './manifest';
import { isSecretValuePath } from './secret-values';

/**
 * The findings of Ajv's errors for one object: one error a person needs for each problem, each message without a
 * Secret's value.
 */
export function schemaErrorFindings(manifest: Manifest, errors: ErrorObject[]): Finding[] {
  return simplify(errors).map(error => toFinding(manifest, error));
}

interface SimpleError {
  readonly path: PathSegment[];
  readonly ruleId: 'schema-violation' | 'invalid-quantity';
  readonly message: string;
}

// Ajv reports a failed `oneOf` branch by branch; the Kubernetes schemas use `oneOf` for nullable references and for
// scalar unions (int-or-string, quantity). This keeps the one error a person needs for each problem.
function simplify(errors: ErrorObject[]): SimpleError[] {
  let remaining = errors.filter(e => !(e.keyword === 'type' && (e.params as any).type === 'null'));
  const simple: SimpleError[] = [];
  for (const union of remaining.filter(e => e.keyword === 'oneOf' && isScalarUnion(e.schema))) {
    remaining = remaining.filter(
      e => e !== union && !(e.instancePath === union.instancePath && e.schemaPath.startsWith(`${union.schemaPath}/`)),
    );
    const branches = union.schema as any[];
    if (typeof union.data === 'string' && branches.some(b => b.format === 'quantity')) {
      simple.push({
        path: toPath(union.instancePath),
        ruleId: 'invalid-quantity',
        message: `'${union.data}' is not a Kubernetes quantity`,
      });
    } else {
      simple.push({
        path: toPath(union.instancePath),
        ruleId: 'schema-violation',
        message: `must be ${branches
          .filter(b => b.type !== 'null')
          .map(b => `a${b.type === 'integer' ? 'n' : ''} ${b.type}`)
          .join(' or ')}, got ${JSON.stringify(union.data)}`,
      });
    }
  }
  for (const error of remaining) {
    if (error.keyword === 'oneOf') {
      const within = (at: string) => at === error.instancePath || at.startsWith(`${error.instancePath}/`);
      const explained =
        remaining.some(other => other !== error && within(other.instancePath)) ||
        simple.some(other => within(other.path.length ? `/${other.path.join('/')}` : ''));
      if (!explained) {
        const expected = (error.schema as any[])
          .filter(b => b.type !== 'null')
          .map(b => (b.$ref ? String(b.$ref).split('.').pop() : b.type));
        simple.push({
          path: toPath(error.instancePath),
          ruleId: 'schema-violation',
          message: `is not a valid ${expected.join(' or ')}, got ${brief(error.data)}`,
        });
      }
      continue;
    }
    simple.push(describeError(error));
  }
  return simple;
}

function isScalarUnion(schema: unknown): boolean {
  return Array.isArray(schema) && schema.every(branch => !branch.$ref) && schema.some(branch => branch.type !== 'null');
}

function describeError(error: ErrorObject): SimpleError {
  const path = toPath(error.instancePath);
  const params = error.params as any;
  switch (error.keyword) {
    case 'additionalProperties': {
      const known = Object.keys((error.parentSchema as any)?.properties ?? {});
      const suggestion = closest(params.additionalProperty, known);
      return {
        path: [...path, params.additionalProperty],
        ruleId: 'schema-violation',
        message:
          `unknown field '${params.additionalProperty}'` +
          (path.length ? ` in ${formatParent(path)}` : '') +
          (suggestion ? ` (did you mean '${suggestion}'?)` : ''),
      };
    }
    case 'required':
      return {
        path,
        ruleId: 'schema-violation',
        message: `missing required field '${params.missingProperty}'${path.length ? ` in ${formatParent(path)}` : ''}`,
      };
    case 'enum':
      return {
        path,
        ruleId: 'schema-violation',
        message: `must be one of ${params.allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(error.data)}`,
      };
    case 'type':
      return {
        path,
        ruleId: 'schema-violation',
        message:
          'must be ' +
          (Array.isArray(params.type)
            ? params.type.join(' or ')
            : `a${/^[aeiou]/.test(params.type) ? 'n' : ''} ${params.type}`) +
          `, got ${brief(error.data)}`,
      };
    case 'format':
      return params.format === 'quantity'
        ? { path, ruleId: 'invalid-quantity', message: `'${error.data}' is not a Kubernetes quantity` }
        : {
            path,
            ruleId: 'schema-violation',
            message: `must be of format ${params.format}, got ${JSON.stringify(error.data)}`,
          };
    default:
      return {
        path,
        ruleId: 'schema-violation',
        message: `${error.message ?? 'is invalid'}, got ${brief(error.data)}`,
      };
  }
}

/** A value as a message shows it: in full when short, else its kind and the start of it, on one line. */
function brief(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  if (json.length <= 60) {
    return json;
  }
  const kind = Array.isArray(value)
    ? `a list of ${value.length}`
    : typeof value === 'object' && value !== null
      ? `an object with fields ${Object.keys(value).slice(0, 5).join(', ')}${Object.keys(value).length > 5 ? ', …' : ''}`
      : `a ${typeof value}`;
  return `${kind} (${json.slice(0, 40)}…)`;
}

function toFinding(manifest: Manifest, error: SimpleError): Finding {
  if (isSecretValuePath(manifest.object, error.path)) {
    // The value is a secret: say what is wrong without it.
    return objectFinding(
      error.ruleId,
      manifest,
      error.path,
      / of format byte/.test(error.message)
        ? 'not base64; put plain text under stringData instead (the API server encodes it)'
        : error.message.replace(/, got [\s\S]*$/, ''),
    );
  }
  return objectFinding(error.ruleId, manifest, error.path, error.message);
}

function toPath(instancePath: string): PathSegment[] {
  return instancePath === ''
    ? []
    : instancePath
        .slice(1)
        .split('/')
        .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map(s => (/^\d+$/.test(s) ? Number(s) : s));
}

function formatParent(path: PathSegment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i ? '.' : ''}${s}`)).join('');
}
