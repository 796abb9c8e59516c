import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import checkTempFolder from './support/temp-folder-teardown';

// Every test's temporary files go under one folder per run (jest's globalSetup sets TMPDIR), which globalTeardown
// checks: a run that leaves anything there fails, naming what was left.
describe('temporary folders', () => {
  test("every test's os.tmpdir() is this run's own folder, which globalTeardown checks", () => {
    const runFolder = process.env.STATEFUL_TODO_TEST_TMPDIR;
    expect(runFolder).toMatch(/stateful-todo-test-run-/);
    expect(os.tmpdir()).toBe(runFolder);
  });

  test('the teardown fails the run naming what a test left behind, and removes the folder either way', () => {
    const saved = process.env.STATEFUL_TODO_TEST_TMPDIR;
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'teardown-check-'));
    try {
      fs.mkdirSync(path.join(folder, 'cdk8s.outdir.abc123'));
      process.env.STATEFUL_TODO_TEST_TMPDIR = folder;
      expect(() => checkTempFolder()).toThrow(
        /tests left 1 temporary file\(s\) or folder\(s\) behind.*: cdk8s\.outdir\.abc123/,
      );
      expect(fs.existsSync(folder)).toBe(false);
      fs.mkdirSync(folder);
      expect(() => checkTempFolder()).not.toThrow();
      expect(fs.existsSync(folder)).toBe(false);
    } finally {
      process.env.STATEFUL_TODO_TEST_TMPDIR = saved;
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
