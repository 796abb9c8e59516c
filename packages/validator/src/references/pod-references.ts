import { PathSegment } from '../manifest';
import { PodTemplate } from '../pod-templates';

import { namespaceOf, ReferenceIndex, Report } from './reference-index';

// Every cluster has these (the scheduling API server creates them).
const BUILT_IN_PRIORITY_CLASSES: readonly string[] = ['system-cluster-critical', 'system-node-critical'];

/** What a pod names outside its containers: its ServiceAccount, image pull Secrets, PriorityClass and claims. */
export function checkPodReferences(pod: PodTemplate, index: ReferenceIndex, report: Report): void {
  const namespace = namespaceOf(pod.manifest.object);
  const spec = pod.spec;
  const serviceAccount = spec.serviceAccountName ?? spec.serviceAccount;
  if (
    typeof serviceAccount === 'string' &&
    serviceAccount !== 'default' &&
    !index.find('ServiceAccount', namespace, serviceAccount)
  ) {
    report(
      'service-account-missing',
      pod.manifest,
      [...pod.specPath, spec.serviceAccountName !== undefined ? 'serviceAccountName' : 'serviceAccount'],
      `ServiceAccount '${serviceAccount}' is not in namespace '${namespace}'`,
    );
  }
  (Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : []).forEach((ref: any, i: number) => {
    const name = ref?.name;
    if (
      typeof name === 'string' &&
      !index.isProvidedSecret(namespace, name) &&
      !index.find('Secret', namespace, name)
    ) {
      report(
        'image-pull-secret-missing',
        pod.manifest,
        [...pod.specPath, 'imagePullSecrets', i, 'name'],
        `image pull Secret '${name}' is not in namespace '${namespace}' (nor declared as provided by the cluster)`,
      );
    }
  });
  const priorityClass = spec.priorityClassName;
  if (
    typeof priorityClass === 'string' &&
    !BUILT_IN_PRIORITY_CLASSES.includes(priorityClass) &&
    !index.find('PriorityClass', undefined, priorityClass)
  ) {
    report(
      'priority-class-missing',
      pod.manifest,
      [...pod.specPath, 'priorityClassName'],
      `PriorityClass '${priorityClass}' is not in the set (nor one of ${BUILT_IN_PRIORITY_CLASSES.map(c => `'${c}'`).join(', ')})`,
    );
  }
  // The StatefulSet controller replaces a pod volume named like a claim template with that pod's own claim.
  const claimTemplates = new Set<unknown>(
    pod.manifest.object.kind === 'StatefulSet' && Array.isArray(pod.manifest.object.spec?.volumeClaimTemplates)
      ? pod.manifest.object.spec.volumeClaimTemplates.map((t: any) => t?.metadata?.name)
      : [],
  );
  (Array.isArray(pod.spec.volumes) ? pod.spec.volumes : []).forEach((volume: any, i: number) => {
    const at: PathSegment[] = [...pod.specPath, 'volumes', i];
    const claimName = volume?.persistentVolumeClaim?.claimName;
    if (
      typeof claimName === 'string' &&
      !claimTemplates.has(volume?.name) &&
      !index.find('PersistentVolumeClaim', namespace, claimName)
    ) {
      report(
        'pvc-missing',
        pod.manifest,
        [...at, 'persistentVolumeClaim', 'claimName'],
        `PersistentVolumeClaim '${claimName}' is not in namespace '${namespace}'`,
      );
    }
  });
}
