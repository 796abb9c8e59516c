import { App, Chart, Testing } from 'cdk8s';
import { TodoStack } from '../../lib/charts';
import { StackConfig } from '../../lib/config';

/** A Kubernetes object as synthesized: plain JSON. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: any;
}

/** A chart in `namespace` with the instance label the stack's charts set, as the constructs expect. */
export function namespacedChart(namespace: string, app: App = Testing.app()): Chart {
  return new Chart(app, namespace, {
    namespace,
    labels: { 'app.kubernetes.io/instance': 'test', 'app.kubernetes.io/part-of': 'test', 'app.kubernetes.io/managed-by': 'cdk8s' },
  });
}

/** Synthesizes a chart to plain JSON objects. */
export function synth(chart: Chart): Manifest[] {
  return Testing.synth(chart) as Manifest[];
}

/** The one object of `kind` (and `name`, when given); fails when there is not exactly one. */
export function only(manifests: Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.filter(m => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  }
  return found[0];
}

/** Every object of a whole stack, chart by chart in apply order. */
export function synthStack(config: StackConfig): { stack: TodoStack; charts: Manifest[][]; all: Manifest[] } {
  const app = Testing.app();
  const stack = new TodoStack(app, config);
  const charts = app.charts.map(chart => synth(chart));
  return { stack, charts, all: charts.flat() };
}
