import { DNS_1035_LABEL, DNS_LABEL, DNS_SUBDOMAIN } from '@stateful-todo/kube-conventions';

import { Finding, objectFinding } from './finding';
import { isNamespaced, Manifest } from './manifest';

// RBAC names may be any path segment; the API does not hold them to DNS rules.
const FREE_NAME_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

/** invalid-name: metadata.name (and namespace) by the naming rule of the kind. */
export function checkName(manifest: Manifest): Finding[] {
  const { kind, metadata } = manifest.object;
  const name = metadata.name;
  if (name === undefined) {
    return metadata.generateName
      ? []
      : [objectFinding('invalid-name', manifest, ['metadata'], `${kind} has no metadata.name`, 'set metadata.name')];
  }
  if (typeof name !== 'string' || FREE_NAME_KINDS.has(kind)) {
    return [];
  }
  const [pattern, max, rule] =
    kind === 'Service'
      ? [DNS_1035_LABEL, 63, 'a DNS-1035 label (starting with a letter)']
      : kind === 'Namespace'
        ? [DNS_LABEL, 63, 'a DNS-1123 label']
        : [DNS_SUBDOMAIN, 253, 'a DNS-1123 subdomain'];
  const findings: Finding[] = [];
  if (!pattern.test(name) || name.length > max) {
    findings.push(
      objectFinding(
        'invalid-name',
        manifest,
        ['metadata', 'name'],
        `name '${name}' of a ${kind} must be ${rule} of at most ${max} characters`,
      ),
    );
  }
  if (
    isNamespaced(kind) &&
    metadata.namespace !== undefined &&
    (typeof metadata.namespace !== 'string' || !DNS_LABEL.test(metadata.namespace))
  ) {
    findings.push(
      objectFinding(
        'invalid-name',
        manifest,
        ['metadata', 'namespace'],
        `namespace '${metadata.namespace}' must be a DNS-1123 label`,
      ),
    );
  }
  return findings;
}
