import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { debianBinary } from '../harness/debian-packages';

const ROOT = path.join(__dirname, '..');
// ESLint's max-len holds the TypeScript and JavaScript to this; shellcheck does not measure lines, so this test does.
const MAX_LINE_LENGTH = 150;

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

test(`no line of a .sh file is over ${MAX_LINE_LENGTH} characters`, () => {
  const tooLong = scripts.flatMap(script =>
    fs
      .readFileSync(path.join(ROOT, script), 'utf8')
      .split('\n')
      .flatMap((line, index) =>
        line.length > MAX_LINE_LENGTH
          ? [
              `${script}:${index + 1} is ${line.length} characters long, over ${MAX_LINE_LENGTH}: split it ` +
                '(a \\ at the end of a line continues a command)',
            ]
          : [],
      ),
  );
  expect(tooLong).toEqual([]);
});
