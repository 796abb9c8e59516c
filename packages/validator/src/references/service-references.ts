import { Manifest } from '../manifest';
import { containersOf, controllerLabels, selectorMatches } from '../pod-templates';

import { namespaceOf, ReferenceIndex, Report } from './reference-index';

/** What a Service refers to: an ExternalName's target Service; the pods its selector matches, and their ports its named targetPorts name. */
export function checkService(manifest: Manifest, index: ReferenceIndex, report: Report): void {
  const { spec } = manifest.object;
  const namespace = namespaceOf(manifest.object);
  if (!spec || typeof spec !== 'object') {
    return;
  }
  if (spec.type === 'ExternalName') {
    const target = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?\.?$/.exec(String(spec.externalName ?? ''));
    if (target && !index.find('Service', target[2], target[1])) {
      report(
        'externalname-target-missing',
        manifest,
        ['spec', 'externalName'],
        `externalName '${spec.externalName}' names Service '${target[1]}' in namespace '${target[2]}', which is not in the set`,
      );
    }
    return;
  }
  if (!spec.selector || typeof spec.selector !== 'object' || Object.keys(spec.selector).length === 0) {
    return; // no selector: endpoints are managed by hand
  }
  const matched = index
    .podsIn(namespace)
    .filter(pod => selectorMatches(spec.selector, pod.labels, controllerLabels(pod)));
  if (matched.length === 0) {
    report(
      'service-selector-no-match',
      manifest,
      ['spec', 'selector'],
      `selector ${JSON.stringify(spec.selector)} matches no pod template in namespace '${namespace}'`,
    );
    return;
  }
  const containers = matched.flatMap(pod =>
    containersOf(pod)
      .filter(c => !c.init)
      .map(c => c.container),
  );
  (Array.isArray(spec.ports) ? spec.ports : []).forEach((port: any, i: number) => {
    // Declaring containerPort is optional: a process listens on a number whether it is declared or not. Only a
    // name must be declared, or it resolves to nothing.
    const target = port?.targetPort;
    if (typeof target !== 'string') {
      return;
    }
    const exposed = containers.some(container =>
      (Array.isArray(container.ports) ? container.ports : []).some((p: any) => p?.name === target),
    );
    if (!exposed) {
      report(
        'service-target-port',
        manifest,
        ['spec', 'ports', i, 'targetPort'],
        `targetPort ${JSON.stringify(target)} is not a port name of any container the selector matches`,
      );
    }
  });
}

/** statefulset-service: a StatefulSet's serviceName names a headless Service of its namespace. */
export function checkStatefulSet(manifest: Manifest, index: ReferenceIndex, report: Report): void {
  const serviceName = manifest.object.spec?.serviceName;
  if (typeof serviceName !== 'string' || serviceName === '') {
    report('statefulset-service', manifest, ['spec'], 'StatefulSet has no serviceName');
    return;
  }
  const service = index.find('Service', namespaceOf(manifest.object), serviceName);
  if (!service) {
    report(
      'statefulset-service',
      manifest,
      ['spec', 'serviceName'],
      `serviceName '${serviceName}' names no Service in namespace ` +
        `'${namespaceOf(manifest.object)}' of the set: the pods get no stable DNS names unless that headless Service is made outside the set`,
    );
  } else if (service.object.spec?.clusterIP !== 'None') {
    report(
      'statefulset-service',
      manifest,
      ['spec', 'serviceName'],
      `serviceName '${serviceName}' names a Service that is not headless (clusterIP: None)`,
    );
  }
}
