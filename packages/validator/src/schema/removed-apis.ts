/**
 * The API versions Kubernetes stopped serving, by release, from its Deprecated API Migration Guide
 * (kubernetes.io/docs/reference/using-api/deprecation-guide/, which lists none after 1.32). `kubernetes-models` keeps
 * the models of removed versions, so the bundles of newer versions leave these out, and a manifest that uses one is
 * told when it went and what replaces it.
 */
export interface RemovedApi {
  readonly apiVersion: string;
  /** The kinds of `apiVersion` that went; `undefined` for all of them. */
  readonly kinds?: readonly string[];
  /** The first minor version that no longer serves it, such as `1.25`. */
  readonly removedIn: string;
  /** What to use instead. */
  readonly use: string;
}

const workloads = ['Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet', 'ControllerRevision'];

export const REMOVED_APIS: readonly RemovedApi[] = [
  {
    apiVersion: 'extensions/v1beta1',
    kinds: [...workloads, 'NetworkPolicy', 'PodSecurityPolicy'],
    removedIn: '1.16',
    use: 'apps/v1 (networking.k8s.io/v1 for NetworkPolicy)',
  },
  { apiVersion: 'apps/v1beta1', removedIn: '1.16', use: 'apps/v1' },
  { apiVersion: 'apps/v1beta2', removedIn: '1.16', use: 'apps/v1' },
  { apiVersion: 'extensions/v1beta1', removedIn: '1.22', use: 'networking.k8s.io/v1 for Ingress' },
  { apiVersion: 'admissionregistration.k8s.io/v1beta1', removedIn: '1.22', use: 'admissionregistration.k8s.io/v1' },
  { apiVersion: 'apiextensions.k8s.io/v1beta1', removedIn: '1.22', use: 'apiextensions.k8s.io/v1' },
  { apiVersion: 'apiregistration.k8s.io/v1beta1', removedIn: '1.22', use: 'apiregistration.k8s.io/v1' },
  {
    apiVersion: 'authentication.k8s.io/v1beta1',
    kinds: ['TokenReview'],
    removedIn: '1.22',
    use: 'authentication.k8s.io/v1',
  },
  { apiVersion: 'authorization.k8s.io/v1beta1', removedIn: '1.22', use: 'authorization.k8s.io/v1' },
  {
    apiVersion: 'certificates.k8s.io/v1beta1',
    kinds: ['CertificateSigningRequest', 'CertificateSigningRequestList'],
    removedIn: '1.22',
    use: 'certificates.k8s.io/v1',
  },
  {
    apiVersion: 'coordination.k8s.io/v1beta1',
    kinds: ['Lease', 'LeaseList'],
    removedIn: '1.22',
    use: 'coordination.k8s.io/v1',
  },
  {
    apiVersion: 'networking.k8s.io/v1beta1',
    kinds: ['Ingress', 'IngressList', 'IngressClass', 'IngressClassList'],
    removedIn: '1.22',
    use: 'networking.k8s.io/v1',
  },
  { apiVersion: 'rbac.authorization.k8s.io/v1beta1', removedIn: '1.22', use: 'rbac.authorization.k8s.io/v1' },
  { apiVersion: 'scheduling.k8s.io/v1beta1', removedIn: '1.22', use: 'scheduling.k8s.io/v1' },
  {
    apiVersion: 'storage.k8s.io/v1beta1',
    kinds: [
      'CSIDriver',
      'CSIDriverList',
      'CSINode',
      'CSINodeList',
      'StorageClass',
      'StorageClassList',
      'VolumeAttachment',
      'VolumeAttachmentList',
    ],
    removedIn: '1.22',
    use: 'storage.k8s.io/v1',
  },
  { apiVersion: 'batch/v1beta1', kinds: ['CronJob', 'CronJobList'], removedIn: '1.25', use: 'batch/v1' },
  {
    apiVersion: 'discovery.k8s.io/v1beta1',
    kinds: ['EndpointSlice', 'EndpointSliceList'],
    removedIn: '1.25',
    use: 'discovery.k8s.io/v1',
  },
  { apiVersion: 'events.k8s.io/v1beta1', kinds: ['Event', 'EventList'], removedIn: '1.25', use: 'events.k8s.io/v1' },
  { apiVersion: 'autoscaling/v2beta1', removedIn: '1.25', use: 'autoscaling/v2' },
  {
    apiVersion: 'policy/v1beta1',
    removedIn: '1.25',
    use: 'policy/v1 for PodDisruptionBudget (PodSecurityPolicy is gone: Pod Security Admission replaces it)',
  },
  {
    apiVersion: 'node.k8s.io/v1beta1',
    kinds: ['RuntimeClass', 'RuntimeClassList'],
    removedIn: '1.25',
    use: 'node.k8s.io/v1',
  },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1', removedIn: '1.26', use: 'flowcontrol.apiserver.k8s.io/v1' },
  { apiVersion: 'autoscaling/v2beta2', removedIn: '1.26', use: 'autoscaling/v2' },
  {
    apiVersion: 'storage.k8s.io/v1beta1',
    kinds: ['CSIStorageCapacity', 'CSIStorageCapacityList'],
    removedIn: '1.27',
    use: 'storage.k8s.io/v1',
  },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', removedIn: '1.29', use: 'flowcontrol.apiserver.k8s.io/v1' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', removedIn: '1.32', use: 'flowcontrol.apiserver.k8s.io/v1' },
];

/** The removal of `apiVersion/kind` (a `group/version/Kind` or `v1/Kind` key), if Kubernetes removed it. */
export function removalOf(gvk: string): RemovedApi | undefined {
  const slash = gvk.lastIndexOf('/');
  const [apiVersion, kind] = [gvk.slice(0, slash), gvk.slice(slash + 1)];
  return REMOVED_APIS.find(r => r.apiVersion === apiVersion && (r.kinds === undefined || r.kinds.includes(kind)));
}

/** Whether Kubernetes `version` (such as `1.36.0`) no longer serves `gvk`. */
export function isRemoved(gvk: string, version: string): boolean {
  const removal = removalOf(gvk);
  return removal !== undefined && compareMinor(version, removal.removedIn) >= 0;
}

/** Compares the minor versions of two `1.N[.P]` versions. */
export function compareMinor(a: string, b: string): number {
  return Number(a.split('.')[1]) - Number(b.split('.')[1]);
}
