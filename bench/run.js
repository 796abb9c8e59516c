#!/usr/bin/env node
// `npm run bench`: every benchmark of the project, one after the other. A missed target, or a failed request,
// makes the exit code 1. TypeScript benchmarks are bundled by esbuild into .bench/ first.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const benches = ['synth.js', 'validate.js', 'service.ts'];
let failed = false;
for (const bench of benches) {
  let file = path.join(__dirname, bench);
  if (bench.endsWith('.ts')) {
    fs.mkdirSync(path.join(root, '.bench'), { recursive: true });
    const out = path.join(root, '.bench', bench.replace(/\.ts$/, '.js'));
    execFileSync(path.join(root, 'node_modules', '.bin', 'esbuild'), [
      file,
      '--bundle',
      '--platform=node',
      '--packages=external',
      '--target=node20',
      `--outfile=${out}`,
      '--log-level=warning',
    ]);
    file = out;
  }
  try {
    execFileSync(process.execPath, [file], { stdio: 'inherit', cwd: root });
  } catch {
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
