// Timing helpers shared by the benchmarks.
const { execSync } = require('child_process');

/**
 * Medians of the wall-clock seconds of several shell commands, run in turn `runs` times over (the first command,
 * the second, …, then again), so that a machine whose speed drifts during the benchmark (a shared VM) slows every
 * command alike instead of the ones that happened to run last. Each item: { command, cwd }.
 */
function interleavedMedianSeconds(items, { runs = 5, env = {} } = {}) {
  const times = items.map(() => []);
  for (let i = 0; i < runs; i++) {
    items.forEach(({ command, cwd }, index) => {
      const start = process.hrtime.bigint();
      execSync(command, { stdio: 'pipe', env: { ...process.env, ...env }, cwd });
      times[index].push(Number(process.hrtime.bigint() - start) / 1e9);
    });
  }
  return times.map(median);
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

module.exports = { interleavedMedianSeconds, median, target };
