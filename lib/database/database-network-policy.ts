import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';

import * as k8s from '../../imports/k8s';

import { IDatabaseClient } from './database';

/** Props of a `DatabaseNetworkPolicy`: which pods it isolates, and their ports. */
export interface DatabaseNetworkPolicyProps {
  /** Name of the NetworkPolicy. */
  readonly name: string;
  /** Labels of the database's pods, which the policy isolates. */
  readonly podSelector: Record<string, string>;
  /** The port clients connect to. */
  readonly databasePort: number;
  /**
   * The port Prometheus scrapes, when the pods serve metrics.
   * @default - none: `allowMetricsScraper()` throws
   */
  readonly metricsPort?: number;
}

/** Who else may reach the database's pods, on which ports: what the database's own machinery needs. */
export interface NetworkPolicyPeerRule {
  /** The pods let in, as NetworkPolicy peers (namespace and pod selectors, IP blocks). */
  readonly from: k8s.NetworkPolicyPeer[];
  /** The TCP ports of the database's pods they may reach. */
  readonly ports: number[];
}

/**
 * The NetworkPolicy of a database's pods: ingress is denied but for the clients added with `allowClient()` (to the
 * database port), Prometheus's namespaces added with `allowMetricsScraper()` (to the metrics port), and whatever the
 * workload itself needs (`allowPeers()`). Rules are rendered at synthesis, so clients may be added in any order.
 */
export class DatabaseNetworkPolicy extends Construct {
  /** The NetworkPolicy, named `props.name`. */
  public readonly resource: ApiObject;
  private readonly clients: IDatabaseClient[] = [];
  private readonly scraperNamespaces: string[] = [];
  private readonly peerRules: NetworkPolicyPeerRule[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: DatabaseNetworkPolicyProps,
  ) {
    super(scope, id);
    this.resource = new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: props.name },
      spec: {
        podSelector: { matchLabels: props.podSelector },
        policyTypes: ['Ingress'],
        // No client yet means no ingress at all: the policy denies by default.
        ingress: Lazy.any({
          produce: () => [
            ...this.peerRules.map(rule => ({ from: rule.from, ports: tcp(rule.ports) })),
            ...this.clients.map(client => ({
              from: [
                {
                  namespaceSelector: namespaceNamed(client.namespace),
                  podSelector: { matchLabels: client.clientPodLabels },
                },
              ],
              ports: tcp([props.databasePort]),
            })),
            ...this.scraperNamespaces.map(namespace => ({
              from: [{ namespaceSelector: namespaceNamed(namespace) }],
              ports: tcp([props.metricsPort!]),
            })),
          ],
        }),
      },
    });
  }

  /** Lets the pods of `client` (and only them, in their namespace) reach the database port. */
  public allowClient(client: IDatabaseClient): void {
    this.clients.push(client);
  }

  /** Lets the pods of `namespace` (Prometheus's) reach the metrics port, and only that port. */
  public allowMetricsScraper(namespace: string): void {
    if (this.props.metricsPort === undefined) {
      throw new Error(
        `${this.node.path}: allowMetricsScraper('${namespace}') needs a metrics port: the pods serve no metrics`,
      );
    }
    this.scraperNamespaces.push(namespace);
  }

  /** Lets `rule.from` reach `rule.ports`: what the workload's own machinery (an operator, replication) needs. */
  public allowPeers(rule: NetworkPolicyPeerRule): void {
    this.peerRules.push(rule);
  }
}

/** A namespace selector by name: `kubernetes.io/metadata.name` is set by the API server on every namespace. */
export function namespaceNamed(namespace: string): k8s.LabelSelector {
  return { matchLabels: { 'kubernetes.io/metadata.name': namespace } };
}

function tcp(ports: number[]): k8s.NetworkPolicyPort[] {
  return ports.map(port => ({ port: k8s.IntOrString.fromNumber(port), protocol: 'TCP' }));
}
