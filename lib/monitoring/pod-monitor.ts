import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

import * as monitoring from '../../imports/monitoring.coreos.com';
import { ComponentLabels, componentLabels, labelAllObjects } from '../kube/labels';
import { PropChecks, throwIfInvalid } from '../kube/prop-checks';

/** Props of a `PodMetrics`: the pods to scrape, their metrics port and path, and how often. */
export interface PodMetricsProps {
  /** Name of the PodMonitor. */
  readonly name: string;
  /** Labels of the pods to scrape (a workload's selector). */
  readonly selector: Record<string, string>;
  /** Name of the container port that serves the metrics. */
  readonly portName: string;
  /**
   * The HTTP path of the metrics.
   * @default POD_METRICS_DEFAULTS.path
   */
  readonly path?: string;
  /**
   * How often Prometheus scrapes, in Prometheus's duration syntax.
   * @default POD_METRICS_DEFAULTS.interval
   */
  readonly interval?: string;
  /** The recommended-label identity of what it scrapes; the PodMonitor carries its labels, component `metrics`. */
  readonly identity: ComponentLabels;
}

/** The defaults of a PodMetrics. */
export const POD_METRICS_DEFAULTS = {
  path: '/metrics',
  interval: '30s',
} as const;

/** `PodMetricsProps` with every default applied. */
export type ResolvedPodMetricsProps = Required<PodMetricsProps>;

/**
 * A Prometheus Operator `PodMonitor`: Prometheus scrapes every pod the selector picks, on a named container port.
 * The cluster must have the operator's CRDs (an apply fails with "no matches for kind PodMonitor" otherwise), which
 * is why the stack emits it only when `monitoring.enabled`.
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMonitor
 */
export class PodMetrics extends Construct {
  /** `props` with `POD_METRICS_DEFAULTS` applied. */
  public static resolve(props: PodMetricsProps): ResolvedPodMetricsProps {
    return {
      ...props,
      path: props.path ?? POD_METRICS_DEFAULTS.path,
      interval: props.interval ?? POD_METRICS_DEFAULTS.interval,
    };
  }

  /** The PodMonitor (`monitoring.coreos.com/v1`), named `name`. */
  public readonly podMonitor: ApiObject;
  /** The HTTP path Prometheus scrapes. */
  public readonly path: string;
  /** How often Prometheus scrapes. */
  public readonly interval: string;

  constructor(scope: Construct, id: string, unresolved: PodMetricsProps) {
    super(scope, id);
    const props = PodMetrics.resolve(unresolved);
    const checks = new PropChecks();
    checks.name('name', props.name, 'dnsSubdomain');
    checks.name('portName', props.portName, 'dnsLabel', 15, 'a container port name is an IANA service name');
    throwIfInvalid(this, checks.problems);
    this.path = props.path;
    this.interval = props.interval;
    this.podMonitor = new monitoring.PodMonitor(this, 'Resource', {
      metadata: { name: props.name },
      spec: {
        selector: { matchLabels: props.selector },
        podMetricsEndpoints: [{ port: props.portName, path: this.path, interval: this.interval }],
      },
    });
    labelAllObjects(this, componentLabels(this, { ...props.identity, component: 'metrics' }));
  }
}
