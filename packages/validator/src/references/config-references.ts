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
              ? `if the cluster provides it, declare it: annotate Namespace '${namespace}' with ${PROVIDED_SECRETS_ANNOTATION}: "${name}", or pass --provided-secret ${namespace}/${name}`
              : `if it is made at run time, say so on this ${pod.manifest.object.kind}: skip.validator.todo-stack/config-reference-missing: "made by …"`),
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
  for (const { container, path } of containersOf(pod)) {
    (Array.isArray(container.env) ? container.env : []).forEach((env: any, i: number) => {
      const from = env?.valueFrom;
      if (from?.secretKeyRef) {
        check('Secret', from.secretKeyRef.name, from.secretKeyRef.key, from.secretKeyRef.optional, [
          ...path,
          'env',
          i,
          'valueFrom',
          'secretKeyRef',
        ]);
      }
      if (from?.configMapKeyRef) {
        check('ConfigMap', from.configMapKeyRef.name, from.configMapKeyRef.key, from.configMapKeyRef.optional, [
          ...path,
          'env',
          i,
          'valueFrom',
          'configMapKeyRef',
        ]);
      }
    });
    (Array.isArray(container.envFrom) ? container.envFrom : []).forEach((source: any, i: number) => {
      if (source?.secretRef) {
        check('Secret', source.secretRef.name, undefined, source.secretRef.optional, [
          ...path,
          'envFrom',
          i,
          'secretRef',
        ]);
      }
      if (source?.configMapRef) {
        check('ConfigMap', source.configMapRef.name, undefined, source.configMapRef.optional, [
          ...path,
          'envFrom',
          i,
          'configMapRef',
        ]);
      }
    });
  }
  // A volume mounts the keys it lists as items, or, listing none, every key the object has.
  const checkVolumeSource = (kind: 'Secret' | 'ConfigMap', source: any, name: unknown, path: PathSegment[]) =>
    (Array.isArray(source.items) ? source.items.map((item: any) => item?.key) : [undefined]).forEach((key: unknown) =>
      check(kind, name, key, source.optional, path),
    );
  (Array.isArray(pod.spec.volumes) ? pod.spec.volumes : []).forEach((volume: any, i: number) => {
    const at = [...pod.specPath, 'volumes', i];
    if (volume?.secret) {
      checkVolumeSource('Secret', volume.secret, volume.secret.secretName, [...at, 'secret']);
    }
    if (volume?.configMap) {
      checkVolumeSource('ConfigMap', volume.configMap, volume.configMap.name, [...at, 'configMap']);
    }
    (Array.isArray(volume?.projected?.sources) ? volume.projected.sources : []).forEach((source: any, s: number) => {
      const sourceAt = [...at, 'projected', 'sources', s];
      if (source?.secret) {
        checkVolumeSource('Secret', source.secret, source.secret.name, [...sourceAt, 'secret']);
      }
      if (source?.configMap) {
        checkVolumeSource('ConfigMap', source.configMap, source.configMap.name, [...sourceAt, 'configMap']);
      }
    });
  });
}

function keysOf(object: KubeObject): string[] {
  return [
    ...Object.keys(object.data ?? {}),
    ...Object.keys(object.stringData ?? {}),
    ...Object.keys(object.binaryData ?? {}),
  ];
}
