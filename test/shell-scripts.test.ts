import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';

import { debianBinary } from '../harness/debian-packages';

const ROOT = path.join(__dirname, '..');

// Every shell script of the repository, tracked or new (not ignored): those the Jobs run, and the cluster test's.
const scripts = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', '*.sh'], {
  cwd: ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter(Boolean)
  .sort();

test('every .sh file passes shellcheck (with the .shellcheckrc beside it)', () => {
  expect(scripts).toEqual(
    expect.arrayContaining([
      'lib/database/scripts/backup.sh',
      'lib/database/scripts/restore.sh',
      'lib/database/scripts/roles.sh',
      'test/cluster/smoke.sh',
    ]),
  );
  const shellcheck = debianBinary('shellcheck', '/usr/bin/shellcheck');
  const run = spawnSync(shellcheck, ['--format=gcc', ...scripts], { cwd: ROOT, encoding: 'utf8' });
  expect(run.stdout + run.stderr).toBe('');
  expect(run.status).toBe(0);
});
