import { KubeObject, PathSegment } from '../manifest';
import { containersOf, PodTemplate } from '../pod-templates';
import { PROVIDED_SECRETS_ANNOTATION } from '../rules';

import { namespaceOf, ReferenceIndex, Report } from './reference-index';

/**
 * The Secrets and ConfigMaps a pod reads (env, envFrom, volumes, projected volumes) are in its namespace, or
 * provided, and have the keys it names.
 */
export function checkConfigReferences(pod: PodTemplate, index: ReferenceIndex, report: Report): void {
  const namespace = namespaceOf(pod.manifest.object);
  // A missing object is reported once per pod, at its first reference.
  const reportedMissing = new Set<string>();
  const check = (kind: 'Secret' | 'ConfigMap', name: unknown, key: unknown, optional: unknown, path: PathSegment[]) => {
    if (optional === true || typeof name !== 'string') {
      return;
    }
    if (kind === 'Secret' && index.isProvidedSecret(namespace, name)) {
      return;
    }
    const target = index.find(kind, namespace, name);
    if (!target) {
      if (!reportedMissing.has(`${kind}/${name}`)) {
        reportedMissing.add(`${kind}/${name}`);
        report(
          'config-reference-missing',
          pod.manifest,
          path,
          `${kind} '${name}' is not in namespace '${namespace}' of the set: ` +
            'the pod waits until something outside the set makes it (a Job, an init container, an operator, a person); ' +
            (kind === 'Secret'
              ? `if the cluster provides it, declare it: annotate Namespace '${namespace}' ` +
                `with ${PROVIDED_SECRETS_ANNOTATION}: "${name}", or pass --provided-secret ${namespace}/${name}`
              : `if it is made at run time, say so on this ${pod.manifest.object.kind}: ` +
                'skip.validator.todo-stack/config-reference-missing: "made by …"'),
        );
      }
    } else if (typeof key === 'string' && !keysOf(target.object).includes(key)) {
      report(
        'config-key-missing',
        pod.manifest,
        path,
        `${kind} '${name}' has no key '${key}' (it has ${
          keysOf(target.object)
            .map(k => `'${k}'`)
            .join(', ') || 'no keys'
        })`,
      );
    }
  };
  const listOf = (value: unknown): any[] => (Array.isArray(value) ? value : []);
  for (const { container, path } of containersOf(pod)) {
    listOf(container.env).forEach((env: any, i: number) => {
      for (const [kind, field] of REFERENCE_FIELDS) {
        const ref = env?.valueFrom?.[field.env];
        if (ref) {
          check(kind, ref.name, ref.key, ref.optional, [...path, 'env', i, 'valueFrom', field.env]);
        }
      }
    });
    listOf(container.envFrom).forEach((source: any, i: number) => {
      for (const [kind, field] of REFERENCE_FIELDS) {
        const ref = source?.[field.envFrom];
        if (ref) {
          check(kind, ref.name, undefined, ref.optional, [...path, 'envFrom', i, field.envFrom]);
        }
      }
    });
  }
  // A volume mounts the keys it lists as items, or, listing none, every key the object has.
  const checkVolumeSource = (kind: 'Secret' | 'ConfigMap', source: any, name: unknown, path: PathSegment[]) =>
    (Array.isArray(source.items) ? source.items.map((item: any) => item?.key) : [undefined]).forEach((key: unknown) =>
      check(kind, name, key, source.optional, path),
    );
  listOf(pod.spec.volumes).forEach((volume: any, i: number) => {
    const at = [...pod.specPath, 'volumes', i];
    for (const [kind, field] of REFERENCE_FIELDS) {
      const source = volume?.[field.volume];
      if (source) {
        checkVolumeSource(kind, source, source[field.volumeName], [...at, field.volume]);
      }
    }
    listOf(volume?.projected?.sources).forEach((projected: any, s: number) => {
      for (const [kind, field] of REFERENCE_FIELDS) {
        // A projected source names its object `name`, whichever kind it is.
        const source = projected?.[field.volume];
        if (source) {
          checkVolumeSource(kind, source, source.name, [...at, 'projected', 'sources', s, field.volume]);
        }
      }
    });
  });
}

/**
 * The fields through which a pod names a Secret or a ConfigMap: in an env var, in envFrom, as a volume (and the
 * volume's field that holds the name).
 */
const REFERENCE_FIELDS = [
  ['Secret', { env: 'secretKeyRef', envFrom: 'secretRef', volume: 'secret', volumeName: 'secretName' }],
  ['ConfigMap', { env: 'configMapKeyRef', envFrom: 'configMapRef', volume: 'configMap', volumeName: 'name' }],
] as const;

function keysOf(object: KubeObject): string[] {
  return [
    ...Object.keys(object.data ?? {}),
    ...Object.keys(object.stringData ?? {}),
    ...Object.keys(object.binaryData ?? {}),
  ];
}
