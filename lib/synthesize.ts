import * as path from 'path';
import { App } from 'cdk8s';
import { TodoStack } from './charts';
import { StackConfig } from './config';

/**
 * Writes one stage's manifests to `<outdir>/<stage>/`, one file per chart in apply order, and returns the stack.
 */
export function synthesizeStage(config: StackConfig, outdir: string): TodoStack {
  // Construct metadata would land in the folder that `kubectl apply -f` reads.
  const app = new App({ outdir: path.join(outdir, config.stage), recordConstructMetadata: false });
  const stack = new TodoStack(app, config);
  app.synth();
  return stack;
}
