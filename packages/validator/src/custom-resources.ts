import Ajv, { ValidateFunction } from 'ajv';
import { Manifest } from './manifest';

// Custom resources checked against their CustomResourceDefinition's openAPIV3Schema, strictly, the way
// kubeconform does with a CRD catalogue: unknown fields, types, enums and required fields. The API server prunes
// unknown fields of a structural schema silently; reporting them is what catches a misspelled field.

/** The served versions of the CRDs found in `manifests`, keyed by `group/version/kind`. */
export class CrdCatalog {
  private readonly schemas = new Map<string, object>();
  private readonly validators = new Map<string, ValidateFunction>();
  // As for the built-in kinds: no code optimisation pass, which costs more than it saves on one run.
  private readonly ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateFormats: false, code: { optimize: false } });

  /** Adds every CustomResourceDefinition (apiextensions.k8s.io/v1) of `manifests`; other objects are ignored. */
  public add(manifests: readonly Manifest[]): void {
    for (const { object } of manifests) {
      if (object.kind !== 'CustomResourceDefinition' || object.apiVersion !== 'apiextensions.k8s.io/v1') {
        continue;
      }
      const group = object.spec?.group;
      const kind = object.spec?.names?.kind;
      for (const version of Array.isArray(object.spec?.versions) ? object.spec.versions : []) {
        const schema = version?.schema?.openAPIV3Schema;
        if (typeof group === 'string' && typeof kind === 'string' && typeof version?.name === 'string' && schema
          && version.served !== false) {
          this.schemas.set(`${group}/${version.name}/${kind}`, schema);
        }
      }
    }
  }

  public get size(): number {
    return this.schemas.size;
  }

  /** The validator of `apiVersion`/`kind`, or `undefined` when no CRD of the catalogue serves it. */
  public validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
    const key = `${apiVersion}/${kind}`;
    let validate = this.validators.get(key);
    if (!validate) {
      const schema = this.schemas.get(key);
      if (!schema) {
        return undefined;
      }
      validate = this.ajv.compile(strictRoot(toJsonSchema(schema)));
      this.validators.set(key, validate);
    }
    return validate;
  }
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
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...out.properties };
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
    properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, status: {}, ...properties },
    additionalProperties: schema.additionalProperties ?? false,
  };
}
