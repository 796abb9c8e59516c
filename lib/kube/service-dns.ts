/**
 * The DNS domain of the cluster, which every Service name resolves under. Kubelet's `--cluster-domain`; almost
 * always `cluster.local`.
 * @see https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
 */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/** The fully qualified name of a Service: `<service>.<namespace>.svc.<cluster domain>`. */
export function serviceFqdn(
  serviceName: string,
  namespace: string,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): string {
  return `${serviceName}.${namespace}.svc.${clusterDomain}`;
}
