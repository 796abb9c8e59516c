import { ConfigError, stageConfig, stageNames } from './lib/config';
import { synthesizeGitOps, synthesizeStage } from './lib/synthesize';

// The only file that reads the outside world: the output folder (set by `cdk8s synth`) and the stages to build.
// `npm run synth:stage -- dev` builds one stage; no argument builds all of them.
const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
const requested = process.argv.slice(2);

try {
  // Resolve and validate every stage before writing anything, so that one bad stage writes no manifest at all.
  const configs = (requested.length > 0 ? requested : stageNames()).map(stageConfig);
  for (const config of configs) {
    synthesizeStage(config, outdir);
  }
  synthesizeGitOps(configs, outdir);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
