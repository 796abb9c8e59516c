/** One step of a path into a manifest: a mapping key or a sequence index. */
export type PathSegment = string | number;

/** One Kubernetes object read from a file, with a way to find the line of any of its fields. */
export interface Manifest {
  readonly file: string;
  /** Index of the YAML document in its file (0-based). */
  readonly documentIndex: number;
  readonly object: KubeObject;
  /** The 1-based line of the node at `path`, or of its closest existing ancestor. */
  lineOf(path: readonly PathSegment[]): number;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [field: string]: unknown;
  };
  [field: string]: any;
}

// Kinds of Kubernetes 1.27 that are not namespaced.
const CLUSTER_SCOPED_KINDS = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'ComponentStatus',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'SelfSubjectAccessReview',
  'SelfSubjectReview',
  'SelfSubjectRulesReview',
  'StorageClass',
  'SubjectAccessReview',
  'TokenReview',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
  'ClusterCIDR',
  'IPAddress',
  'ClusterTrustBundle',
  'ResourceClass',
]);

/** Whether objects of `kind` live in a namespace (unknown kinds are assumed to). */
export function isNamespaced(kind: string): boolean {
  return !CLUSTER_SCOPED_KINDS.has(kind);
}

/** `Kind namespace/name`, or `Kind name` for cluster-scoped objects: how reports name an object. */
export function describe(object: KubeObject): string {
  const name = object.metadata?.name ?? object.metadata?.generateName ?? '<unnamed>';
  return object.metadata?.namespace ? `${object.kind} ${object.metadata.namespace}/${name}` : `${object.kind} ${name}`;
}

/** Renders a path as `spec.template.spec.containers[0].image`. */
export function formatPath(path: readonly PathSegment[]): string {
  return path
    .map((segment, index) =>
      typeof segment === 'number'
        ? `[${segment}]`
        : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)
          ? `${index === 0 ? '' : '.'}${segment}`
          : `["${segment}"]`,
    )
    .join('');
}

/** The API group of an apiVersion: `apps` of `apps/v1`, '' (core) of `v1`. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
