import { AppNetworkPolicy, AppNetworkPolicyProps } from '../../lib/app/app-network-policy';
import { TodoApp } from '../../lib/app/todo-app';
import { TodoAppPreset } from '../../lib/app/todo-app-preset';
import { DatabaseCredentials } from '../../lib/database/database-credentials';
import { PostgresStatefulSet } from '../../lib/database/postgres-stateful-set';
import { Manifest, namespacedChart, only, synth, testApp } from '../support/manifests';

function build(props: Partial<Omit<AppNetworkPolicyProps, 'app' | 'database'>> = {}): {
  policy: AppNetworkPolicy;
  app: TodoApp;
  db: PostgresStatefulSet;
  manifests: Manifest[];
} {
  const cdk8sApp = testApp();
  const db = new PostgresStatefulSet(namespacedChart('postgres', cdk8sApp), 'Postgres', {
    credentials: DatabaseCredentials.forDevelopment('test-password-123'),
  });
  const chart = namespacedChart('stateful-namespace', cdk8sApp);
  const app = new TodoApp(chart, 'TodoApp', { database: db, preset: TodoAppPreset.NODE_SERVICE });
  const policy = new AppNetworkPolicy(chart, 'NetworkPolicy', { app, database: db, ...props });
  return { policy, app, db, manifests: synth(chart).filter(m => m.kind === 'NetworkPolicy') };
}

const namespace = (name: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });

describe('AppNetworkPolicy', () => {
  test('every pod of the namespace is denied all ingress and egress unless another policy lets it through', () => {
    const deny = only(build().manifests, 'NetworkPolicy', 'stateful-flask-default-deny');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  test("the server pods take connections from the ingress controller's namespace (default ingress-nginx) on the app port only", () => {
    const { app, manifests, policy } = build();
    expect(policy.ingressControllerNamespace).toBe('ingress-nginx');
    const ingress = only(manifests, 'NetworkPolicy', 'stateful-flask-ingress');
    expect(ingress.spec.podSelector).toEqual({ matchLabels: app.serverSelector });
    expect(ingress.spec.policyTypes).toEqual(['Ingress']);
    expect(ingress.spec.ingress).toEqual([
      { from: [{ namespaceSelector: namespace('ingress-nginx') }], ports: [{ port: 'http', protocol: 'TCP' }] },
    ]);
  });

  test("with a Prometheus namespace, it reaches the server pods' port (which serves /metrics) too; another controller namespace is a prop", () => {
    const ingress = only(
      build({ ingressControllerNamespace: 'traefik', prometheusNamespace: 'monitoring' }).manifests,
      'NetworkPolicy',
      'stateful-flask-ingress',
    );
    expect(ingress.spec.ingress).toEqual([
      { from: [{ namespaceSelector: namespace('traefik') }], ports: [{ port: 'http', protocol: 'TCP' }] },
      { from: [{ namespaceSelector: namespace('monitoring') }], ports: [{ port: 'http', protocol: 'TCP' }] },
    ]);
  });

  test("the server and migration pods reach only DNS (kube-dns, UDP and TCP 53) and the database's pods on its port", () => {
    const { app, db, manifests } = build();
    const egress = only(manifests, 'NetworkPolicy', 'stateful-flask-egress');
    expect(egress.spec.podSelector).toEqual({ matchLabels: app.clientPodLabels });
    expect(egress.spec.policyTypes).toEqual(['Egress']);
    expect(egress.spec.egress).toEqual([
      {
        to: [{ namespaceSelector: namespace('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      },
      {
        to: [{ namespaceSelector: namespace('postgres'), podSelector: { matchLabels: db.selector } }],
        ports: [{ port: 5432, protocol: 'TCP' }],
      },
    ]);
  });

  test("another cluster's DNS pods: their namespace, labels and port (53 unless set) in the egress rule", () => {
    const openShift = {
      namespace: 'openshift-dns',
      podLabels: { 'dns.operator.openshift.io/daemonset-dns': 'default' },
      port: 5353,
    };
    const egress = only(build({ dns: openShift }).manifests, 'NetworkPolicy', 'stateful-flask-egress');
    expect(egress.spec.egress[0]).toEqual({
      to: [
        {
          namespaceSelector: namespace('openshift-dns'),
          podSelector: { matchLabels: { 'dns.operator.openshift.io/daemonset-dns': 'default' } },
        },
      ],
      ports: [
        { port: 5353, protocol: 'UDP' },
        { port: 5353, protocol: 'TCP' },
      ],
    });
    const withoutPort = build({ dns: { namespace: 'dns', podLabels: { app: 'coredns' } } });
    expect(only(withoutPort.manifests, 'NetworkPolicy', 'stateful-flask-egress').spec.egress[0].ports).toEqual([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ]);
  });

  test('fails on DNS pods it cannot select, naming the prop, the value and the fix', () => {
    expect(() => build({ dns: { namespace: 'kube-system', podLabels: {} } })).toThrow(
      /'dns.podLabels' must hold at least one label of the DNS server pods.*got \{\}/,
    );
    expect(() => build({ dns: { namespace: 'Kube_System', podLabels: { 'k8s-app': 'kube-dns' }, port: 0 } })).toThrow(
      /'dns.namespace' must be a DNS-1123 label.*got "Kube_System"\n.*'dns.port' must be a whole number from 1 to 65535, got 0/,
    );
    expect(() => build({ dns: { namespace: 'kube-system', podLabels: { 'k8s app': 'kube-dns' } } })).toThrow(
      /'dns.podLabels' has a key that is no label key.*got \{"k8s app":"kube-dns"\}/,
    );
  });

  test('fails on a namespace that is no DNS label, naming the prop, the value and the fix', () => {
    expect(() => build({ ingressControllerNamespace: 'Ingress_Nginx' })).toThrow(
      /'ingressControllerNamespace' must be a DNS-1123 label.*got "Ingress_Nginx"/,
    );
    expect(() => build({ prometheusNamespace: 'monitoring.svc' })).toThrow(
      /'prometheusNamespace' must be a DNS-1123 label.*got "monitoring.svc"/,
    );
  });
});
