import type { ValidateFunction } from 'ajv';

import { checkCronJob } from './check-cron-job';
import { checkLabelsAndAnnotations } from './check-labels';
import { checkName } from './check-object-names';
import { checkPodSpec } from './check-pod-spec';
import { checkPorts, checkServiceTargetPorts } from './check-ports';
import { CompiledSchemas, loadCompiledSchemas } from './compiled-schemas';
import { CrdCatalog } from './custom-resources';
import { Finding, objectFinding } from './finding';
import { groupOf, Manifest } from './manifest';
import { KUBERNETES_VERSIONS, KubernetesVersion } from './schema/kubernetes-version';
import { removalOf } from './schema/removed-apis';
import { schemaErrorFindings } from './schema-errors';

export { KUBERNETES_VERSIONS, KubernetesVersion };

/**
 * Strict validation against the OpenAPI schema of one Kubernetes version, plus the rules the schema cannot express
 * (each in its own module): object names per kind, label and annotation syntax, ports, pod specs, CronJobs. The
 * schemas were compiled at build time (Ajv's standalone mode, `npm run generate:schema`): a run loads code instead
 * of compiling schemas.
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
    for (const gvk of [...this.kindsByName.values()]
      .flat()
      .concat(this.compiled.alphaKinds.map(k => k.slice(0, k.lastIndexOf('/'))))) {
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
    const builtIn =
      gvk.includes('/') && Object.prototype.hasOwnProperty.call(this.compiled, gvk)
        ? (this.compiled[gvk] as ValidateFunction)
        : undefined;
    if (!builtIn) {
      if (this.alphaKinds.has(gvk)) {
        findings.push(
          objectFinding(
            'alpha-kind',
            manifest,
            ['apiVersion'],
            `${gvk} is an alpha API, disabled by default in Kubernetes ${this.kubernetesVersion}; its schema is not checked`,
          ),
        );
      } else if (this.isBuiltInGroup(apiVersion)) {
        const served = this.kindsByName.get(kind);
        const removal = removalOf(gvk);
        const removed = removal ? ` (removed in ${removal.removedIn})` : '';
        findings.push(
          objectFinding(
            'unknown-kind',
            manifest,
            ['apiVersion'],
            served
              ? `apiVersion '${apiVersion}' of kind ${kind} is not served by Kubernetes ${this.kubernetesVersion}${removed}`
              : `kind '${kind}' of apiVersion '${apiVersion}' is not served by Kubernetes ${this.kubernetesVersion}${removed}`,
            served
              ? `use apiVersion ${served.map(v => `'${v}'`).join(' or ')}`
              : removal
                ? `use ${removal.use}`
                : undefined,
          ),
        );
        return findings;
      } else {
        const validate = crds?.validatorFor(apiVersion, kind);
        if (!validate) {
          findings.push(
            objectFinding(
              'custom-resource',
              manifest,
              ['apiVersion'],
              `${gvk} is a custom resource whose CustomResourceDefinition is not in the set nor given with --crd; only generic checks apply`,
            ),
          );
        } else if (!validate(manifest.object)) {
          findings.push(...schemaErrorFindings(manifest, validate.errors ?? []));
        }
      }
    } else {
      this.schemas.used(gvk);
      findings.push(...schemaFindings(manifest, builtIn));
    }
    findings.push(
      ...checkName(manifest),
      ...checkLabelsAndAnnotations(manifest),
      ...checkPorts(manifest),
      ...checkPodSpec(manifest),
      ...checkServiceTargetPorts(manifest),
      ...checkCronJob(manifest),
    );
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
  const handled = all.filter(
    e =>
      manifest.object.kind === 'StatefulSet' &&
      e.keyword === 'required' &&
      (e.params as any).missingProperty === 'serviceName',
  );
  const errors = all.filter(
    e =>
      !handled.includes(e) &&
      !(
        e.keyword === 'oneOf' &&
        handled.some(h => h.instancePath === e.instancePath) &&
        !all.some(
          o =>
            o !== e &&
            !handled.includes(o) &&
            o.keyword !== 'oneOf' &&
            o.keyword !== 'type' &&
            (o.instancePath === e.instancePath || o.instancePath.startsWith(`${e.instancePath}/`)),
        )
      ),
  );
  return schemaErrorFindings(manifest, errors);
}
