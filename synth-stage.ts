import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { parseArguments } from './lib/config/stage-arguments';

// `npm run synth:stage -- [STAGE …] [--set PATH=VALUE …]`: synthesizes the stages named (all without a name) as
// `npm run synth` does, validation plugin included, and writes only those stages' folders (and their GitOps files)
// to dist/ (or CDK8S_OUTDIR). cdk8s-cli runs main.ts with these arguments into a folder of its own, which it empties
// first (it empties its whole output folder), and validates it with the plugins of cdk8s.yaml: the same report and
// exit codes as `npm run synth`. The configs are checked first, so that a bad one is reported without the CLI's own
// stack trace; `--check` stops there and writes nothing.
const args = process.argv.slice(2);
const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
const main = path.join(__dirname, 'main.js');

const check = spawnSync(process.execPath, [main, '--check', ...args], { stdio: 'inherit' });
if (check.status !== 0) {
  process.exit(check.status ?? 1);
}
// `--check` asks for the configs' check alone, as main.ts takes it: nothing to synthesize (cdk8s-cli would find no
// output and fail).
const { stages, check: checkOnly } = parseArguments(args);
if (checkOnly) {
  const named = [...new Set(stages)].map(stage => `'${stage}'`);
  console.log(
    `the config of ${named.length === 0 ? 'every stage' : `stage${named.length > 1 ? 's' : ''} ${named.join(', ')}`} ` +
      'is valid; nothing was written (--check)',
  );
  process.exit(0);
}

const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-stage-'));
try {
  const cli = path.join(path.dirname(require.resolve('cdk8s-cli/package.json')), 'bin', 'cdk8s');
  const app = [process.execPath, main, ...args].map(shellWord).join(' ');
  const synth = spawnSync(process.execPath, [cli, 'synth', '--app', app, '--output', staging], {
    stdio: 'inherit',
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
  });
  // As `npm run synth` does, the output is written even when the validation fails, so that it can be looked at.
  const written = fs.existsSync(staging)
    ? fs.readdirSync(staging, { withFileTypes: true }).filter(e => e.isDirectory())
    : [];
  for (const entry of written) {
    const target = path.join(outdir, entry.name);
    if (entry.name !== 'gitops') {
      // A stage's folder is written whole, as main.ts writes it.
      fs.rmSync(target, { recursive: true, force: true });
    }
    // The GitOps folders hold one file per stage: only the stages synthesized are replaced.
    fs.cpSync(path.join(staging, entry.name), target, { recursive: true });
  }
  process.exitCode = synth.status ?? 1;
} finally {
  fs.rmSync(staging, { recursive: true, force: true });
}

/**
 * `value` as one word of a POSIX shell command line (cdk8s-cli runs the app through a shell), quoted only when it
 * must be: the CLI's argument parser takes the quotes off a value that starts and ends with one.
 */
function shellWord(value: string): string {
  return /^[\w./=:@,+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
