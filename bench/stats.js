// Timing helpers shared by the benchmarks.
const { execSync } = require('child_process');

/** Median of the wall-clock seconds of `runs` executions of a shell command. */
function medianSeconds(command, { runs = 5, env = {}, cwd } = {}) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    execSync(command, { stdio: 'pipe', env: { ...process.env, ...env }, cwd });
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(times);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Prints a check line and returns whether it passed. */
function target(label, value, limit, unit = '') {
  const ok = value <= limit;
  console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${label}: ${value.toFixed(2)}${unit} (target <= ${limit}${unit})`);
  return ok;
}

module.exports = { medianSeconds, median, target };
