import type { ErrorObject, ValidateFunction } from 'ajv';
import { cronScheduleProblem, DNS_1035_LABEL, DNS_LABEL, DNS_SUBDOMAIN, LABEL_VALUE, QUALIFIED_NAME, timeZoneProblem } from '@stateful-todo/kube-conventions';
import { Finding, objectFinding } from './finding';
import { isNamespaced, Manifest, PathSegment } from './manifest';
import { checkPodSpec, portNameProblem } from './check-pod-spec';
import { CrdCatalog } from './custom-resources';
import { podTemplateOf } from './pod-templates';
import * as fs from 'fs';
import * as path from 'path';
import { CompiledCodeCache, requireWithCodeCache } from './code-cache';
import { FORMATS } from './schema/formats';
import { KUBERNETES_VERSIONS, KubernetesVersion, minorOf } from './schema/kubernetes-version';
import { removalOf } from './schema/removed-apis';
import { isSecretValuePath } from './secret-values';

export { KUBERNETES_VERSIONS, KubernetesVersion };

// The schemas compiled at build time (`npm run generate:schema`; Ajv's standalone mode), one module per Kubernetes
// version, loaded by path rather than imported, so that bundling the validator (on every `cdk8s synth`) does not
// parse ~2 MB of generated code: from src/ (tests) and from dist/ (the bundles) alike, it is ../src/schema/ of the
// package. Every version's module has the shape that kubernetes-1.27.validators.d.ts declares.
const compiledSchemasFile = (version: string) => path.join(__dirname, '..', 'src', 'schema', `kubernetes-${minorOf(version)}.validators.js`);
type CompiledSchemas = ReturnType<typeof import('./schema/kubernetes-1.27.validators')>;

function loadCompiledSchemas(version: string): { compiled: CompiledSchemas; used(gvk: string): void } {
  const COMPILED_SCHEMAS = compiledSchemasFile(version);
  let header: string;
  try {
    // The generator writes the digest of the code on its second line.
    const start = Buffer.alloc(512);
    const fd = fs.openSync(COMPILED_SCHEMAS, 'r');
    try {
      fs.readSync(fd, start, 0, start.length, 0);
    } finally {
      fs.closeSync(fd);
    }
    header = start.toString('latin1').split('\n')[1] ?? '';
  } catch (error) {
    throw new Error(`the validator's compiled Kubernetes schemas cannot be read at ${COMPILED_SCHEMAS} `
      + `(${(error as Error).message}): the validator runs from its package's dist/ or src/ folder, beside src/schema/; `
      + 'if the file is missing, run `npm run generate:schema`');
  }
  const digest = /^\/\/ sha256:([0-9a-f]{64})$/.exec(header)?.[1];
  if (!digest) {
    return { compiled: require(COMPILED_SCHEMAS)(FORMATS), used: () => undefined };
  }
  const module = requireWithCodeCache(COMPILED_SCHEMAS, digest, CompiledCodeCache.fromEnvironment());
  return { compiled: module.exports(FORMATS), used: gvk => module.used(gvk) };
}


// RBAC names may be any path segment; the API does not hold them to DNS rules.
const FREE_NAME_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const PORT_FIELDS = new Set(['port', 'containerPort', 'hostPort', 'targetPort', 'nodePort', 'endPort']);
// 0 means unset in these: no host port; a node port the API server allocates; a target port that defaults to the port.
const UNSET_AS_ZERO = new Set(['hostPort', 'nodePort', 'targetPort']);

/**
 * Strict validation against the OpenAPI schema of one Kubernetes version, plus the rules the schema cannot express:
 * object names per kind, label and annotation syntax, port ranges. The schemas were compiled at build time (Ajv's
 * standalone mode, `npm run generate:schema`): a run loads code instead of compiling schemas.
 */
export class SchemaChecker {
  private readonly schemas: ReturnType<typeof loadCompiledSchemas>;
  private readonly compiled: CompiledSchemas;
  private readonly alphaKinds: Set<string>;
  private readonly kindsByName = new Map<string, string[]>();
  /** The API groups of this version's schema bundle (with its alpha kinds'): the only groups built into Kubernetes here. */
  private readonly builtInGroups = new Set<string>();

  constructor(public readonly kubernetesVersion: KubernetesVersion = KUBERNETES_VERSIONS[0]) {
    this.schemas = loadCompiledSchemas(kubernetesVersion);
    this.compiled = this.schemas.compiled;
    this.alphaKinds = new Set(this.compiled.alphaKinds);
    for (const gvk of Object.keys(this.compiled).filter(key => key.includes('/'))) {
      const kind = gvk.slice(gvk.lastIndexOf('/') + 1);
      this.kindsByName.set(kind, [...(this.kindsByName.get(kind) ?? []), gvk.slice(0, gvk.lastIndexOf('/'))]);
    }
    for (const gvk of [...this.kindsByName.values()].flat().concat(this.compiled.alphaKinds.map(k => k.slice(0, k.lastIndexOf('/'))))) {
      this.builtInGroups.add(groupOf(gvk));
    }
  }

  /**
   * Whether `apiVersion` can only be a built-in API: a group of the bundle, or a group without a dot, which no
   * CustomResourceDefinition may have (so `appss/v1` is a misspelled built-in group). Other groups, *.k8s.io ones
   * included (Gateway API, VolumeSnapshot, app.k8s.io), are custom resources, checked against their CRD.
   */
  private isBuiltInGroup(apiVersion: string): boolean {
    const group = groupOf(apiVersion);
    return !group.includes('.') || this.builtInGroups.has(group);
  }

  /** Every schema finding of one object; custom resources are checked against `crds` when it serves them. */
  public check(manifest: Manifest, crds?: CrdCatalog): Finding[] {
    const { apiVersion, kind } = manifest.object;
    const gvk = `${apiVersion}/${kind}`;
    const findings: Finding[] = [];
    // Every served kind's key holds a '/', unlike the generated module's other exports.
    const builtIn = gvk.includes('/') && Object.prototype.hasOwnProperty.call(this.compiled, gvk) ? this.compiled[gvk] as ValidateFunction : undefined;
    if (!builtIn) {
      if (this.alphaKinds.has(gvk)) {
        findings.push(objectFinding('alpha-kind', manifest, ['apiVersion'], `${gvk} is an alpha API, disabled by default in Kubernetes ${this.kubernetesVersion}; its schema is not checked`));
      } else if (this.isBuiltInGroup(apiVersion)) {
        const served = this.kindsByName.get(kind);
        const removal = removalOf(gvk);
        const removed = removal ? ` (removed in ${removal.removedIn})` : '';
        findings.push(objectFinding('unknown-kind', manifest, ['apiVersion'], served
          ? `apiVersion '${apiVersion}' of kind ${kind} is not served by Kubernetes ${this.kubernetesVersion}${removed}`
          : `kind '${kind}' of apiVersion '${apiVersion}' is not served by Kubernetes ${this.kubernetesVersion}${removed}`,
        served ? `use apiVersion ${served.map(v => `'${v}'`).join(' or ')}` : removal ? `use ${removal.use}` : undefined));
        return findings;
      } else {
        const validate = crds?.validatorFor(apiVersion, kind);
        if (!validate) {
          findings.push(objectFinding('custom-resource', manifest, ['apiVersion'],
            `${gvk} is a custom resource whose CustomResourceDefinition is not in the set nor given with --crd; only generic checks apply`));
        } else if (!validate(manifest.object)) {
          findings.push(...simplify(validate.errors ?? []).map(error => toFinding(manifest, error)));
        }
      }
    } else {
      this.schemas.used(gvk);
      findings.push(...schemaFindings(manifest, builtIn));
    }
    findings.push(...checkName(manifest), ...checkLabelsAndAnnotations(manifest), ...checkPorts(manifest), ...checkPodSpec(manifest),
      ...checkServiceTargetPorts(manifest), ...checkCronJob(manifest));
    return findings;
  }
}

function schemaFindings(manifest: Manifest, validate: ValidateFunction): Finding[] {
  if (validate(manifest.object)) {
    return [];
  }
  // A StatefulSet without serviceName is reported by the statefulset-service rule, with a better fix; so is the
  // nullable wrapper (oneOf) around its spec, which failed only because of it.
  const all = validate.errors ?? [];
  const handled = all.filter(e => manifest.object.kind === 'StatefulSet' && e.keyword === 'required'
    && (e.params as any).missingProperty === 'serviceName');
  const errors = all.filter(e => !handled.includes(e) && !(e.keyword === 'oneOf'
    && handled.some(h => h.instancePath === e.instancePath) && !all.some(o => o !== e && !handled.includes(o)
      && o.keyword !== 'oneOf' && o.keyword !== 'type' && (o.instancePath === e.instancePath || o.instancePath.startsWith(`${e.instancePath}/`)))));
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
    remaining = remaining.filter(e => e !== union && !(e.instancePath === union.instancePath && e.schemaPath.startsWith(`${union.schemaPath}/`)));
    const branches = union.schema as any[];
    if (typeof union.data === 'string' && branches.some(b => b.format === 'quantity')) {
      simple.push({ path: toPath(union.instancePath), ruleId: 'invalid-quantity', message: `'${union.data}' is not a Kubernetes quantity` });
    } else {
      simple.push({ path: toPath(union.instancePath), ruleId: 'schema-violation', message: `must be ${branches.filter(b => b.type !== 'null').map(b => `a${b.type === 'integer' ? 'n' : ''} ${b.type}`).join(' or ')}, got ${JSON.stringify(union.data)}` });
    }
  }
  for (const error of remaining) {
    if (error.keyword === 'oneOf') {
      const within = (at: string) => at === error.instancePath || at.startsWith(`${error.instancePath}/`);
      const explained = remaining.some(other => other !== error && within(other.instancePath))
        || simple.some(other => within(other.path.length ? `/${other.path.join('/')}` : ''));
      if (!explained) {
        const expected = (error.schema as any[]).filter(b => b.type !== 'null').map(b => (b.$ref ? String(b.$ref).split('.').pop() : b.type));
        simple.push({ path: toPath(error.instancePath), ruleId: 'schema-violation', message: `is not a valid ${expected.join(' or ')}, got ${brief(error.data)}` });
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
        message: `unknown field '${params.additionalProperty}'${path.length ? ` in ${formatParent(path)}` : ''}${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`,
      };
    }
    case 'required':
      return { path, ruleId: 'schema-violation', message: `missing required field '${params.missingProperty}'${path.length ? ` in ${formatParent(path)}` : ''}` };
    case 'enum':
      return { path, ruleId: 'schema-violation', message: `must be one of ${params.allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(error.data)}` };
    case 'type':
      return { path, ruleId: 'schema-violation', message: `must be ${Array.isArray(params.type) ? params.type.join(' or ') : `a${/^[aeiou]/.test(params.type) ? 'n' : ''} ${params.type}`}, got ${brief(error.data)}` };
    case 'format':
      return params.format === 'quantity'
        ? { path, ruleId: 'invalid-quantity', message: `'${error.data}' is not a Kubernetes quantity` }
        : { path, ruleId: 'schema-violation', message: `must be of format ${params.format}, got ${JSON.stringify(error.data)}` };
    default:
      return { path, ruleId: 'schema-violation', message: `${error.message ?? 'is invalid'}, got ${brief(error.data)}` };
  }
}

/** A value as a message shows it: in full when short, else its kind and the start of it, on one line. */
function brief(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  if (json.length <= 60) {
    return json;
  }
  const kind = Array.isArray(value) ? `a list of ${value.length}` : typeof value === 'object' && value !== null
    ? `an object with fields ${Object.keys(value).slice(0, 5).join(', ')}${Object.keys(value).length > 5 ? ', …' : ''}` : `a ${typeof value}`;
  return `${kind} (${json.slice(0, 40)}…)`;
}

function toFinding(manifest: Manifest, error: SimpleError): Finding {
  if (isSecretValuePath(manifest.object, error.path)) {
    // The value is a secret: say what is wrong without it.
    return objectFinding(error.ruleId, manifest, error.path, / of format byte/.test(error.message)
      ? 'not base64; put plain text under stringData instead (the API server encodes it)'
      : error.message.replace(/, got [\s\S]*$/, ''));
  }
  return objectFinding(error.ruleId, manifest, error.path, error.message);
}

function toPath(instancePath: string): PathSegment[] {
  return instancePath === '' ? [] : instancePath.slice(1).split('/')
    .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map(s => (/^\d+$/.test(s) ? Number(s) : s));
}

function formatParent(path: PathSegment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i ? '.' : ''}${s}`)).join('');
}

// The known name within edit distance 2, to suggest for a misspelled field.
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function checkName(manifest: Manifest): Finding[] {
  const { kind, metadata } = manifest.object;
  const name = metadata.name;
  if (name === undefined) {
    return metadata.generateName ? [] : [objectFinding('invalid-name', manifest, ['metadata'], `${kind} has no metadata.name`, 'set metadata.name')];
  }
  if (typeof name !== 'string' || FREE_NAME_KINDS.has(kind)) {
    return [];
  }
  const [pattern, max, rule] = kind === 'Service' ? [DNS_1035_LABEL, 63, 'a DNS-1035 label (starting with a letter)']
    : kind === 'Namespace' ? [DNS_LABEL, 63, 'a DNS-1123 label']
      : [DNS_SUBDOMAIN, 253, 'a DNS-1123 subdomain'];
  const findings: Finding[] = [];
  if (!pattern.test(name) || name.length > max) {
    findings.push(objectFinding('invalid-name', manifest, ['metadata', 'name'], `name '${name}' of a ${kind} must be ${rule} of at most ${max} characters`));
  }
  if (isNamespaced(kind) && metadata.namespace !== undefined && (typeof metadata.namespace !== 'string' || !DNS_LABEL.test(metadata.namespace))) {
    findings.push(objectFinding('invalid-name', manifest, ['metadata', 'namespace'], `namespace '${metadata.namespace}' must be a DNS-1123 label`));
  }
  return findings;
}

function checkLabelsAndAnnotations(manifest: Manifest): Finding[] {
  const findings: Finding[] = [];
  const checkLabels = (labels: unknown, path: PathSegment[]) => {
    if (!labels || typeof labels !== 'object') {
      return;
    }
    for (const [key, value] of Object.entries(labels)) {
      if (!isQualifiedKey(key)) {
        findings.push(objectFinding('invalid-label', manifest, [...path, key], `label key '${key}' is malformed`));
      }
      if (typeof value === 'string' && (value.length > 63 || !LABEL_VALUE.test(value))) {
        findings.push(objectFinding('invalid-label', manifest, [...path, key], `label value '${value}' of '${key}' is malformed`));
      }
    }
  };
  const { metadata } = manifest.object;
  checkLabels(metadata.labels, ['metadata', 'labels']);
  const pod = podTemplateOf(manifest);
  if (pod && pod.manifest.object.kind !== 'Pod') {
    checkLabels(pod.labels, [...pod.specPath.slice(0, -1), 'metadata', 'labels']);
  }
  for (const key of Object.keys(metadata.annotations ?? {})) {
    if (!isQualifiedKey(key)) {
      findings.push(objectFinding('invalid-annotation', manifest, ['metadata', 'annotations', key], `annotation key '${key}' is malformed`));
    }
  }
  return findings;
}

function isQualifiedKey(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return false;
  }
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME.test(name);
}

function checkPorts(manifest: Manifest): Finding[] {
  const findings: Finding[] = [];
  const visit = (node: unknown, path: PathSegment[]) => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, [...path, index]));
    } else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'status' && path.length === 0) {
          continue;
        }
        if (PORT_FIELDS.has(key) && typeof value === 'number' && !(UNSET_AS_ZERO.has(key) && value === 0) && (value < 1 || value > 65535 || !Number.isInteger(value))) {
          findings.push(objectFinding('invalid-port', manifest, [...path, key], `${key} ${value} is outside 1-65535`));
        }
        visit(value, [...path, key]);
      }
    }
  };
  visit(manifest.object, []);
  return findings;
}

// A Service's targetPort by name must be a valid port name (IANA_SVC_NAME), as a container port's is; the API
// server checks it (validatePortNumOrName) whether or not a container declares it.
function checkServiceTargetPorts(manifest: Manifest): Finding[] {
  const { kind, apiVersion, spec } = manifest.object;
  if (kind !== 'Service' || apiVersion !== 'v1' || !Array.isArray(spec?.ports)) {
    return [];
  }
  const findings: Finding[] = [];
  spec.ports.forEach((port: any, index: number) => {
    const problem = typeof port?.targetPort === 'string' && port.targetPort !== '' ? portNameProblem(port.targetPort) : undefined;
    if (problem) {
      findings.push(objectFinding('invalid-port-name', manifest, ['spec', 'ports', index, 'targetPort'], `targetPort name '${port.targetPort}' ${problem} (IANA service name)`));
    }
  });
  return findings;
}

// What the API server's CronJob validation checks beyond the schema: the schedule and the time zone.
function checkCronJob(manifest: Manifest): Finding[] {
  const { kind, apiVersion, spec } = manifest.object;
  if (kind !== 'CronJob' || !/^batch\//.test(apiVersion) || !spec || typeof spec !== 'object') {
    return [];
  }
  const findings: Finding[] = [];
  const schedule = typeof spec.schedule === 'string' ? cronScheduleProblem(spec.schedule) : undefined;
  if (schedule) {
    findings.push(objectFinding('invalid-schedule', manifest, ['spec', 'schedule'], `schedule '${spec.schedule}' ${schedule}`));
  }
  const timeZone = spec.timeZone !== undefined && spec.timeZone !== null ? timeZoneProblem(spec.timeZone) : undefined;
  if (timeZone) {
    findings.push(objectFinding('invalid-schedule', manifest, ['spec', 'timeZone'], `timeZone '${spec.timeZone}' ${timeZone}`));
  }
  return findings;
}

/** The API group of an apiVersion: `apps` of `apps/v1`, '' (core) of `v1`. */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
