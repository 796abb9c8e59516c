import { imageVersion } from '@stateful-todo/kube-conventions';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

import * as k8s from '../../imports/k8s';
import { IDatabase } from '../database/database';
import { namespaceNamed } from '../database/database-network-policy';
import { componentLabels, labelAllObjects } from '../kube/labels';
import { PropChecks, throwIfInvalid } from '../kube/prop-checks';

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
   * Where the cluster's DNS server pods run, and their labels: CoreDNS keeps kube-dns's `k8s-app: kube-dns` in
   * `kube-system` (kubeadm, kind, DigitalOcean, EKS, GKE).
   * @default APP_NETWORK_POLICY_DEFAULTS.dns
   */
  readonly dns?: { readonly namespace: string; readonly podLabels: Record<string, string> };
}

/** The defaults of an AppNetworkPolicy; the stack's config starts from them. */
export const APP_NETWORK_POLICY_DEFAULTS = {
  ingressControllerNamespace: 'ingress-nginx',
  dns: { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } },
} as const;

/** `AppNetworkPolicyProps` with every default applied. */
export interface ResolvedAppNetworkPolicyProps extends Required<Omit<AppNetworkPolicyProps, 'prometheusNamespace'>> {
  /** The namespace of Prometheus; undefined when nothing scrapes the app. */
  readonly prometheusNamespace?: string;
}

const DNS_PORT = 53;

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
    return {
      app: props.app,
      database: props.database,
      ingressControllerNamespace:
        props.ingressControllerNamespace ?? APP_NETWORK_POLICY_DEFAULTS.ingressControllerNamespace,
      prometheusNamespace: props.prometheusNamespace,
      dns: props.dns ?? APP_NETWORK_POLICY_DEFAULTS.dns,
    };
  }

  constructor(scope: Construct, id: string, unresolved: AppNetworkPolicyProps) {
    super(scope, id);
    const props = AppNetworkPolicy.resolve(unresolved);
    const checks = new PropChecks();
    checks.name('ingressControllerNamespace', props.ingressControllerNamespace, 'dnsLabel');
    if (props.prometheusNamespace !== undefined) {
      checks.name('prometheusNamespace', props.prometheusNamespace, 'dnsLabel');
    }
    throwIfInvalid(this, checks.problems);
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
            ports: ['UDP', 'TCP'].map(protocol => ({ port: k8s.IntOrString.fromNumber(DNS_PORT), protocol })),
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
