import * as k8s from '../../imports/k8s';

/**
 * A container's security context under the "restricted" Pod Security Standard, with a read-only root filesystem:
 * no privilege escalation, no capabilities, never root. The pod sets the uid, the gid and the seccomp profile.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export function restrictedContainerSecurityContext(): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
}
