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
  (Array.isArray(pod.spec.volumes) ? pod.spec.volumes : []).forEach((volume: any, i: number) => {
    const at = [...pod.specPath, 'volumes', i];
    const items = (source: any) =>
      Array.isArray(source?.items) ? source.items.map((item: any) => item?.key) : [undefined];
    if (volume?.secret) {
      items(volume.secret).forEach((key: unknown) =>
        check('Secret', volume.secret.secretName, key, volume.secret.optional, [...at, 'secret']),
      );
    }
    if (volume?.configMap) {
      items(volume.configMap).forEach((key: unknown) =>
        check('ConfigMap', volume.configMap.name, key, volume.configMap.optional, [...at, 'configMap']),
      );
    }
    (Array.isArray(volume?.projected?.sources) ? volume.projected.sources : []).forEach((source: any, s: number) => {
      if (source?.secret) {
        items(source.secret).forEach((key: unknown) =>
          check('Secret', source.secret.name, key, source.secret.optional, [
            ...at,
            'projected',
            'sources',
            s,
            'secret',
          ]),
        );
      }
      if (source?.configMap) {
        items(source.configMap).forEach((key: unknown) =>
          check('ConfigMap', source.configMap.name, key, source.configMap.optional, [
            ...at,
            'projected',
            'sources',
            s,
            'configMap',
          ]),
        );
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
