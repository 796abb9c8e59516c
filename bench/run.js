#!/usr/bin/env node
// `npm run bench`: every benchmark of the project, one after the other. Targets are checked and printed; a
// missed target makes the exit code 1. Timings are medians, so one slow run does not decide.
const { execFileSync } = require('child_process');
const path = require('path');

const benches = ['synth.js', 'validate.js'];
let failed = false;
for (const bench of benches) {
  try {
    execFileSync(process.execPath, [path.join(__dirname, bench)], { stdio: 'inherit' });
  } catch {
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
