// Synthesis speed: our `cdk8s synth` against the `cdk8s init` way (ts-node) and the floor of loading cdk8s.
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
require('child_process').execSync('npm run --silent build', { cwd: root, stdio: 'inherit' });

console.log(`\nSynthesis (${runs} runs each, median wall-clock seconds, ${os.cpus().length} cores)`);
const rows = [
  ['cdk8s synth (as configured: esbuild bundle + node)', `${cli} synth --output ${out}/ours`],
  ["cdk8s synth, 'cdk8s init' way (app: npx ts-node main.ts)", `${cli} synth --app "npx ts-node main.ts" --output ${out}/ts-node`],
  ['in-process synthesis (node .build/main.js, all stages)', `node .build/main.js`],
  ["floor: node -e \"require('cdk8s'); require('cdk8s-plus-27')\"", `node -e "require('cdk8s'); require('cdk8s-plus-27')"`],
];
require('child_process').execSync('npm run --silent build', { cwd: root, stdio: 'inherit' });
const seconds = rows.map(([label, command]) => {
  const value = medianSeconds(command, { runs, cwd: root, env: { ...env, CDK8S_OUTDIR: `${out}/in-process` } });
  console.log(`  ${value.toFixed(3).padStart(7)} s  ${label}`);
  return value;
});
fs.rmSync(out, { recursive: true, force: true });

const [ours, tsNode, inProcess, floor] = seconds;
const ok = [
  target('our cdk8s synth / ts-node way', ours / tsNode, 0.4, 'x'),
  target('in-process synthesis / floor', inProcess / floor, 1.5, 'x'),
].every(Boolean);
process.exit(ok ? 0 : 1);
