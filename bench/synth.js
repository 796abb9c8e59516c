// Synthesis speed: our `cdk8s synth` (validation plugin included) against the floor, `cdk8s synth` of an app that
// does nothing, under the same CLI and flags; with the peak RSS of each. For information, the `cdk8s init` way
// (ts-node) and in-process synthesis against the cost of loading cdk8s.
const { execSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const configuredApp = require('yaml').parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8')).app;

const { interleavedMedianSeconds, target } = require('./stats');

const root = path.join(__dirname, '..');
const cli = path.join(root, 'node_modules', '.bin', 'cdk8s');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
const env = { CDK8S_CHECK_UPGRADE: 'false' };
const runs = Number(process.env.BENCH_RUNS ?? 7);
// The ts-node way loads the workspace packages as Node does, through their built dist/.
execSync('npm run --silent build', { cwd: root, stdio: 'inherit' });

// The floor: a project whose app only creates the output folder the CLI expects (an app that writes nothing at
// all fails the synth), with no validation plugin: what the CLI itself costs.
const noop = path.join(out, 'noop-project');
fs.mkdirSync(noop);
fs.writeFileSync(path.join(noop, 'cdk8s.yaml'), 'language: typescript\napp: mkdir -p "$CDK8S_OUTDIR"\n');

// Peak resident memory of a command and its children (GNU time, the Debian package `time`).
function peakRssMiB(command, cwd) {
  if (!fs.existsSync('/usr/bin/time')) {
    return undefined;
  }
  const report = execSync(`/usr/bin/time -f '%M' ${command} 2>&1 >/dev/null | tail -1`, {
    cwd,
    shell: '/bin/bash',
    env: { ...process.env, ...env, CDK8S_OUTDIR: `${out}/in-process` },
    encoding: 'utf8',
  });
  return Number(report.trim()) / 1024;
}

// What ours adds to the floor, part by part: the app alone (the configured command, bundling included), and the
// validation plugin alone (the same CLI and cdk8s.yaml over the manifests already synthesized, copied in by the app).
const synthesized = path.join(out, 'synthesized');
execSync(`${cli} synth --output ${synthesized}`, { cwd: root, stdio: 'pipe', env: { ...process.env, ...env } });
const copyApp = `rm -rf "$CDK8S_OUTDIR" && cp -r ${synthesized} "$CDK8S_OUTDIR"`;

console.log(`\nSynthesis (${runs} runs each, median wall-clock seconds, ${os.cpus().length} cores)`);
const rows = [
  ['cdk8s synth (as configured: esbuild bundle + node + validation plugin)', `${cli} synth --output ${out}/ours`, root],
  ['floor: cdk8s synth of a no-op app, same CLI and flags', `${cli} synth --output ${out}/noop`, noop],
  ['  the app alone: its command from cdk8s.yaml (two esbuild calls, then node .build/main.js)', configuredApp, root],
  ['    in-process synthesis alone (node .build/main.js, all stages)', `node .build/main.js`, root],
  [
    "    loading cdk8s: node -e \"require('cdk8s'); require('cdk8s-plus-27')\"",
    `node -e "require('cdk8s'); require('cdk8s-plus-27')"`,
    root,
  ],
  ["    node -e 0 (Node's own start)", 'node -e 0', root],
  [
    '  the CLI with the validation plugin over those manifests (app: a copy of them)',
    `${cli} synth --app '${copyApp}' --output ${out}/plugin`,
    root,
  ],
  [
    "cdk8s synth, 'cdk8s init' way (app: npx ts-node main.ts)",
    `${cli} synth --app "npx ts-node --files --require ./bench/require-text.js main.ts" --output ${out}/ts-node`,
    root,
  ],
];
const seconds = interleavedMedianSeconds(
  rows.map(([, command, cwd]) => ({ command, cwd })),
  { runs, env: { ...env, CDK8S_OUTDIR: `${out}/in-process` } },
);
rows.forEach(([label, command, cwd], index) => {
  const value = seconds[index];
  const rss = index < 2 ? peakRssMiB(command, cwd) : undefined;
  console.log(
    `  ${value.toFixed(3).padStart(7)} s  ${rss === undefined ? '         ' : `${rss.toFixed(0).padStart(4)} MiB`}  ${label}`,
  );
});
fs.rmSync(out, { recursive: true, force: true });

const [ours, floor, app, , loading, , withPlugin, tsNode] = seconds;
console.log(
  `  ours = floor ${floor.toFixed(3)} + the app ${app.toFixed(3)} + the plugin ${(withPlugin - floor).toFixed(3)} ` +
    `(CLI with it, less the floor) = ${(app + withPlugin).toFixed(3)} s`,
);
// Any cdk8s app runs in a process of its own that loads cdk8s: with nothing else, no output and no validation,
// that alone is where the target's ratio starts.
console.log(
  `  for information: floor + loading cdk8s alone = ${((floor + loading) / floor).toFixed(2)}x the floor; ours / ` +
    `ts-node way ${(ours / tsNode).toFixed(2)}x`,
);
const ok = target('our cdk8s synth / no-op floor', ours / floor, 1.3, 'x');
process.exit(ok ? 0 : 1);
