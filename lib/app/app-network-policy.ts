import { imageVersion } from '@stateful-todo/kube-conventions';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

import * as k8s from '../../imports/k8s';
import { IDatabase } from '../database/database';
import { namespaceNamed } from '../database/database-network-policy';
import { componentLabels, labelAllObjects } from '../kube/labels';
import { PropChecks, PropProblem, throwIfInvalid } from '../kube/prop-checks';

import { TodoApp } from './todo-app';

/**
 * Props of an `AppNetworkPolicy`: the app and the database it connects, and where the cluster's ingress controller,
 * DNS server and Prometheus run.
 */
export interface AppNetworkPolicyProps {
  /** The app whose namespace is isolated: its server pods take traffic, its server and migration pods reach the database. */
  readonly app: TodoApp;
  /** The database the app's pods may reach, on its port only. */
  readonly database: IDatabase;
  /**
   * The namespace of the ingress controller's pods, which proxy the Ingress to the app's port.
   * @default APP_NETWORK_POLICY_DEFAULTS.ingressControllerNamespace
   * @see https://kubernetes.github.io/ingress-nginx/deploy/
   */
  readonly ingressControllerNamespace?: string;
  /**
   * The namespace of Prometheus, which scrapes the server's `/metrics` on the app's port.
   * @default - none: nothing scrapes the app
   */
  readonly prometheusNamespace?: string;
  /**
   * Where the cluster's DNS server pods run, their labels, and the port they listen on (a NetworkPolicy sees the
   * pod's port, not the Service's): CoreDNS keeps kube-dns's `k8s-app: kube-dns` in `kube-system` on 53 (kubeadm,
   * kind, DigitalOcean, EKS, GKE); OpenShift's run in `openshift-dns`, labelled
   * `dns.operator.openshift.io/daemonset-dns: default`, on 5353.
   * @default APP_NETWORK_POLICY_DEFAULTS.dns
   * @see https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
   */
  readonly dns?: ClusterDns;
}

/** The cluster's DNS server pods, which every pod that resolves a name must reach. */
export interface ClusterDns {
  /** The namespace of the DNS server pods. */
  readonly namespace: string;
  /** Labels that select the DNS server pods in that namespace (at least one). */
  readonly podLabels: Readonly<Record<string, string>>;
  /**
   * The port the DNS server pods listen on, over UDP and TCP.
   * @default 53
   */
  readonly port?: number;
}

/** The defaults of an AppNetworkPolicy; the stack's config starts from them. */
export const APP_NETWORK_POLICY_DEFAULTS = {
  ingressControllerNamespace: 'ingress-nginx',
  dns: { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' }, port: 53 },
} as const;

/** `AppNetworkPolicyProps` with every default applied. */
export interface ResolvedAppNetworkPolicyProps extends Required<
  Omit<AppNetworkPolicyProps, 'prometheusNamespace' | 'dns'>
> {
  /** The namespace of Prometheus; undefined when nothing scrapes the app. */
  readonly prometheusNamespace?: string;
  /** The DNS server pods, their port resolved. */
  readonly dns: Required<ClusterDns>;
}

/**
 * The NetworkPolicies of the app's namespace: every pod in it is denied all traffic in and out unless a policy lets
 * it through; the server pods take connections from the ingress controller's namespace and Prometheus's, on the
 * app's port (a NetworkPolicy cannot tell `/metrics` from `/tasks`: the Ingress routes only its path); the server
 * and migration pods reach the cluster's DNS and the database's pods, on the database port, and nothing else.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export class AppNetworkPolicy extends Construct {
  /** The namespace whose pods (the ingress controller's) may reach the server pods on the app's port. */
  public readonly ingressControllerNamespace: string;
  /** The namespace whose pods (Prometheus's) may reach the server pods on the app's port; undefined when none may. */
  public readonly prometheusNamespace?: string;
  /** The NetworkPolicy `<app>-default-deny`: every pod of the namespace, no ingress, no egress. */
  public readonly defaultDeny: ApiObject;
  /** The NetworkPolicy `<app>-ingress`: the server pods, from the ingress controller and Prometheus, on the app's port. */
  public readonly ingress: ApiObject;
  /** The NetworkPolicy `<app>-egress`: the server and migration pods, to DNS and to the database. */
  public readonly egress: ApiObject;

  /** `props` with `APP_NETWORK_POLICY_DEFAULTS` applied. */
  public static resolve(props: AppNetworkPolicyProps): ResolvedAppNetworkPolicyProps {
    return { ...resolveSettings(props), app: props.app, database: props.database };
  }

  /**
   * What is wrong with `props` (but the app and database objects), each problem naming the prop, the value and the
   * fix; empty when all is well.
   */
  public static checkProps(props: Omit<AppNetworkPolicyProps, 'app' | 'database'>): PropProblem[] {
    const resolved = resolveSettings(props);
    const checks = new PropChecks();
    checks.name('ingressControllerNamespace', resolved.ingressControllerNamespace, 'dnsLabel');
    if (resolved.prometheusNamespace !== undefined) {
      checks.name('prometheusNamespace', resolved.prometheusNamespace, 'dnsLabel');
    }
    checks.name('dns.namespace', resolved.dns.namespace, 'dnsLabel');
    checks.port('dns.port', resolved.dns.port);
    const labels = resolved.dns.podLabels;
    if (labels === null || typeof labels !== 'object' || Object.keys(labels).length === 0) {
      checks.add(
        'dns.podLabels',
        labels,
        "must hold at least one label of the DNS server pods, such as { 'k8s-app': 'kube-dns' } " +
          '(without one, the pods could reach any pod of the namespace on that port)',
      );
    } else {
      for (const [key, value] of Object.entries(labels)) {
        checks.label('dns.podLabels', key, value);
      }
    }
    return checks.problems;
  }

  constructor(scope: Construct, id: string, unresolved: AppNetworkPolicyProps) {
    super(scope, id);
    const props = AppNetworkPolicy.resolve(unresolved);
    throwIfInvalid(this, AppNetworkPolicy.checkProps(unresolved));
    const { app, database } = props;
    this.ingressControllerNamespace = props.ingressControllerNamespace;
    this.prometheusNamespace = props.prometheusNamespace;
    const dns = props.dns;
    const appPort = [{ port: k8s.IntOrString.fromString(app.httpPortName), protocol: 'TCP' }];

    this.defaultDeny = new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: { name: `${app.name}-default-deny` },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    this.ingress = new k8s.KubeNetworkPolicy(this, 'Ingress', {
      metadata: { name: `${app.name}-ingress` },
      spec: {
        podSelector: { matchLabels: app.serverSelector },
        policyTypes: ['Ingress'],
        ingress: [this.ingressControllerNamespace, ...(this.prometheusNamespace ? [this.prometheusNamespace] : [])].map(
          namespace => ({ from: [{ namespaceSelector: namespaceNamed(namespace) }], ports: appPort }),
        ),
      },
    });
    this.egress = new k8s.KubeNetworkPolicy(this, 'Egress', {
      metadata: { name: `${app.name}-egress` },
      spec: {
        podSelector: { matchLabels: app.clientPodLabels },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              { namespaceSelector: namespaceNamed(dns.namespace), podSelector: { matchLabels: { ...dns.podLabels } } },
            ],
            ports: ['UDP', 'TCP'].map(protocol => ({ port: k8s.IntOrString.fromNumber(dns.port), protocol })),
          },
          {
            to: [
              {
                namespaceSelector: namespaceNamed(database.namespace),
                podSelector: { matchLabels: database.selector },
              },
            ],
            ports: [{ port: k8s.IntOrString.fromNumber(database.port), protocol: 'TCP' }],
          },
        ],
      },
    });
    labelAllObjects(
      this,
      componentLabels(this, { name: app.name, component: 'network-policy', version: imageVersion(app.image) }),
    );
  }
}

/** The settings of `props` (all but the app and database objects) with `APP_NETWORK_POLICY_DEFAULTS` applied. */
function resolveSettings(
  props: Omit<AppNetworkPolicyProps, 'app' | 'database'>,
): Omit<ResolvedAppNetworkPolicyProps, 'app' | 'database'> {
  return {
    ingressControllerNamespace:
      props.ingressControllerNamespace ?? APP_NETWORK_POLICY_DEFAULTS.ingressControllerNamespace,
    prometheusNamespace: props.prometheusNamespace,
    dns:
      props.dns === undefined
        ? APP_NETWORK_POLICY_DEFAULTS.dns
        : { ...props.dns, port: props.dns.port ?? APP_NETWORK_POLICY_DEFAULTS.dns.port },
  };
}
