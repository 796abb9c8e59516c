import { AppPreset } from '../../lib/app/todo-app-preset';
import { resolveConfig } from '../../lib/config';
import { POD_METRICS_DEFAULTS, PodMetrics } from '../../lib/monitoring/pod-monitor';
import { namespacedChart, only, synth, synthStack } from '../support/manifests';

describe('PodMetrics', () => {
  test('a PodMonitor that scrapes the selected pods on a named port, labelled as the metrics of what it scrapes', () => {
    const chart = namespacedChart('shop');
    new PodMetrics(chart, 'Metrics', {
      name: 'web',
      selector: { 'app.kubernetes.io/name': 'web' },
      portName: 'http',
      path: '/metrics',
      identity: { name: 'web', component: 'server', version: '1.0.0' },
    });
    const monitor = only(synth(chart), 'PodMonitor', 'web');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
      podMetricsEndpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
    });
    expect(monitor.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'web',
      'app.kubernetes.io/component': 'metrics',
      'app.kubernetes.io/version': '1.0.0',
    });
  });

  test('a port name that is no container port name is an error naming it', () => {
    expect(
      () =>
        new PodMetrics(namespacedChart('shop'), 'Metrics', {
          name: 'web',
          selector: {},
          portName: 'http-metrics-port-name',
          identity: { name: 'web', component: 'server' },
        }),
    ).toThrow(/'portName' must be a DNS-1123 label .*at most 15 characters/);
  });
});

describe('monitoring in the stack', () => {
  test('off (dev): no PodMonitor and no exporter, so a cluster without the Prometheus Operator applies the stage', () => {
    const { all } = synthStack(resolveConfig('dev-like', {}));
    expect(all.filter(o => o.kind === 'PodMonitor')).toEqual([]);
    expect(only(all, 'StatefulSet').spec.template.spec.containers.map((c: any) => c.name)).toEqual(['postgres']);
  });

  test("on: the exporter sidecar, a PodMonitor for it and one for the app's /metrics, and Prometheus let through to 9187", () => {
    const { all } = synthStack(
      resolveConfig('monitored', {
        app: { preset: AppPreset.NODE_SERVICE },
        monitoring: { enabled: true, prometheusNamespace: 'observability' },
      }),
    );
    const sts = only(all, 'StatefulSet');
    expect(sts.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['postgres', 'metrics']);
    const database = only(all, 'PodMonitor', 'postgres');
    expect(database.spec.selector.matchLabels).toEqual(sts.spec.selector.matchLabels);
    expect(database.spec.podMetricsEndpoints[0].port).toBe('metrics');
    const app = only(all, 'PodMonitor', 'stateful-flask');
    expect(app.metadata.namespace).toBe('stateful-namespace');
    expect(app.spec.podMetricsEndpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s' }]);
    const rules = only(all, 'NetworkPolicy', 'postgres-clients').spec.ingress;
    expect(rules).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }],
      ports: [{ port: 9187, protocol: 'TCP' }],
    });
    // And to the app's port, where the server serves /metrics, through the app namespace's default-deny.
    expect(only(all, 'NetworkPolicy', 'stateful-flask-ingress').spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }],
      ports: [{ port: 'http', protocol: 'TCP' }],
    });
  });

  test("off: Prometheus is not let through to the app's port (only the ingress controller is)", () => {
    const { all } = synthStack(resolveConfig('unmonitored', { app: { preset: AppPreset.NODE_SERVICE } }));
    expect(
      only(all, 'NetworkPolicy', 'stateful-flask-ingress').spec.ingress.map(
        (rule: any) => rule.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'],
      ),
    ).toEqual(['ingress-nginx']);
  });

  test('bad monitoring settings are reported under their config fields', () => {
    expect(() => resolveConfig('bad', { monitoring: { enabled: true, exporterImage: 'postgres-exporter' } })).toThrow(
      /monitoring\.exporterImage: must pin a tag or digest/,
    );
    expect(() => resolveConfig('bad', { monitoring: { enabled: 'yes' as any } })).toThrow(
      /monitoring\.enabled: must be true/,
    );
    expect(() => resolveConfig('bad', { monitoring: { enabled: false, prometheusNamespace: 'Mon' } })).toThrow(
      /monitoring\.prometheusNamespace: must be a DNS-1123 label/,
    );
  });
});

test('PodMetrics resolves its path and interval once, from POD_METRICS_DEFAULTS, into the fields it exposes', () => {
  const metrics = new PodMetrics(namespacedChart('postgres'), 'Metrics', {
    name: 'postgres',
    selector: { app: 'postgres' },
    portName: 'metrics',
    identity: { name: 'postgresql', component: 'database' },
  });
  expect([metrics.path, metrics.interval]).toEqual([POD_METRICS_DEFAULTS.path, POD_METRICS_DEFAULTS.interval]);
  expect(
    PodMetrics.resolve({
      name: 'x',
      selector: {},
      portName: 'metrics',
      identity: { name: 'x', component: 'y' },
      interval: '10s',
    }).interval,
  ).toBe('10s');
});
