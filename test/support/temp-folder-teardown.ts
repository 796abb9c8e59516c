import * as fs from 'fs';

/**
 * Jest's globalTeardown: fails the run when a test left anything in the run's temporary folder (see
 * temp-folder-setup.ts), naming what it left; removes the folder either way.
 */
export default function checkTempFolder(): void {
  const folder = process.env.STATEFUL_TODO_TEST_TMPDIR;
  if (process.env.MANIFEST_VALIDATOR_CACHE) {
    fs.rmSync(process.env.MANIFEST_VALIDATOR_CACHE, { recursive: true, force: true });
  }
  if (!folder || !fs.existsSync(folder)) {
    return;
  }
  const left = fs.readdirSync(folder).sort();
  fs.rmSync(folder, { recursive: true, force: true });
  if (left.length > 0) {
    throw new Error(
      `tests left ${left.length} temporary file(s) or folder(s) behind, which each test must remove ` +
        `when it is done: ${left.join(', ')}`,
    );
  }
}
