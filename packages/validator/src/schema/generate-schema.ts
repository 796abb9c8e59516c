import * as fs from 'fs';
import * as path from 'path';

import { reachableIds, sortKeys } from './bundle-definitions';
import { generateSchemaBundleFromTypes } from './generate-schema-from-types';
import { generateValidators, validatorsFile } from './generate-validators';
import { KUBERNETES_VERSIONS, minorOf } from './kubernetes-version';

/**
 * The Kubernetes API schema the validator checks against, in one JSON document:
 * `kinds` maps `<apiVersion>/<kind>` to a definition id, `definitions` holds every JSON schema by id.
 */
export interface SchemaBundle {
  readonly kubernetesVersion: string;
  readonly source: string;
  readonly kinds: Record<string, string>;
  /** Kinds that 1.27 serves only behind alpha feature gates (no schema: the models skip alpha APIs). */
  readonly alphaKinds: readonly string[];
  readonly definitions: Record<string, object>;
}

export const SCHEMA_SOURCE_PACKAGE = 'kubernetes-models';
/** The newest Kubernetes that `kubernetes-models` provides, installed under this name beside the 1.27 models. */
export const NEWEST_SCHEMA_SOURCE_PACKAGE = 'kubernetes-models-1.36';

/** A committed bundle, relative to the validator's package folder (where `npm run generate:schema` runs). */
export function schemaFile(version: string): string {
  return `src/schema/kubernetes-${minorOf(version)}.json`;
}

/**
 * Builds the bundle from `kubernetes-models`, which is generated from the Kubernetes 1.27.1 OpenAPI document.
 * Its schema modules register themselves with `@kubernetes-models/validate`, whose Ajv is neither strict nor
 * exported; this collects the same schemas through that registration call and makes every object schema strict
 * (`additionalProperties: false`), as `kubeconform -strict` does, so that a field like `replicaz` is an error.
 * Runs at development time only (`npm run generate:schema`), which also compiles the bundle into the committed
 * standalone validators (generate-validators.ts) that the validator loads.
 */
export function generateSchemaBundle(): SchemaBundle {
  const registry = require('@kubernetes-models/validate');
  const definitions: Record<string, object> = {};
  const kinds: Record<string, string> = {};
  const originalRegister = registry.register;
  registry.register = (id: string, schema: object) => {
    definitions[id] ??= schema;
  };
  try {
    const root = path.dirname(require.resolve(`${SCHEMA_SOURCE_PACKAGE}/package.json`));
    for (const modulePath of groupVersionModules(root)) {
      for (const model of Object.values(require(modulePath)) as any[]) {
        if (typeof model !== 'function' || !model.apiVersion || !model.kind) {
          continue;
        }
        const symbols = Object.getOwnPropertySymbols(model.prototype);
        const id = symbols.map(s => model.prototype[s]).find(v => typeof v === 'string');
        const addSchema = symbols.map(s => model.prototype[s]).find(v => typeof v === 'function');
        if (id && addSchema) {
          addSchema();
          kinds[`${model.apiVersion}/${model.kind}`] ??= id;
        }
      }
    }
  } finally {
    registry.register = originalRegister;
  }
  withStrippedFields(definitions);
  withUpstreamFixes(definitions);
  // The models keep API versions that 1.27 no longer serves (extensions/v1beta1, policy/v1beta1, …); the 1.27
  // bindings that cdk8s-plus-27 generated from the 1.27 OpenAPI document list exactly what it serves.
  const served = new Set(
    Object.values(require('cdk8s-plus-27/lib/imports/k8s') as Record<string, any>)
      .filter(binding => binding?.GVK)
      .map(binding => `${binding.GVK.apiVersion}/${binding.GVK.kind}`),
  );
  const servedKinds = Object.fromEntries(Object.entries(kinds).filter(([gvk]) => served.has(gvk)));
  const version = require(`${SCHEMA_SOURCE_PACKAGE}/package.json`).version;
  return {
    kubernetesVersion: KUBERNETES_VERSIONS[0],
    source: `${SCHEMA_SOURCE_PACKAGE}@${version}, restricted to the kinds of cdk8s-plus-27's 1.27 bindings`,
    kinds: sortKeys(servedKinds),
    alphaKinds: [...served].filter(gvk => !(gvk in kinds) && /\/v\d+alpha\d+\//.test(gvk)).sort(),
    definitions: sortKeys(
      Object.fromEntries(
        reachableIds(Object.values(servedKinds), definitions).map(id => [id, strict(definitions[id])]),
      ),
    ),
  };
}

/** Serializes the bundle exactly as it is committed. */
export function serializeSchemaBundle(bundle: SchemaBundle): string {
  return JSON.stringify(bundle) + '\n';
}

// `kubernetes-models/v1` (the core group) and `kubernetes-models/<group>/<version>`.
function groupVersionModules(root: string): string[] {
  const modules: string[] = [];
  for (const entry of fs
    .readdirSync(root, { withFileTypes: true })
    .filter(e => e.isDirectory() && !e.name.startsWith('_'))) {
    const dir = path.join(root, entry.name);
    if (/^v\d/.test(entry.name)) {
      modules.push(dir);
      continue;
    }
    for (const version of fs
      .readdirSync(dir, { withFileTypes: true })
      .filter(e => e.isDirectory() && /^v\d/.test(e.name))) {
      modules.push(path.join(dir, version.name));
    }
  }
  return modules.sort();
}

const JSON_SCHEMA_PROPS = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps';
// The 1.27 types with a field named `description` (k8s.io/api and apiextensions-apiserver).
const WITH_DESCRIPTION_FIELD = [
  'io.k8s.api.scheduling.v1.PriorityClass',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceColumnDefinition',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.ExternalDocumentation',
  JSON_SCHEMA_PROPS,
];

// Fields the 1.27.1 OpenAPI document marks required although the API server never required them, fixed upstream
// since. A manifest that follows the Kubernetes docs would otherwise be an error here, and one that satisfies the
// wrong schema (an empty list written to please it) is not what the API returns, so GitOps tools would diff it.
const NOT_REALLY_REQUIRED: ReadonlyArray<{ definition: string; field: string }> = [
  {
    // The Job docs' own podFailurePolicy example has a rule with onExitCodes alone. kubernetes/kubernetes#120204
    // marked the field optional (the API server checks "one of onExitCodes and onPodConditions", never this one),
    // and its reviewers asked to pick it back to every release with the field; the 1.36 schema has it optional.
    definition: 'io.k8s.api.batch.v1.PodFailurePolicyRule',
    field: 'onPodConditions',
  },
];

function withUpstreamFixes(definitions: Record<string, any>): void {
  for (const { definition, field } of NOT_REALLY_REQUIRED) {
    const schema = definitions[definition];
    if (!schema?.required?.includes(field)) {
      throw new Error(`${definition}.${field} is no longer required in the source schema: drop its fix`);
    }
    schema.required = schema.required.filter((name: string) => name !== field);
  }
}

// kubernetes-models strips every `description` from its schemas, including the properties of that name, and
// drops the `x-kubernetes-*` properties of a CRD's schema (JSONSchemaProps); closed without them, a PriorityClass
// with a description or any real CRD would be an error. Restored as the 1.27 OpenAPI document declares them.
function withStrippedFields(definitions: Record<string, any>): void {
  for (const id of WITH_DESCRIPTION_FIELD) {
    if (definitions[id]?.properties) {
      definitions[id].properties = { ...definitions[id].properties, description: { type: 'string' } };
    }
  }
  const props = definitions[JSON_SCHEMA_PROPS];
  if (!props?.properties) {
    return;
  }
  props.properties = {
    ...props.properties,
    'x-kubernetes-embedded-resource': { type: 'boolean' },
    'x-kubernetes-int-or-string': { type: 'boolean' },
    'x-kubernetes-list-map-keys': { type: 'array', items: { type: 'string' } },
    'x-kubernetes-list-type': { type: 'string' },
    'x-kubernetes-map-type': { type: 'string' },
    'x-kubernetes-preserve-unknown-fields': { type: 'boolean' },
    'x-kubernetes-validations': {
      type: 'array',
      items: {
        type: 'object',
        required: ['rule'],
        properties: {
          rule: { type: 'string' },
          message: { type: 'string' },
          messageExpression: { type: 'string' },
          reason: { type: 'string' },
          fieldPath: { type: 'string' },
        },
      },
    },
  };
}

// Every object schema with declared properties rejects undeclared ones, unless the API says it keeps them.
function strict(schema: any): any {
  if (Array.isArray(schema)) {
    return schema.map(strict);
  }
  if (schema === null || typeof schema !== 'object') {
    return schema;
  }
  const result: any = sortKeys(
    Object.fromEntries(
      Object.entries(schema).map(([key, value]) => [key, key === 'enum' || key === 'required' ? value : strict(value)]),
    ),
  );
  if (
    result.properties &&
    result.additionalProperties === undefined &&
    !result['x-kubernetes-preserve-unknown-fields']
  ) {
    result.additionalProperties = false;
  }
  return result;
}

if (require.main === module) {
  const oldest = generateSchemaBundle();
  const newest = generateSchemaBundleFromTypes(NEWEST_SCHEMA_SOURCE_PACKAGE, KUBERNETES_VERSIONS[1], oldest);
  for (const bundle of [oldest, newest]) {
    fs.writeFileSync(schemaFile(bundle.kubernetesVersion), serializeSchemaBundle(bundle));
    console.log(`wrote ${schemaFile(bundle.kubernetesVersion)}`);
    fs.writeFileSync(validatorsFile(bundle.kubernetesVersion), generateValidators(bundle));
    console.log(`wrote ${validatorsFile(bundle.kubernetesVersion)}`);
  }
}
