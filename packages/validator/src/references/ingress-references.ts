import { Manifest, PathSegment } from '../manifest';
import { PROVIDED_SECRETS_ANNOTATION } from '../rules';

import { namespaceOf, ReferenceIndex, Report } from './reference-index';

/** What an Ingress refers to: its TLS Secrets, and its backends' Services and their ports. */
export function checkIngress(manifest: Manifest, index: ReferenceIndex, report: Report): void {
  const spec = manifest.object.spec ?? {};
  const namespace = namespaceOf(manifest.object);
  const annotations = manifest.object.metadata.annotations ?? {};
  // cert-manager's ingress-shim issues every tls[].secretName of an annotated Ingress.
  const issued =
    typeof annotations['cert-manager.io/cluster-issuer'] === 'string' ||
    typeof annotations['cert-manager.io/issuer'] === 'string';
  const providedHere = new Set(
    String(annotations[PROVIDED_SECRETS_ANNOTATION] ?? '')
      .split(',')
      .map(n => n.trim())
      .filter(Boolean),
  );
  (Array.isArray(spec.tls) ? spec.tls : []).forEach((tls: any, i: number) => {
    const name = tls?.secretName;
    if (
      typeof name !== 'string' ||
      issued ||
      providedHere.has(name) ||
      index.isProvidedSecret(namespace, name) ||
      index.find('Secret', namespace, name)
    ) {
      return;
    }
    report(
      'ingress-tls-secret-missing',
      manifest,
      ['spec', 'tls', i, 'secretName'],
      `TLS Secret '${name}' is not in namespace '${namespace}' of the set, not declared as provided, and not issued ` +
        'by cert-manager (no cert-manager.io/cluster-issuer annotation)',
    );
  });
  const backends: Array<{ backend: any; path: PathSegment[] }> = [];
  if (spec.defaultBackend) {
    backends.push({ backend: spec.defaultBackend, path: ['spec', 'defaultBackend'] });
  }
  (Array.isArray(spec.rules) ? spec.rules : []).forEach((rule: any, r: number) => {
    (Array.isArray(rule?.http?.paths) ? rule.http.paths : []).forEach((p: any, i: number) => {
      backends.push({ backend: p?.backend, path: ['spec', 'rules', r, 'http', 'paths', i, 'backend'] });
    });
  });
  for (const { backend, path } of backends) {
    const service = backend?.service;
    if (!service?.name) {
      continue;
    }
    const target = index.find('Service', namespaceOf(manifest.object), service.name);
    if (!target) {
      report(
        'ingress-backend-missing',
        manifest,
        [...path, 'service', 'name'],
        `backend Service '${service.name}' is not in namespace '${namespaceOf(manifest.object)}'`,
      );
      continue;
    }
    const ports: any[] = Array.isArray(target.object.spec?.ports) ? target.object.spec.ports : [];
    const wanted = service.port?.number ?? service.port?.name;
    if (
      wanted !== undefined &&
      !ports.some(p => (typeof wanted === 'number' ? p?.port === wanted : p?.name === wanted))
    ) {
      report(
        'ingress-backend-port',
        manifest,
        [...path, 'service', 'port'],
        `Service '${service.name}' has no port ${JSON.stringify(wanted)}${ports.length === 0 ? ' (it declares no ports)' : ''}`,
      );
    }
  }
}
