import * as kplus from 'cdk8s-plus-27';

import {
  BridgeBackend,
  IBridgeBackend,
  INGRESS_BRIDGE_DEFAULTS,
  IngressBridge,
  IngressBridgeProps,
  IngressTls,
} from '../../lib/ingress/ingress-bridge';
import { Manifest, namespacedChart, only, synth, testApp } from '../support/manifests';

const backend: IBridgeBackend = {
  serviceName: 'stateful-flask',
  serviceNamespace: 'stateful-namespace',
  servicePort: 5000,
};

function build(props: Partial<IngressBridgeProps> = {}): { bridge: IngressBridge; manifests: Manifest[] } {
  const chart = namespacedChart('default', testApp());
  const bridge = new IngressBridge(chart, 'IngressBridge', { backend, host: 'drexii.me', path: '/tasks', ...props });
  return { bridge, manifests: synth(chart) };
}

describe('IngressBridge', () => {
  test('defaults match the snapshot', () => {
    expect(build().manifests).toMatchSnapshot();
  });

  test('an ExternalName Service aliases the backend Service FQDN and declares its port', () => {
    const service = only(build().manifests, 'Service');
    expect(service.metadata).toMatchObject({ name: 'stateful-flask-external', namespace: 'default' });
    expect(service.spec).toEqual({
      type: 'ExternalName',
      externalName: 'stateful-flask.stateful-namespace.svc.cluster.local',
      ports: [{ name: 'http', port: 5000, protocol: 'TCP' }],
    });
  });

  test('the Ingress routes host and Prefix path to that Service and port', () => {
    const { manifests } = build();
    const ingress = only(manifests, 'Ingress');
    const service = only(manifests, 'Service');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.rules).toHaveLength(1);
    expect(ingress.spec.rules[0].host).toBe('drexii.me');
    const [path] = ingress.spec.rules[0].http.paths;
    expect(path.path).toBe('/tasks');
    expect(path.pathType).toBe('Prefix');
    expect(path.backend.service.name).toBe(service.metadata.name);
    expect(path.backend.service.port.number).toBe(service.spec.ports[0].port);
    expect(ingress.spec).not.toHaveProperty('tls');
  });

  test('TLS from an existing Secret, class and names as given; the Secret is declared as provided', () => {
    const { bridge, manifests } = build({
      tls: IngressTls.fromSecret('drexii-tls'),
      ingressClassName: 'traefik',
      serviceName: 'todo-alias',
      ingressName: 'todo',
    });
    const ingress = only(manifests, 'Ingress', 'todo');
    expect(ingress.spec.tls).toEqual([{ hosts: ['drexii.me'], secretName: 'drexii-tls' }]);
    expect(ingress.metadata.annotations).toEqual({ 'validator.todo-stack/provided-secrets': 'drexii-tls' });
    expect(ingress.spec.ingressClassName).toBe('traefik');
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe('todo-alias');
    expect(bridge.tlsSecretName).toBe('drexii-tls');
  });

  test('TLS issued by cert-manager: the cluster-issuer annotation, and a Secret named after the host', () => {
    const { bridge, manifests } = build({ tls: IngressTls.fromClusterIssuer('letsencrypt-prod') });
    const ingress = only(manifests, 'Ingress');
    expect(ingress.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' });
    expect(ingress.spec.tls).toEqual([{ hosts: ['drexii.me'], secretName: 'drexii-me-tls' }]);
    expect(bridge.tlsSecretName).toBe('drexii-me-tls');
    const named = build({ tls: IngressTls.fromClusterIssuer('staging', 'own-name') });
    expect(only(named.manifests, 'Ingress').spec.tls[0].secretName).toBe('own-name');
  });

  test('path defaults to /', () => {
    const chart = namespacedChart('default', testApp());
    new IngressBridge(chart, 'IngressBridge', { backend, host: 'drexii.me' });
    expect(only(synth(chart), 'Ingress').spec.rules[0].http.paths[0].path).toBe('/');
  });

  test('fails on bad props with one error naming every prop, its value and the fix', () => {
    expect(() => build({ host: 'https://drexii.me', path: 'tasks', ingressClassName: 'Nginx' })).toThrow(
      new RegExp(
        [
          'default/IngressBridge: invalid props:',
          "  - 'host' must be a bare host name such as 'drexii.me'; drop the scheme 'https://', got \"https://drexii.me\"",
          "  - 'path' must be an absolute path starting with '/', such as '/tasks', got \"tasks\"",
          '  - \'ingressClassName\' must be a DNS-1123 subdomain .*got "Nginx"',
        ].join('\n'),
      ),
    );
    expect(() => build({ tls: IngressTls.fromClusterIssuer('Lets Encrypt') })).toThrow(
      /'tls.clusterIssuer' must be a DNS-1123 subdomain/,
    );
  });

  test('TLS without the name its source needs fails (from JavaScript, or an untyped value): no Ingress served without TLS', () => {
    expect(() => build({ tls: IngressTls.fromSecret(undefined as unknown as string) })).toThrow(
      /'tls\.secretName' must be a DNS-1123 subdomain .*the name of a kubernetes\.io\/tls Secret, such as 'drexii-me-tls', got undefined/,
    );
    expect(() => build({ tls: IngressTls.fromClusterIssuer(undefined as unknown as string) })).toThrow(
      /'tls\.clusterIssuer' must be a DNS-1123 subdomain .*ClusterIssuer, such as 'letsencrypt-prod', got undefined/,
    );
    // cert-manager's Secret name stays optional.
    expect(() => build({ tls: IngressTls.fromClusterIssuer('letsencrypt-prod') })).not.toThrow();
  });

  test('the cluster domain and the version label are props; no version label unless given', () => {
    const { manifests } = build({ clusterDomain: 'corp.internal', version: '1.2.3' });
    expect(only(manifests, 'Service').spec.externalName).toBe('stateful-flask.stateful-namespace.svc.corp.internal');
    expect(manifests.map(m => m.metadata.labels?.['app.kubernetes.io/version'])).toEqual(['1.2.3', '1.2.3']);
    expect(build().manifests.map(m => m.metadata.labels?.['app.kubernetes.io/version'])).toEqual([
      undefined,
      undefined,
    ]);
  });

  test('exposes a cdk8s-plus Service from another chart through BridgeBackend.fromService', () => {
    const cdk8sApp = testApp();
    const shop = namespacedChart('shop', cdk8sApp);
    const service = new kplus.Service(shop, 'Api', { metadata: { name: 'shop-api' }, ports: [{ port: 8080 }] });
    const chart = namespacedChart('default', cdk8sApp);
    new IngressBridge(chart, 'IngressBridge', {
      backend: BridgeBackend.fromService(service),
      host: 'shop.example.com',
    });
    const manifests = synth(chart);
    expect(only(manifests, 'Service').spec).toMatchObject({
      externalName: 'shop-api.shop.svc.cluster.local',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
    expect(only(manifests, 'Ingress').metadata.name).toBe('shop-api');
    const portless = new kplus.Service(namespacedChart('other', cdk8sApp), 'Empty');
    expect(() => BridgeBackend.fromService(portless)).toThrow(
      /other\/Empty: a bridge backend needs a Service with a namespace and a port/,
    );
  });
});

test("IngressBridge.resolve applies INGRESS_BRIDGE_DEFAULTS and derives the names from the backend's Service, once", () => {
  const backend: IBridgeBackend = {
    serviceName: 'stateful-flask',
    serviceNamespace: 'stateful-namespace',
    servicePort: 5000,
  };
  expect(IngressBridge.resolve({ backend, host: 'drexii.me' })).toEqual({
    backend,
    host: 'drexii.me',
    path: INGRESS_BRIDGE_DEFAULTS.path,
    serviceName: 'stateful-flask-external',
    ingressName: 'stateful-flask',
    ingressClassName: INGRESS_BRIDGE_DEFAULTS.ingressClassName,
    tls: undefined,
    clusterDomain: 'cluster.local',
    version: undefined,
  });
});
