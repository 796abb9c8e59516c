import { ConfigError, resolveConfig, STAGES, stageConfig, stageNames, StackOverrides } from './lib/config';
import { InvalidPropsError } from './lib/kube/prop-checks';
import { synthesizeGitOps, synthesizeStage } from './lib/synthesize';

// The only file that reads the outside world: the output folder (set by `cdk8s synth`) and the stages to build.
// `npm run synth:stage -- dev` builds one stage; no argument builds all of them. `--set database.image=postgres:17.7`
// overrides a setting of the stages named (a value that parses as JSON is taken as JSON), as an upgrade rehearsal
// does (npm run test:cluster); the config checks it like any other value.
const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
const args = process.argv.slice(2);

try {
  const sets = args.flatMap((arg, index) => (args[index - 1] === '--set' ? [arg] : []));
  const requested = args.filter((arg, index) => arg !== '--set' && args[index - 1] !== '--set');
  const names = requested.length > 0 ? requested : stageNames();
  // Resolve and validate every stage before writing anything, so that one bad stage writes no manifest at all.
  const configs = sets.length === 0 ? names.map(stageConfig) : names.map(stage => {
    stageConfig(stage);
    return resolveConfig(stage, withSettings(STAGES[stage], sets, stage));
  });
  for (const config of configs) {
    synthesizeStage(config, outdir);
  }
  synthesizeGitOps(configs, outdir);
} catch (error) {
  // The config maps every construct's checks; a construct's own error is printed the same way should one slip through.
  if (error instanceof ConfigError || error instanceof InvalidPropsError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

/** `overrides` with each `section.field=value` of `settings` applied. */
function withSettings(overrides: StackOverrides, settings: readonly string[], stage: string): StackOverrides {
  const result: Record<string, any> = JSON.parse(JSON.stringify(overrides));
  for (const setting of settings) {
    const match = /^([A-Za-z]+)(?:\.([A-Za-z]+))?=(.*)$/s.exec(setting);
    if (!match) {
      throw new ConfigError(stage, [`--set: must be SECTION.FIELD=VALUE (or FIELD=VALUE for a top-level setting such as clusterDomain), `
        + `such as database.image=postgres:17.7-bookworm, got ${JSON.stringify(setting)}`]);
    }
    const [, section, field, raw] = match;
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a plain string
    }
    if (field === undefined) {
      result[section] = value;
    } else {
      result[section] = { ...result[section], [field]: value };
    }
  }
  return result as StackOverrides;
}
