import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

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

// Tests synthesize charts in memory (Testing.synth); an App only creates its outdir when it writes files, so this
// one is never created. (Testing.app() makes a temporary folder per call, which nothing removes.)
const NEVER_WRITTEN_OUTDIR = path.join(os.tmpdir(), 'stateful-todo-tests-synthesize-in-memory');

/** An App for tests that synthesize in memory; it leaves nothing on disk. */
export function testApp(): App {
  return new App({ outdir: NEVER_WRITTEN_OUTDIR, recordConstructMetadata: false });
}

/** A chart in `namespace` with the instance label the stack's charts set, as the constructs expect. */
export function namespacedChart(namespace: string, app: App = testApp()): Chart {
  return new Chart(app, namespace, {
    namespace,
    labels: {
      'app.kubernetes.io/instance': 'test',
      'app.kubernetes.io/part-of': 'test',
      'app.kubernetes.io/managed-by': 'cdk8s',
    },
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
  const stack = new TodoStack({ outdir: NEVER_WRITTEN_OUTDIR, recordConstructMetadata: false, config });
  const charts = stack.charts.map(chart => synth(chart));
  return { stack, charts, all: charts.flat() };
}

/** The YAML files below `folder`, as paths relative to it, sorted: what a synth wrote there. */
export function yamlFilesUnder(folder: string): string[] {
  return fs
    .readdirSync(folder, { recursive: true })
    .map(String)
    .filter(file => file.endsWith('.yaml'))
    .sort();
}
