import { parseQuantity } from '@stateful-todo/kube-conventions';

import { Finding, objectFinding } from './finding';
import { Manifest, PathSegment } from './manifest';
import { containersOf, podTemplateOf } from './pod-templates';
import { RuleId } from './rules';

// What the API server's pod validation (k8s.io/kubernetes/pkg/apis/core/validation) rejects beyond the OpenAPI
// schema: port names, limits below requests, duplicate container names, mounts of undeclared volumes, bad subPaths.

/** IANA_SVC_NAME (k8s.io/apimachinery/pkg/util/validation.IsValidPortName): what a named port must be. */
export function portNameProblem(name: string): string | undefined {
  if (name.length > 15) return 'is longer than 15 characters';
  if (!/^[-a-z0-9]+$/.test(name)) return "may hold only lower-case letters, digits and '-'";
  if (!/[a-z]/.test(name)) return 'must contain at least one letter';
  if (name.startsWith('-') || name.endsWith('-')) return "must not begin or end with '-'";
  if (name.includes('--')) return "must not contain '--'";
  return undefined;
}

/** Every finding of the pod template of `manifest` (none when it has none). */
export function checkPodSpec(manifest: Manifest): Finding[] {
  const pod = podTemplateOf(manifest);
  if (!pod) {
    return [];
  }
  const findings: Finding[] = [];
  const report = (ruleId: RuleId, path: readonly PathSegment[], message: string) =>
    findings.push(objectFinding(ruleId, manifest, [...path], message));

  // A StatefulSet's claim templates are volumes of its pods.
  const claimTemplates =
    manifest.object.kind === 'StatefulSet' && Array.isArray(manifest.object.spec?.volumeClaimTemplates)
      ? manifest.object.spec.volumeClaimTemplates.map((t: any) => t?.metadata?.name)
      : [];
  const volumes = new Set<string>([
    ...(Array.isArray(pod.spec.volumes) ? pod.spec.volumes.map((v: any) => v?.name) : []),
    ...claimTemplates,
  ]);
  const names = new Map<string, readonly PathSegment[]>();

  for (const { container, path } of containersOf(pod)) {
    if (typeof container.name === 'string') {
      const first = names.get(container.name);
      if (first) {
        report(
          'duplicate-container-name',
          [...path, 'name'],
          `container name '${container.name}' is also used at ${first.join('.')}; ` +
            'container and init container names must be unique in a pod',
        );
      } else {
        names.set(container.name, path);
      }
    }
    (Array.isArray(container.ports) ? container.ports : []).forEach((port: any, index: number) => {
      const problem = typeof port?.name === 'string' ? portNameProblem(port.name) : undefined;
      if (problem) {
        report(
          'invalid-port-name',
          [...path, 'ports', index, 'name'],
          `port name '${port.name}' ${problem} (IANA service name)`,
        );
      }
    });
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
      for (const handler of ['httpGet', 'tcpSocket', 'grpc'] as const) {
        const port = container[probe]?.[handler]?.port;
        const problem = typeof port === 'string' ? portNameProblem(port) : undefined;
        if (problem) {
          report(
            'invalid-port-name',
            [...path, probe, handler, 'port'],
            `port name '${port}' ${problem} (IANA service name)`,
          );
        }
      }
    }
    const requests = container.resources?.requests ?? {};
    const limits = container.resources?.limits ?? {};
    for (const [resource, limit] of Object.entries(limits && typeof limits === 'object' ? limits : {})) {
      const request =
        requests && typeof requests === 'object' ? (requests as Record<string, unknown>)[resource] : undefined;
      const limitValue = parseQuantity(String(limit));
      const requestValue = request === undefined ? undefined : parseQuantity(String(request));
      if (limitValue !== undefined && requestValue !== undefined && limitValue < requestValue) {
        report(
          'limit-below-request',
          [...path, 'resources', 'limits', resource],
          `${resource} limit ${limit} is below its request ${request}`,
        );
      }
    }
    (Array.isArray(container.volumeMounts) ? container.volumeMounts : []).forEach((mount: any, index: number) => {
      if (typeof mount?.name === 'string' && !volumes.has(mount.name)) {
        report(
          'volume-mount-missing',
          [...path, 'volumeMounts', index, 'name'],
          `volumeMount '${mount.name}' names no volume of the pod` +
            (volumes.size > 0
              ? ` (its volumes: ${[...volumes].map(v => `'${v}'`).join(', ')})`
              : ' (it declares none)'),
        );
      }
      const subPath = mount?.subPath;
      if (typeof subPath === 'string' && (subPath.startsWith('/') || subPath.split('/').includes('..'))) {
        report(
          'invalid-subpath',
          [...path, 'volumeMounts', index, 'subPath'],
          `subPath '${subPath}' ${subPath.startsWith('/') ? 'is absolute' : "contains '..'"}; it must be a relative path inside the volume`,
        );
      }
    });
  }
  return findings;
}
