import { Construct } from 'constructs';
import * as monitoring from '../../imports/monitoring.coreos.com';
import { ComponentLabels, componentLabels, labelAllObjects } from '../kube/labels';
import { PropChecks, throwIfInvalid } from '../kube/prop-checks';

export interface PodMetricsProps {
  /** Name of the PodMonitor. */
  readonly name: string;
  /** Labels of the pods to scrape (a workload's selector). */
  readonly selector: Record<string, string>;
  /** Name of the container port that serves the metrics. */
  readonly portName: string;
  /** @default '/metrics' */
  readonly path?: string;
  /** @default '30s' */
  readonly interval?: string;
  /** The recommended-label identity of what it scrapes; the PodMonitor carries its labels, component `metrics`. */
  readonly identity: ComponentLabels;
}

/**
 * A Prometheus Operator `PodMonitor`: Prometheus scrapes every pod the selector picks, on a named container port.
 * The cluster must have the operator's CRDs (an apply fails with "no matches for kind PodMonitor" otherwise), which
 * is why the stack emits it only when `monitoring.enabled`.
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMonitor
 */
export class PodMetrics extends Construct {
  public readonly podMonitor: monitoring.PodMonitor;

  constructor(scope: Construct, id: string, props: PodMetricsProps) {
    super(scope, id);
    const checks = new PropChecks();
    checks.name('name', props.name, 'dnsSubdomain');
    checks.name('portName', props.portName, 'dnsLabel', 15, 'a container port name is an IANA service name');
    throwIfInvalid(this, checks.problems);
    this.podMonitor = new monitoring.PodMonitor(this, 'Resource', {
      metadata: { name: props.name },
      spec: {
        selector: { matchLabels: props.selector },
        podMetricsEndpoints: [{ port: props.portName, path: props.path ?? '/metrics', interval: props.interval ?? '30s' }],
      },
    });
    labelAllObjects(this, componentLabels(this, { ...props.identity, component: 'metrics' }));
  }
}
