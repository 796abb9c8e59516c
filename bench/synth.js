// Synthesis speed: our `cdk8s synth` (validation plugin included) against the floor, `cdk8s synth` of an app that
// does nothing, under the same CLI and flags; with the peak RSS of each. For information, the `cdk8s init` way
// (ts-node) and in-process synthesis against the cost of loading cdk8s.
const { execSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { medianSeconds, target } = require('./stats');

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
  const report = execSync(`/usr/bin/time -f '%M' ${command} 2>&1 >/dev/null | tail -1`, { cwd, shell: '/bin/bash', env: { ...process.env, ...env, CDK8S_OUTDIR: `${out}/in-process` }, encoding: 'utf8' });
  return Number(report.trim()) / 1024;
}

console.log(`\nSynthesis (${runs} runs each, median wall-clock seconds, ${os.cpus().length} cores)`);
const rows = [
  ['cdk8s synth (as configured: esbuild bundle + node + validation plugin)', `${cli} synth --output ${out}/ours`, root],
  ["floor: cdk8s synth of a no-op app, same CLI and flags", `${cli} synth --output ${out}/noop`, noop],
  ["cdk8s synth, 'cdk8s init' way (app: npx ts-node main.ts)", `${cli} synth --app "npx ts-node main.ts" --output ${out}/ts-node`, root],
  ['in-process synthesis (node .build/main.js, all stages)', `node .build/main.js`, root],
  ["  loading cdk8s: node -e \"require('cdk8s'); require('cdk8s-plus-27')\"", `node -e "require('cdk8s'); require('cdk8s-plus-27')"`, root],
];
const seconds = rows.map(([label, command, cwd], index) => {
  const value = medianSeconds(command, { runs, cwd, env: { ...env, CDK8S_OUTDIR: `${out}/in-process` } });
  const rss = index < 2 ? peakRssMiB(command, cwd) : undefined;
  console.log(`  ${value.toFixed(3).padStart(7)} s  ${rss === undefined ? '         ' : `${rss.toFixed(0).padStart(4)} MiB`}  ${label}`);
  return value;
});
fs.rmSync(out, { recursive: true, force: true });

const [ours, floor, tsNode, inProcess, loading] = seconds;
console.log(`  for information: ours / ts-node way ${(ours / tsNode).toFixed(2)}x; in-process / loading cdk8s ${(inProcess / loading).toFixed(2)}x`);
const ok = target('our cdk8s synth / no-op floor', ours / floor, 1.3, 'x');
process.exit(ok ? 0 : 1);
