import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Jest's globalSetup: every temporary folder of this run goes under one folder of its own (TMPDIR, which the test
 * workers and the processes they start inherit), so that globalTeardown can tell what a test left behind.
 */
export default function setUpTempFolder(): void {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'stateful-todo-test-run-'));
  // As /tmp is: the e2e tests run PostgreSQL and the pods' commands as other uids, which write here too.
  fs.chmodSync(folder, 0o1777);
  process.env.STATEFUL_TODO_TEST_TMPDIR = folder;
  process.env.TMPDIR = folder;
  // The validator's compiled-CRD cache (crd-cache.ts) of this run: beside the run's folder, not in the project's
  // node_modules/.cache, and removed by globalTeardown with it.
  process.env.MANIFEST_VALIDATOR_CACHE = `${folder}-validator-cache`;
}
