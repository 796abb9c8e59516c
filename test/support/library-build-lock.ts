import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const WAIT_MS = 200;
const GIVE_UP_MS = 10 * 60 * 1000;

/**
 * Runs `work`, which builds the library into the project's one `.build/library/` (npm run example, npm pack), while
 * no other jest worker does: two builds at once rewrite the declarations that the other's tsc is reading.
 * The lock is a folder (mkdir is atomic) in the run's temporary folder, removed when `work` ends.
 */
export function withLibraryBuildLock<T>(work: () => T): T {
  const lock = path.join(process.env.STATEFUL_TODO_TEST_TMPDIR ?? os.tmpdir(), 'library-build.lock');
  const deadline = Date.now() + GIVE_UP_MS;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() > deadline) {
        throw error;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, WAIT_MS);
    }
  }
  try {
    return work();
  } finally {
    fs.rmdirSync(lock);
  }
}
