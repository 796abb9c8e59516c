import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { Client, Pool } from 'pg';
import { parse, parseAllDocuments } from 'yaml';

import { loadMigrations, migrate } from '../../app/src/migrations';
import { identityOf, IMAGE_USERS } from '../../harness/pod-sandbox';
import { PostgresServer } from '../../harness/postgres-server';
import { ServiceProcess } from '../../harness/service-process';
import { BACKUP_MOUNT_PATH } from '../../lib/database/postgres-backup';
import { containerEnv } from '../support/container-env';
import { Manifest } from '../support/manifests';
import { runRolesJob } from '../support/roles-job';

// Backups that are proven to restore: the dev stage's backup CronJob and its restore Job, their exact commands from
// dist/, run as their pods run them (uid 999 with the postgres image's /etc/passwd, a read-only root, the env
// resolved from the synthesized ConfigMap and Secrets) against a real PostgreSQL with tasks in it, set up as a deploy
// sets it up: the image's superuser, then the roles Job. The backup logs in as the backup role, the restore as the owner. Debian's
// PostgreSQL 15 client and server binaries stand in for the image's. Two values are rewritten, as the cluster would
// resolve them: PGHOST (the Service's DNS name) to the server's loopback address, and BACKUP_DIR (the claim's
// mount path) to a folder of this machine that stays writable under the read-only root, as the claim does.
jest.setTimeout(120_000);

const ROOT = path.join(__dirname, '..', '..');
const STAGE = path.join(ROOT, 'dist', 'dev');
const RESTORE_FILE = path.join(STAGE, 'on-demand', 'postgres-restore.k8s.yaml');
const readObjects = (folder: string) =>
  fs
    .readdirSync(folder)
    .sort()
    .flatMap(file =>
      parseAllDocuments(fs.readFileSync(path.join(folder, file), 'utf8')).map(d => d.toJS() as Manifest),
    );
const objects = readObjects(path.join(STAGE, 'manifests'));
const only = (predicate: (o: Manifest) => boolean, what: string) => {
  const found = objects.filter(predicate);
  if (found.length !== 1) {
    throw new Error(`expected one ${what} in dist/dev, found ${found.length}`);
  }
  return found[0];
};
const cronJob = only(o => o.kind === 'CronJob', 'CronJob');
const deployJob = only(
  o => o.kind === 'Job' && o.metadata.labels?.['app.kubernetes.io/component'] === 'backup',
  'deploy-time dump Job',
);
const databaseContainer = only(o => o.kind === 'StatefulSet', 'StatefulSet').spec.template.spec.containers[0];
const backupPod = cronJob.spec.jobTemplate.spec.template.spec;
const backupContainer = backupPod.containers[0];
const NAMESPACE = cronJob.metadata.namespace!;
const DUMP_NAME = /^todo-\d{8}T\d{6}Z\.dump$/;

const host = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
let postgres: PostgresServer;
let backupDir: string;
let pool: Pool | undefined;
/** The owner role, as the migration Job logs in: it creates the schema and its tasks here. */
let owner: { database: string; user: string; password: string };

beforeAll(async () => {
  const db = containerEnv(databaseContainer, objects, NAMESPACE);
  postgres = PostgresServer.start([host]);
  await postgres.createDatabase(db.POSTGRES_DB, db.POSTGRES_USER, db.POSTGRES_PASSWORD);
  const roles = await runRolesJob(objects, postgres);
  expect(roles).toMatchObject({ code: 0 });
  const restoreEnv = containerEnv(
    parse(fs.readFileSync(RESTORE_FILE, 'utf8')).spec.template.spec.containers[0],
    objects,
    NAMESPACE,
  );
  owner = { database: db.POSTGRES_DB, user: restoreEnv.PGUSER, password: restoreEnv.PGPASSWORD };
  // Outside /tmp, which the pods mount an emptyDir over; owned by uid 999, as fsGroup makes the claim writable.
  backupDir = fs.mkdtempSync('/var/tmp/todo-e2e-backups-');
  fs.chownSync(backupDir, 999, 999);
});

afterAll(async () => {
  await pool?.end();
  postgres?.destroy();
  if (backupDir) {
    fs.rmSync(backupDir, { recursive: true, force: true });
  }
});

function connect(): Pool {
  pool ??= new Pool({
    host: postgres.host,
    port: postgres.port,
    user: owner.user,
    password: owner.password,
    database: owner.database,
    max: 2,
  });
  return pool;
}

/** What the service's GET /tasks returns, as PostgreSQL renders it: every row, every column, byte for byte. */
async function allTasks(): Promise<string> {
  const result = await connect().query("SELECT coalesce(json_agg(t ORDER BY t.id)::text, '[]') AS rows FROM tasks t");
  return result.rows[0].rows;
}

/** Runs `container` of `pod` (from dist/) as the kubelet would, with `overrides` of its env; resolves with its exit and output. */
async function runContainer(pod: any, container: any, overrides: Record<string, string> = {}) {
  expect(container.volumeMounts.find((m: any) => m.name === 'backups')?.mountPath).toBe(BACKUP_MOUNT_PATH);
  const env = {
    ...containerEnv(container, objects, NAMESPACE),
    PGHOST: postgres.host,
    BACKUP_DIR: backupDir,
    PATH: `${postgres.binDir}:/usr/bin:/bin`,
    ...overrides,
  };
  expect(containerEnv(container, objects, NAMESPACE).BACKUP_DIR).toBe(BACKUP_MOUNT_PATH);
  const identity = { ...identityOf(pod, container, IMAGE_USERS.postgres), volumes: [backupDir] };
  const process = new ServiceProcess(container.command, '/', env, identity);
  const timer = setTimeout(() => process.signal('SIGKILL'), 60_000);
  const code = await process.exit;
  clearTimeout(timer);
  return { code, output: process.lines.join('\n') };
}

const runBackup = (overrides: Record<string, string> = {}) => runContainer(backupPod, backupContainer, overrides);
/** A wait of seconds rather than the Job's minutes, tried every second. */
const SHORT_WAIT = { WAIT_SECONDS: '3', WAIT_INTERVAL_SECONDS: '1' };
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Drops the backup role, as a database the roles Job has not reached yet lacks it (its grants go first). */
async function dropBackupRole(): Promise<void> {
  const superuser = new Client({ ...postgres.superuser, database: owner.database });
  await superuser.connect();
  try {
    await superuser.query('DROP OWNED BY todo_backup');
    await superuser.query('DROP ROLE todo_backup');
  } finally {
    await superuser.end();
  }
}
const dumps = () =>
  fs
    .readdirSync(backupDir)
    .filter(file => DUMP_NAME.test(file))
    .sort();

/**
 * The restore Job as the README's commands make it: the committed template as it is for the latest dump, else
 * through `kubectl set env --local` (which prints nothing when the value does not change: hence two commands).
 */
function restoreJobFor(dump: string): Manifest {
  if (dump === 'latest') {
    return parse(fs.readFileSync(RESTORE_FILE, 'utf8'));
  }
  let rendered: string;
  try {
    rendered = execFileSync(
      'kubectl',
      ['set', 'env', '--local', '-f', RESTORE_FILE, `RESTORE_DUMP=${dump}`, '-o', 'yaml'],
      { encoding: 'utf8' },
    );
  } catch (error: any) {
    if (error.code !== 'ENOENT') {
      throw error;
    }
    // No kubectl on this machine: the same change by hand, so the rest of the test still runs.
    console.warn('kubectl not found: setting RESTORE_DUMP in the restore Job without it');
    const job = parse(fs.readFileSync(RESTORE_FILE, 'utf8'));
    job.spec.template.spec.containers[0].env.find((e: any) => e.name === 'RESTORE_DUMP').value = dump;
    return job;
  }
  return parse(rendered);
}

async function runRestore(dump: string) {
  const job = restoreJobFor(dump);
  const pod = job.spec.template.spec;
  return runContainer(pod, pod.containers[0]);
}

describe("the backup and restore pods' own commands, as their pods run them", () => {
  test('the CronJob and the deploy-time dump run one command, as uid 999 under a read-only root; the deploy-time one names its dumps -deploy', () => {
    const deployContainer = deployJob.spec.template.spec.containers[0];
    expect(containerEnv(deployContainer, objects, NAMESPACE).BACKUP_SUFFIX).toBe('-deploy');
    expect(containerEnv(backupContainer, objects, NAMESPACE).BACKUP_SUFFIX).toBeUndefined();
    // Only the deploy-time dump may start before the roles Job has made its role: it waits the longer.
    expect(containerEnv(deployContainer, objects, NAMESPACE).WAIT_SECONDS).toBe('720');
    expect(containerEnv(backupContainer, objects, NAMESPACE).WAIT_SECONDS).toBe('600');
    const withoutSuffix = (template: any) =>
      JSON.parse(
        JSON.stringify(template, (key, value) =>
          key === 'env' ? value.filter((e: any) => !['BACKUP_SUFFIX', 'WAIT_SECONDS'].includes(e.name)) : value,
        ),
      );
    expect(withoutSuffix(deployJob.spec.template)).toEqual(withoutSuffix(cronJob.spec.jobTemplate.spec.template));
    expect(identityOf(backupPod, backupContainer, IMAGE_USERS.postgres)).toMatchObject({
      uid: 999,
      gid: 999,
      readOnlyRootFilesystem: true,
    });
    expect(backupContainer.image).toBe(databaseContainer.image);
    expect(backupContainer.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(backupContainer.command[2]).toContain('pg_dump --format=custom');
  });

  test('the backup logs in as the backup role, the restore as the owner: neither is a superuser', async () => {
    const restoreContainer = parse(fs.readFileSync(RESTORE_FILE, 'utf8')).spec.template.spec.containers[0];
    expect(containerEnv(backupContainer, objects, NAMESPACE).PGUSER).toBe('todo_backup');
    expect(containerEnv(restoreContainer, objects, NAMESPACE).PGUSER).toBe('todo_owner');
    const superuser = new Client(postgres.superuser);
    await superuser.connect();
    try {
      const { rows } = await superuser.query(
        "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname IN ('todo_backup', 'todo_owner') ORDER BY 1",
      );
      expect(rows).toEqual([
        { rolname: 'todo_backup', rolsuper: false, rolcreatedb: false, rolcreaterole: false },
        { rolname: 'todo_owner', rolsuper: false, rolcreatedb: false, rolcreaterole: false },
      ]);
    } finally {
      await superuser.end();
    }
  });

  test('a backup of a database with tasks, the database dropped, the restore of that dump: the tasks are back, byte for byte', async () => {
    const db = connect();
    await migrate(db, loadMigrations());
    const titles = ['buy milk', 'naïve café ☕ — "quoted", \\backslash\\', 'line\nbreak', "it's 100% done"];
    for (const [index, title] of titles.entries()) {
      await db.query('INSERT INTO tasks (title, description) VALUES ($1, $2)', [title, `description ${index} 🚀`]);
    }
    await db.query('DELETE FROM tasks WHERE title = $1', ['buy milk']);
    const before = await allTasks();
    expect(JSON.parse(before)).toHaveLength(3);

    const backup = await runBackup();
    expect(backup).toMatchObject({ code: 0 });
    expect(dumps()).toHaveLength(1);
    const [dump] = dumps();
    expect(backup.output).toContain(`backup: wrote ${backupDir}/${dump}`);
    // Only the postgres user reads it, and nothing half-written is left beside it.
    const stat = fs.statSync(path.join(backupDir, dump));
    expect({ uid: stat.uid, mode: (stat.mode & 0o777).toString(8) }).toEqual({ uid: 999, mode: '600' });
    expect(fs.readdirSync(backupDir).filter(file => file.endsWith('.partial'))).toEqual([]);

    await pool!.end();
    pool = undefined;
    const superuser = new Client(postgres.superuser);
    await superuser.connect();
    await superuser.query(`DROP DATABASE ${owner.database} WITH (FORCE)`);
    await superuser.end();

    // The owner may not create a database: the restore says so, and the next deploy's roles Job creates it, empty.
    const refused = await runRestore(dump);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(
      `database ${owner.database} does not exist: deploy the stage (its roles Job creates it, empty), then restore again`,
    );
    expect(await runRolesJob(objects, postgres)).toMatchObject({ code: 0 });
    const restore = await runRestore(dump);
    expect(restore).toMatchObject({ code: 0 });
    expect(restore.output).toContain(`replacing the objects of database ${owner.database}`);
    expect(await allTasks()).toBe(before);
    // The identity's position came back too: a new task gets the next id, not one already taken.
    const next = await connect().query("INSERT INTO tasks (title) VALUES ('after the restore') RETURNING id");
    expect(next.rows[0].id).toBe(titles.length + 1);
  });

  test('restoring "latest" over a live database puts back exactly what the dump holds, in one transaction', async () => {
    const db = connect();
    const dumped = await allTasks();
    expect(await runBackup()).toMatchObject({ code: 0 });
    await db.query('DELETE FROM tasks');
    await db.query("INSERT INTO tasks (title) VALUES ('written after the dump')");
    // The service's pods keep the list while they LISTEN (app/src/task-list-cache.ts): a restore, which loads its
    // rows before it creates the trigger, must tell them itself.
    const listener = new Client({
      host: postgres.host,
      port: postgres.port,
      user: owner.user,
      password: owner.password,
      database: owner.database,
    });
    const heard: string[] = [];
    listener.on('notification', message => heard.push(message.channel));
    await listener.connect();
    try {
      await listener.query('LISTEN tasks_changed');
      // A round trip: the notifications of the changes above are delivered before its answer.
      await listener.query('SELECT 1');
      heard.length = 0;
      const restore = await runRestore('latest');
      expect(restore).toMatchObject({ code: 0 });
      expect(restore.output).toContain(`replacing the objects of database ${owner.database}`);
      expect(await allTasks()).toBe(dumped);
      await listener.query('SELECT 1');
      expect(heard).toEqual(['tasks_changed']);
    } finally {
      await listener.end();
    }
  });

  test('a restore of a dump that is not there, or of a path, changes nothing and says what there is', async () => {
    const before = await allTasks();
    const missing = await runRestore('todo-20000101T000000Z.dump');
    expect(missing.code).toBe(1);
    expect(missing.output).toContain(`no dump 'todo-20000101T000000Z.dump' in ${backupDir}; the dumps there are:`);
    expect(missing.output).toContain(dumps()[0]);
    const escape = await runRestore('../etc/passwd');
    expect(escape.code).toBe(2);
    expect(escape.output).toContain('RESTORE_DUMP must be the file name of a dump');
    expect(await allTasks()).toBe(before);
  });

  test("a dump that fails after it logged in leaves no file under a dump's name, and prunes nothing", async () => {
    // More dumps than the retention (7): a dump that succeeded would prune the oldest.
    for (const day of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const file = path.join(backupDir, `todo-2025010${day}T030000Z.dump`);
      fs.writeFileSync(file, 'x');
      fs.chownSync(file, 999, 999);
    }
    const before = dumps();
    expect(before.length).toBeGreaterThan(7);
    // The backup role logs in, and pg_dump is refused the table mid-dump.
    const superuser = new Client({ ...postgres.superuser, database: owner.database });
    await superuser.connect();
    try {
      await superuser.query('REVOKE SELECT ON tasks FROM todo_backup');
      const failed = await runBackup(SHORT_WAIT);
      expect(failed.output).toContain('permission denied for table tasks');
      // pg_dump's own failure, neither a success nor a wait that gave up.
      expect(failed.code).not.toBe(0);
      expect(failed.code).not.toBe(75);
      expect(failed.output).not.toContain('waiting');
    } finally {
      await superuser.query('GRANT SELECT ON tasks TO todo_backup');
      await superuser.end();
    }
    expect(dumps()).toEqual(before);
    expect(fs.readdirSync(backupDir).filter(file => file.endsWith('.partial'))).toEqual([]);
  });

  test('a wrong password fails the login wait within its bound, exit code 75, and the log says a wrong password looks the same', async () => {
    const before = dumps();
    const started = Date.now();
    const failed = await runBackup({ PGPASSWORD: 'wrong-password', ...SHORT_WAIT });
    expect(failed.code).toBe(75);
    expect((Date.now() - started) / 1000).toBeLessThan(10);
    expect(failed.output).toContain(
      '(the roles Job creates it and sets its password; a wrong password fails the same way)',
    );
    expect(failed.output).toContain('password authentication failed');
    expect(dumps()).toEqual(before);
    expect(fs.readdirSync(backupDir).filter(file => file.endsWith('.partial'))).toEqual([]);
  });

  test("deploy dumps are pruned among themselves: a day of deploys never prunes scheduled ones; restore's latest: the newest of both", async () => {
    for (const file of fs.readdirSync(backupDir)) {
      fs.rmSync(path.join(backupDir, file));
    }
    const scheduled = Array.from({ length: 7 }, (_, day) => `todo-202601${String(day + 10)}T030000Z.dump`);
    const deployed = Array.from({ length: 7 }, (_, hour) => `todo-20260120T${String(hour + 10)}0000Z-deploy.dump`);
    for (const file of [...scheduled, ...deployed]) {
      fs.writeFileSync(path.join(backupDir, file), 'x');
      fs.chownSync(path.join(backupDir, file), 999, 999);
    }
    const deploy = await runContainer(deployJob.spec.template.spec, deployJob.spec.template.spec.containers[0]);
    expect(deploy).toMatchObject({ code: 0 });
    const files = fs.readdirSync(backupDir).sort();
    // Every scheduled dump stays; of the deploy-time ones, the newest 7 (the new one among them).
    expect(files.filter(f => /Z\.dump$/.test(f))).toEqual(scheduled);
    const deployDumps = files.filter(f => f.endsWith('-deploy.dump'));
    expect(deployDumps).toHaveLength(7);
    expect(deployDumps).toEqual([...deployed.slice(1), deployDumps[6]]);
    expect(deploy.output).toContain(`backup: pruned ${deployed[0]} (keeping the newest 7 of the -deploy dumps)`);
    // The new deploy-time dump is a real one: the restore of `latest` takes it, over the newest scheduled one.
    const latest = await runRestore('latest');
    expect(latest).toMatchObject({ code: 0 });
    expect(latest.output).toContain(`with those of ${deployDumps[6]}, in one transaction`);
  });

  test('a backup that starts before the roles Job has made its role waits for it, and dumps once the role logs in', async () => {
    const before = dumps();
    await dropBackupRole();
    // kubectl and Flux start the roles Job and the backup together: here the roles Job runs 3 seconds later.
    const backup = runBackup({ WAIT_SECONDS: '60', WAIT_INTERVAL_SECONDS: '1' });
    await sleep(3000);
    expect(await runRolesJob(objects, postgres)).toMatchObject({ code: 0 });
    const result = await backup;
    expect(result).toMatchObject({ code: 0 });
    expect(result.output).toMatch(
      new RegExp(
        String.raw`^backup: waiting up to (60|59)s for role todo_backup to log in to database todo` +
          String.raw` \(the roles Job creates it and sets its password; a wrong password fails the same way\)` +
          String.raw` \(psql: error: .*password authentication failed for user "todo_backup"`,
        'm',
      ),
    );
    expect(result.output).toContain('backup: done waiting for role todo_backup to log in to database todo');
    const written = dumps().filter(dump => !before.includes(dump));
    expect(written).toHaveLength(1);
    expect(result.output).toContain(`backup: wrote ${backupDir}/${written[0]}`);
  });

  test('a backup whose role never comes gives up within its bound, saying what it waited for, with exit code 75', async () => {
    const before = dumps();
    await dropBackupRole();
    try {
      const started = Date.now();
      const result = await runBackup(SHORT_WAIT);
      const seconds = (Date.now() - started) / 1000;
      expect(result.code).toBe(75);
      expect(result.output).toMatch(
        new RegExp(
          String.raw`^backup: gave up after [2-5]s waiting for role todo_backup to log in to database todo` +
            String.raw` \(the roles Job creates it and sets its password; a wrong password fails the same way\); last error: ` +
            String.raw`psql: error: .*password authentication failed for user "todo_backup"`,
          'm',
        ),
      );
      // The bound and one try past it (a login attempt answers at once here), not the Job's minutes.
      expect(seconds).toBeLessThan(10);
      expect(dumps()).toEqual(before);
    } finally {
      expect(await runRolesJob(objects, postgres)).toMatchObject({ code: 0 });
    }
  });

  test('a backup that starts before the server accepts connections waits for it; one that never does gives up, exit code 75', async () => {
    // The pool's idle connections would fail when the server stops.
    await pool?.end();
    pool = undefined;
    postgres.stop();
    let stopped = true;
    try {
      const refused = await runBackup(SHORT_WAIT);
      expect(refused.code).toBe(75);
      expect(refused.output).toMatch(
        new RegExp(
          String.raw`^backup: gave up after [3-5]s waiting for ${postgres.host}:${postgres.port} to accept connections;` +
            String.raw` last error: no response \(pg_isready exit status 2: nothing listening, or a NetworkPolicy or DNS`,
          'm',
        ),
      );
      const backup = runBackup({ WAIT_SECONDS: '60', WAIT_INTERVAL_SECONDS: '1' });
      await sleep(3000);
      postgres.startAgain();
      stopped = false;
      const result = await backup;
      expect(result).toMatchObject({ code: 0 });
      expect(result.output).toMatch(
        new RegExp(
          String.raw`^backup: waiting up to (60|59)s for ${postgres.host}:${postgres.port} to accept connections`,
          'm',
        ),
      );
      expect(result.output).toContain(
        `backup: done waiting for ${postgres.host}:${postgres.port} to accept connections`,
      );
    } finally {
      if (stopped) {
        postgres.startAgain();
      }
    }
  });

  test('a pg_isready that makes no attempt (bad connection parameters) fails at once with exit code 64, not a wait', async () => {
    const started = Date.now();
    const result = await runBackup({ PGSSLMODE: 'bogus', WAIT_SECONDS: '60', WAIT_INTERVAL_SECONDS: '1' });
    expect(result.code).toBe(64);
    expect((Date.now() - started) / 1000).toBeLessThan(10);
    expect(result.output).toContain(
      `backup: cannot wait for ${postgres.host}:${postgres.port} to accept connections: no attempt was made (pg_isready exit status 3`,
    );
  });

  test('with more dumps than the retention, a backup keeps the newest ones of this database only, and clears stale partial files', async () => {
    const retention = Number(containerEnv(backupContainer, objects, NAMESPACE).BACKUP_RETAIN);
    expect(retention).toBe(7);
    for (const file of fs.readdirSync(backupDir)) {
      fs.rmSync(path.join(backupDir, file));
    }
    const old = Array.from({ length: 9 }, (_, day) => `todo-202601${String(day + 10)}T030000Z.dump`);
    const unrelated = ['other-20250101T030000Z.dump', 'notes.txt', 'todo-latest.dump'];
    const dayOld = Date.now() / 1000 - 2 * 24 * 3600;
    for (const file of [
      ...old,
      ...unrelated,
      '.todo-20260101T030000Z.dump.partial',
      '.todo-20260120T030000Z.dump.partial',
    ]) {
      fs.writeFileSync(path.join(backupDir, file), 'x');
      fs.chownSync(path.join(backupDir, file), 999, 999);
    }
    // One partial file is two days old (a run killed by its deadline), the other could still be being written.
    fs.utimesSync(path.join(backupDir, '.todo-20260101T030000Z.dump.partial'), dayOld, dayOld);

    const backup = await runBackup();
    expect(backup).toMatchObject({ code: 0 });
    const kept = dumps();
    expect(kept).toHaveLength(retention);
    const newest = kept[kept.length - 1];
    expect(newest > old[old.length - 1]).toBe(true);
    expect(kept).toEqual([...old.slice(old.length - (retention - 1)), newest]);
    expect(backup.output).toContain(`backup: pruned ${old[0]} (keeping the newest ${retention})`);
    for (const file of [...unrelated, '.todo-20260120T030000Z.dump.partial']) {
      expect({ file, kept: fs.existsSync(path.join(backupDir, file)) }).toEqual({ file, kept: true });
    }
    expect(fs.existsSync(path.join(backupDir, '.todo-20260101T030000Z.dump.partial'))).toBe(false);
  });
});
