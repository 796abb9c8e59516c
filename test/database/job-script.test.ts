import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { jobScript, withWaits } from '../../lib/database/job-script';
import BACKUP_SCRIPT from '../../lib/database/scripts/backup.sh';
import RESTORE_SCRIPT from '../../lib/database/scripts/restore.sh';
import ROLES_SCRIPT from '../../lib/database/scripts/roles.sh';
import WAIT_SCRIPT from '../../lib/database/scripts/wait.sh';
import { tempFolder } from '../support/temp-folders';

describe('jobScript: the scripts as the containers run them', () => {
  test('a comment-only change (reworded, added, indented) leaves the assembled command identical', () => {
    const reworded = (script: string) =>
      script.replace(/^(\s*)# .*$/gm, '$1# another wording, same script').replace(/^/, '# a new first line\n');
    for (const script of [BACKUP_SCRIPT, ROLES_SCRIPT, RESTORE_SCRIPT, WAIT_SCRIPT]) {
      expect(reworded(script)).not.toBe(script);
      expect(jobScript(reworded(script))).toBe(jobScript(script));
    }
    expect(withWaits(reworded(BACKUP_SCRIPT))).toBe(withWaits(BACKUP_SCRIPT));
    // The code is all still there: only the comment lines went.
    const code = (script: string) => script.split('\n').filter(line => line.trim() && !/^\s*#/.test(line));
    expect(code(withWaits(ROLES_SCRIPT))).toEqual([...code(WAIT_SCRIPT), ...code(ROLES_SCRIPT)]);
    expect(withWaits(ROLES_SCRIPT)).not.toMatch(/^\s*#/m);
  });

  test("only whole comment lines go: a # after code, inside a string, or in a here-document's text stays", () => {
    const script = [
      '# header',
      '',
      'set -eu',
      '  # indented comment',
      'echo "a # in a string" # and a trailing comment',
      "cat <<'SQL'",
      '# a line of the here-document',
      'SQL',
      'cat <<-EOF',
      '\t# tab-indented data',
      '\tEOF',
      '# after the here-documents',
      'echo done',
    ].join('\n');
    expect(jobScript(script)).toBe(
      [
        'set -eu',
        'echo "a # in a string" # and a trailing comment',
        "cat <<'SQL'",
        '# a line of the here-document',
        'SQL',
        'cat <<-EOF',
        '\t# tab-indented data',
        '\tEOF',
        'echo done',
      ].join('\n'),
    );
    for (const unread of ['cat <<\\EOF', 'cat <<A; cat <<B', 'echo $((1<<3))']) {
      expect(() => jobScript(`${unread}\n# data or comment?`)).toThrow(`jobScript: cannot read the '<<' in`);
    }
    const run = spawnSync('sh', ['-c', jobScript(script)], { encoding: 'utf8' });
    expect(run.stdout).toBe('a # in a string\n# a line of the here-document\n# tab-indented data\ndone\n');
  });
});

/**
 * Runs `wait.sh` and then `commands` with stand-ins for pg_isready and psql: each answers with the exit status and
 * message of the next line of its file (the last line again once they run out).
 */
function runWaits(commands: string, answers: { pg_isready?: string[]; psql?: string[] }, env: Record<string, string>) {
  const bin = tempFolder('wait-script-');
  for (const [tool, lines] of Object.entries(answers)) {
    fs.writeFileSync(path.join(bin, `${tool}.answers`), `${lines.join('\n')}\n`);
    fs.writeFileSync(
      path.join(bin, tool),
      [
        '#!/bin/sh',
        `answers="${bin}/${tool}.answers"`,
        'line=$(head -n 1 "$answers")',
        '[ "$(wc -l <"$answers")" -gt 1 ] && sed -i 1d "$answers"',
        'message=${line#* }',
        '[ "$message" = "$line" ] || echo "$message" >&2',
        'exit "${line%% *}"',
      ].join('\n'),
      { mode: 0o755 },
    );
  }
  const started = Date.now();
  const run = spawnSync('sh', ['-c', `${withWaits(commands)}`], {
    encoding: 'utf8',
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      PGHOST: 'db.example',
      PGPORT: '5432',
      PGUSER: 'todo_backup',
      PGDATABASE: 'todo',
      WAIT_INTERVAL_SECONDS: '1',
      ...env,
    },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, seconds: (Date.now() - started) / 1000 };
}

describe('wait.sh', () => {
  test('every wait of a run shares one bound: the second says how long it may still wait, and how long it waited', () => {
    const run = runWaits(
      'wait_for_server backup\nwait_for_login backup\necho dumped',
      { pg_isready: ['2', '2', '2', '0'], psql: ['2 psql: error: password authentication failed'] },
      { WAIT_SECONDS: '6' },
    );
    expect(run.code).toBe(75);
    // The whole bound, less the second the clock may tick during the first try.
    expect(run.stdout).toMatch(/^backup: waiting up to [56]s for db\.example:5432 to accept connections/m);
    expect(run.stdout).toContain('backup: done waiting for db.example:5432 to accept connections');
    // The server took about 3 of the 6 seconds: the login wait has what is left, and says so.
    const waiting = /^backup: waiting up to (\d+)s for role todo_backup to log in/m.exec(run.stdout);
    const gaveUp = /^backup: gave up after (\d+)s waiting for role todo_backup to log in/m.exec(run.stderr);
    expect({ waiting: waiting !== null, gaveUp: gaveUp !== null }).toEqual({ waiting: true, gaveUp: true });
    expect(Number(waiting![1])).toBeLessThanOrEqual(4);
    expect(Number(gaveUp![1])).toBeLessThan(6);
    expect(Number(gaveUp![1])).toBeGreaterThanOrEqual(Number(waiting![1]) - 1);
    expect(run.stdout).not.toContain('dumped');
  });

  test('the login wait says that a wrong password looks the same as a role not made yet', () => {
    const run = runWaits(
      'wait_for_login backup',
      { psql: ['2 psql: error: password authentication failed for user "todo_backup"'] },
      { WAIT_SECONDS: '1' },
    );
    expect(run.code).toBe(75);
    expect(run.stderr).toMatch(
      new RegExp(
        String.raw`^backup: gave up after \ds waiting for role todo_backup to log in to database todo ` +
          String.raw`\(the roles Job creates it and sets its password; a wrong password fails the same way\); ` +
          'last error: psql: error: password authentication failed',
        'm',
      ),
    );
  });

  test("the server wait says what pg_isready's exit status means, for each status it waits on", () => {
    const run = runWaits('wait_for_server roles\necho ready', { pg_isready: ['1', '2', '0'] }, { WAIT_SECONDS: '30' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        String.raw`^roles: waiting up to (30|29)s for db\.example:5432 to accept connections \(the server rejects ` +
          String.raw`connections \(pg_isready exit status 1: starting up, shutting down or recovering\)\)$`,
        'm',
      ),
    );
    expect(run.stdout).toMatch(/roles: done waiting for db.example:5432 to accept connections\nready\n$/);
    const unanswered = runWaits('wait_for_server roles', { pg_isready: ['2'] }, { WAIT_SECONDS: '1' });
    expect(unanswered.code).toBe(75);
    expect(unanswered.stderr).toContain(
      'last error: no response (pg_isready exit status 2: nothing listening, or a NetworkPolicy or DNS in the way)',
    );
  });

  test('pg_isready making no attempt (bad parameters) fails at once with exit code 64: no wait mends it', () => {
    const run = runWaits('wait_for_server backup\necho dumped', { pg_isready: ['3'] }, { WAIT_SECONDS: '30' });
    expect(run.code).toBe(64);
    expect(run.seconds).toBeLessThan(5);
    expect(run.stderr).toContain(
      'backup: cannot wait for db.example:5432 to accept connections: no attempt was made (pg_isready exit status 3: ' +
        'bad connection parameters; see PGHOST, PGPORT, PGUSER and the other PG* variables of the Job)',
    );
    expect(run.stdout).toBe('');
  });

  test('a client tool the shell cannot run (an image without it) fails at once with 64, not after the whole bound', () => {
    // The statuses a shell gives a command it cannot find (127) or run (126), as the stand-in answers them.
    for (const status of ['127 sh: 1: psql: not found', '126 sh: 1: psql: Permission denied']) {
      const run = runWaits('wait_for_login migrate\necho migrated', { psql: [status] }, { WAIT_SECONDS: '30' });
      expect(run.code).toBe(64);
      expect(run.seconds).toBeLessThan(5);
      expect(run.stderr).toMatch(
        /^migrate: cannot wait for role todo_backup to log in to database todo .*: sh: 1: psql/m,
      );
      expect(run.stdout).toBe('');
    }
  });
});
