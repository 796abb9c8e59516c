import { containersOf, PodTemplate } from '../pod-templates';

import { Report } from './reference-index';

/** Within each container: an environment variable set twice, and a probe aimed at a port it declares as UDP. */
export function checkContainerEnvAndProbes(pod: PodTemplate, report: Report): void {
  for (const { container, path } of containersOf(pod)) {
    const seen = new Set<string>();
    (Array.isArray(container.env) ? container.env : []).forEach((env: any, i: number) => {
      if (typeof env?.name === 'string') {
        if (seen.has(env.name)) {
          report(
            'duplicate-env',
            pod.manifest,
            [...path, 'env', i, 'name'],
            `environment variable '${env.name}' is set twice in container '${container.name}'; the later one silently wins`,
          );
        }
        seen.add(env.name);
      }
    });
    const ports = Array.isArray(container.ports) ? container.ports : [];
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
      for (const handler of ['httpGet', 'tcpSocket', 'grpc'] as const) {
        const target = container[probe]?.[handler]?.port;
        const port = ports.find((p: any) =>
          typeof target === 'string' ? p?.name === target : p?.containerPort === target,
        );
        if (target !== undefined && port?.protocol === 'UDP') {
          report(
            'probe-udp-port',
            pod.manifest,
            [...path, probe, handler, 'port'],
            `${probe} ${handler} targets port ${JSON.stringify(target)}, which the container declares as UDP; ` +
              `a ${handler} probe speaks TCP and never succeeds`,
          );
        }
      }
    }
  }
}
