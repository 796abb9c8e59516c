/**
 * The namespaces every cluster has: the stack never creates or labels them, and the manifest validator never
 * reports them missing.
 */
export const CLUSTER_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
