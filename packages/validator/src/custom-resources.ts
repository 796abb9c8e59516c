import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';

import { cacheKey, CompiledCodeCache, loadWithCodeCache } from './code-cache';
import { decodeUtf8, parseFile, readManifestFiles } from './load-manifests';
import { Manifest } from './manifest';
import { AJV_OPTIONS, standaloneSource } from './standalone';

// Custom resources checked against their CustomResourceDefinition's openAPIV3Schema, strictly, the way
// kubeconform does with a CRD catalogue: unknown fields, types, enums and required fields. The API server prunes
// unknown fields of a structural schema silently; reporting them is what catches a misspelled field.

/** A CRD file that cannot be used: the messages name the file (and line). */
export class CrdFileError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'CrdFileError';
  }
}

/** The validators of served CRD versions, keyed by `group/version/kind`. */
export class CrdCatalog {
  /**
   * The CRDs of the files under `paths` (files or folders, like the validator's own inputs), each file compiled
   * once and its code cached by content (see code-cache.ts). Throws a `CrdFileError` naming every file that cannot
   * be read or parsed. @param cache @default - `CompiledCodeCache.fromEnvironment()`
   */
  public static fromFiles(paths: readonly string[], cache?: CompiledCodeCache): CrdCatalog {
    const catalog = new CrdCatalog();
    if (paths.length > 0) {
      cache ??= CompiledCodeCache.fromEnvironment();
    }
    const unreadable: string[] = [];
    const problems: string[] = [];
    for (const { file, bytes } of readManifestFiles(paths, unreadable)) {
      const key = cacheKey('crd.js', compilerDigest(), bytes);
      const cached = cache?.read(key);
      let compiled = cached === undefined ? undefined : loadCompiled(cached.toString('utf8'), file, key, cache);
      if (!compiled) {
        const source = compileFile(file, bytes, problems);
        if (source === undefined) {
          continue;
        }
        cache?.write(key, source);
        compiled = loadCompiled(source, file, key, cache)!;
      }
      for (const [gvk, validate] of compiled.validators) {
        catalog.validators.set(gvk, { validate, used: () => compiled!.used(gvk) });
      }
    }
    const all = [...unreadable.map(file => `--crd: cannot read '${file}'`), ...problems];
    if (all.length > 0) {
      throw new CrdFileError(all);
    }
    return catalog;
  }

  // Each with what records a call of a cached CRD module's validator, so that its code cache comes to hold it.
  private readonly validators = new Map<string, { validate: ValidateFunction; used?: () => void }>();
  // The set's own CRDs, compiled when a custom resource needs one (most sets hold none of their resources).
  private readonly schemas = new Map<string, object>();
  private ajv?: Ajv;

  /** @param fallback consulted for what this catalogue's own CRDs do not serve */
  constructor(private readonly fallback?: CrdCatalog) {}

  /** Adds every CustomResourceDefinition (apiextensions.k8s.io/v1) of `manifests`; other objects are ignored. */
  public add(manifests: readonly Manifest[]): void {
    for (const [gvk, schema] of servedSchemas(manifests)) {
      this.schemas.set(gvk, schema);
      this.validators.delete(gvk);
    }
  }

  /** The `group/version/kind`s the catalogue serves, sorted. */
  public get servedKinds(): string[] {
    return [
      ...new Set([...this.validators.keys(), ...this.schemas.keys(), ...(this.fallback?.servedKinds ?? [])]),
    ].sort();
  }

  /** The validator of `apiVersion`/`kind`, or `undefined` when no CRD of the catalogue serves it. */
  public validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
    const key = `${apiVersion}/${kind}`;
    const known = this.validators.get(key);
    if (known) {
      known.used?.();
      return known.validate;
    }
    const schema = this.schemas.get(key);
    if (!schema) {
      return this.fallback?.validatorFor(apiVersion, kind);
    }
    this.ajv ??= newAjv(false);
    const validate = this.ajv.compile(strictRoot(toJsonSchema(schema)));
    this.validators.set(key, { validate });
    return validate;
  }
}

// The CRDs' served versions, by group/version/kind.
function servedSchemas(manifests: readonly Manifest[]): Map<string, object> {
  const schemas = new Map<string, object>();
  for (const { object } of manifests) {
    if (object.kind !== 'CustomResourceDefinition' || object.apiVersion !== 'apiextensions.k8s.io/v1') {
      continue;
    }
    const group = object.spec?.group;
    const kind = object.spec?.names?.kind;
    for (const version of Array.isArray(object.spec?.versions) ? object.spec.versions : []) {
      const schema = version?.schema?.openAPIV3Schema;
      if (
        typeof group === 'string' &&
        typeof kind === 'string' &&
        typeof version?.name === 'string' &&
        schema &&
        version.served !== false
      ) {
        schemas.set(`${group}/${version.name}/${kind}`, schema);
      }
    }
  }
  return schemas;
}

// Ajv is loaded only when a CRD must be compiled: a run with cached CRDs, or none, never pays for it.
function newAjv(source: boolean): Ajv {
  const AjvClass: typeof Ajv = require('ajv').default;
  // No code optimisation pass for in-memory compiles, which costs more than it saves on one run; cached code is
  // compiled once and loaded many times, so it is optimised.
  return new AjvClass({
    ...AJV_OPTIONS,
    validateFormats: false,
    code: source ? { source: true } : { optimize: false },
  });
}

// The standalone module of one file's CRDs: a validator per served group/version/kind, exported under that key,
// and `servedKinds`, their list. Parse problems go to `problems`, and give no module.
function compileFile(file: string, bytes: Buffer, problems: string[]): string | undefined {
  const loaded = { manifests: [] as Manifest[], findings: [] as import('./finding').Finding[] };
  const text = decodeUtf8(file, bytes, loaded.findings);
  if (text !== undefined) {
    parseFile(file, text, loaded);
  }
  const parseErrors = loaded.findings.filter(f => f.ruleId === 'parse-error');
  if (parseErrors.length > 0) {
    problems.push(...parseErrors.map(f => `--crd: ${f.file}:${f.line}: ${f.message}`));
    return undefined;
  }
  const schemas = [...servedSchemas(loaded.manifests)];
  const served = `exports.servedKinds = ${JSON.stringify(schemas.map(([gvk]) => gvk))};`;
  if (schemas.length === 0) {
    return served;
  }
  const ajv = newAjv(true);
  schemas.forEach(([, schema], index) => ajv.addSchema(strictRoot(toJsonSchema(schema)), `crd${index}`));
  return `${standaloneSource(ajv, Object.fromEntries(schemas.map(([gvk], index) => [gvk, `crd${index}`])))}\n${served}`;
}

// The validators of the compiled module of `file` (cached under `key`), with V8's code cache of the module kept
// under the same key; undefined when the source does not load (a damaged cache entry).
function loadCompiled(
  source: string,
  file: string,
  key: string,
  cache: CompiledCodeCache | undefined,
): { validators: Map<string, ValidateFunction>; used(gvk: string): void } | undefined {
  try {
    const module = loadWithCodeCache(source, `${file}.validators.js`, key, cache);
    const exported = module.exports;
    const served: unknown = exported.servedKinds;
    if (!Array.isArray(served) || served.some(gvk => typeof exported[gvk] !== 'function')) {
      return undefined;
    }
    return {
      validators: new Map(served.map(gvk => [gvk, exported[gvk] as ValidateFunction])),
      used: gvk => module.used(gvk),
    };
  } catch {
    return undefined;
  }
}

let digest: string | undefined;
// What compiled code depends on besides the file: Ajv's version, its options, and how a CRD schema is made strict.
function compilerDigest(): string {
  digest ??= cacheKey(
    'compiler',
    require('ajv/package.json').version,
    JSON.stringify(AJV_OPTIONS),
    toJsonSchema.toString(),
    strictRoot.toString(),
    compileFile.toString(),
  );
  return digest;
}

/**
 * A CRD's structural schema as strict JSON Schema: objects with `properties` admit no other field (unless
 * `x-kubernetes-preserve-unknown-fields`), `nullable` admits null, `x-kubernetes-int-or-string` admits both.
 */
function toJsonSchema(node: any): any {
  if (!node || typeof node !== 'object') {
    return node;
  }
  const out: any = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, toJsonSchema(child)]));
    } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
      out[key] = typeof value === 'object' ? toJsonSchema(value) : value;
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      // In a structural schema these only add constraints to fields declared in `properties`: keep them open.
      out[key] = (value as any[]).map(branch => ({ ...toJsonSchema(branch), additionalProperties: undefined }));
    } else if (key === 'pattern' && !isEcmaScriptPattern(value)) {
      // The API server checks patterns with Go's RE2, which takes syntax JavaScript does not (`(?i)`, `\z`): such a
      // pattern is valid in the cluster but cannot be checked here, so it is left out rather than failing the run.
      continue;
    } else if (!key.startsWith('x-kubernetes-') && key !== 'nullable') {
      out[key] = value;
    }
  }
  if (node['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (node.nullable === true && typeof out.type === 'string') {
    out.type = [out.type, 'null'];
  }
  if (out.properties && out.additionalProperties === undefined && !node['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  if (node['x-kubernetes-embedded-resource'] && out.properties) {
    out.properties = {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      ...out.properties,
    };
  }
  return out;
}

// The root of every custom resource also has apiVersion, kind and metadata, which CRD schemas rarely declare.
// `status` is written by the controller, never applied (the status subresource ignores it on create and update),
// and is most of a large CRD's schema (Argo CD's Application): it is not compiled.
function strictRoot(schema: any): any {
  const { status: _status, ...properties } = schema.properties ?? {};
  return {
    ...schema,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      status: {},
      ...properties,
    },
    additionalProperties: schema.additionalProperties ?? false,
  };
}

function isEcmaScriptPattern(pattern: unknown): boolean {
  try {
    new RegExp(String(pattern), 'u');
    return true;
  } catch {
    return false;
  }
}
