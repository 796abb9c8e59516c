import { ConfigError, resolveConfig, StackConfig, STAGES, stageConfig, stageNames } from './lib/config';
import { parseArguments, UsageError, withSettings } from './lib/config/stage-arguments';
import { InvalidPropsError } from './lib/kube/prop-checks';
import { synthesizeGitOps, synthesizeStage } from './lib/synthesize';

// The only file that reads the outside world: the output folder (set by `cdk8s synth`) and the stages to build.
// `npm run synth:stage -- dev` builds one stage; no argument builds all of them. `--set database.image=postgres:17.7`
// overrides a setting of the stages named (the value read as YAML flow), as an upgrade rehearsal does (npm run
// test:cluster); the config checks it like any other value. `--check` checks the configs and writes nothing, so
// that `npm run synth` reports a bad config before cdk8s-cli runs this app (the CLI adds its own stack trace to any
// app that fails).
const outdir = process.env.CDK8S_OUTDIR ?? 'dist';

try {
  const { stages, settings, check } = parseArguments(process.argv.slice(2));
  const names = stages.length > 0 ? stages : stageNames();
  // Resolve and validate every stage before writing anything, so that one bad stage writes no manifest at all; every
  // stage's problems are reported in one run, so that fixing one stage never just uncovers the next.
  const configOf = (stage: string): StackConfig => {
    // An unknown stage fails here, with the known ones.
    const shipped = stageConfig(stage);
    return settings.length === 0 ? shipped : resolveConfig(stage, withSettings(STAGES[stage], settings));
  };
  const configs: StackConfig[] = [];
  const invalid: string[] = [];
  for (const stage of names) {
    try {
      configs.push(configOf(stage));
    } catch (error) {
      if (!(error instanceof ConfigError)) {
        throw error;
      }
      invalid.push(error.message);
    }
  }
  if (invalid.length > 0) {
    console.error(invalid.join('\n\n'));
    process.exit(1);
  }
  if (!check) {
    for (const config of configs) {
      synthesizeStage(config, outdir);
    }
    synthesizeGitOps(configs, outdir);
  }
} catch (error) {
  // The config maps every construct's checks; a construct's own error is printed the same way should one slip through.
  if (error instanceof ConfigError || error instanceof InvalidPropsError) {
    console.error(error.message);
    process.exit(1);
  }
  if (error instanceof UsageError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
