/**
 * The Kubernetes versions the validator checks against, one schema bundle each (the bundle's and the generated
 * code's version): 1.27, the API that cdk8s-plus-27 binds, and 1.36, the newest that `kubernetes-models` provides.
 */
export const KUBERNETES_VERSIONS = ['1.27.1', '1.36.0'] as const;
export type KubernetesVersion = (typeof KUBERNETES_VERSIONS)[number];

/** `1.36` for `1.36.0`: how the command line and the file names spell a version. */
export function minorOf(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}
