import { Manifest } from './manifest';

/**
 * The labels of the pods an operator creates for a custom resource in the set, which selectors (NetworkPolicies,
 * PodDisruptionBudgets) may target although no pod template in the set carries them.
 *
 * CloudNativePG (`postgresql.cnpg.io` Cluster): every instance pod carries `cnpg.io/cluster: <name>`,
 * `cnpg.io/podRole: instance`, `cnpg.io/instanceName: <name>-<n>` and `cnpg.io/instanceRole` (with the older
 * `role`) `primary` or `replica`; its Jobs (initdb, join, …) carry `cnpg.io/cluster` and `cnpg.io/jobRole`, and
 * all of them the Cluster's `spec.inheritedMetadata.labels`.
 * @see https://cloudnative-pg.io/documentation/current/labels_annotations/
 */
export function operatorPodLabels(manifest: Manifest): Array<Record<string, string>> {
  const { object } = manifest;
  if (
    object.kind !== 'Cluster' ||
    !/^postgresql\.cnpg\.io\//.test(object.apiVersion) ||
    typeof object.metadata.name !== 'string'
  ) {
    return [];
  }
  const name = object.metadata.name;
  const inherited: Record<string, string> = object.spec?.inheritedMetadata?.labels ?? {};
  const instances = Number.isInteger(object.spec?.instances) && object.spec.instances > 0 ? object.spec.instances : 1;
  const instance = (n: number, role: string): Record<string, string> => ({
    ...inherited,
    'cnpg.io/cluster': name,
    'cnpg.io/podRole': 'instance',
    'cnpg.io/instanceName': `${name}-${n}`,
    'cnpg.io/instanceRole': role,
    role,
  });
  return [
    instance(1, 'primary'),
    ...Array.from({ length: instances - 1 }, (_, i) => instance(i + 2, 'replica')),
    { ...inherited, 'cnpg.io/cluster': name, 'cnpg.io/jobRole': 'initdb' },
    { ...inherited, 'cnpg.io/cluster': name, 'cnpg.io/jobRole': 'join' },
  ];
}
