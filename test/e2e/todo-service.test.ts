import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { Client, Pool } from 'pg';
import { parseAllDocuments } from 'yaml';

import { loadMigrations, migrate } from '../../app/src/migrations';
import { debianBinary } from '../../harness/debian-packages';
import { identityOf, IMAGE_USERS } from '../../harness/pod-sandbox';
import { PostgresServer } from '../../harness/postgres-server';
import { ServiceProcess, waitFor } from '../../harness/service-process';
import { resolveConfig, STAGES } from '../../lib/config';
import { containerEnv } from '../support/container-env';
import { Manifest, synthStack } from '../support/manifests';
import { rolesJobEnv, runRolesJob } from '../support/roles-job';
import { tempFolder } from '../support/temp-folders';

// The whole system, tested together: every command the dev stage's pods run (init containers, the database's exec
// probes, the roles Job, the server, its preStop hook, the migration Job), run as those pods run them, each logged
// in as its own role: the env resolved from the
// synthesized objects, the pod's uid/gid with the image's own /etc/passwd, a read-only root and fresh emptyDirs.
// Debian's PostgreSQL server and client binaries stand in for the postgres image's.
jest.setTimeout(60_000);

const ROOT = path.join(__dirname, '..', '..');
const APP_DIR = path.join(ROOT, 'app');
const STAGE = path.join(ROOT, 'dist', 'dev');

const MANIFESTS = path.join(STAGE, 'manifests');
const objects: Manifest[] = fs
  .readdirSync(MANIFESTS)
  .sort()
  .flatMap(file =>
    parseAllDocuments(fs.readFileSync(path.join(MANIFESTS, file), 'utf8')).map(d => d.toJS() as Manifest),
  );
const find = (kind: string, predicate: (o: Manifest) => boolean = () => true) => {
  const found = objects.filter(o => o.kind === kind && predicate(o));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} in dist/dev, found ${found.length}`);
  }
  return found[0];
};
const database = find('StatefulSet', o => o.metadata.labels?.['app.kubernetes.io/component'] === 'database');
const server = find('Deployment', o => o.metadata.labels?.['app.kubernetes.io/component'] === 'server');
const job = find('Job', o => o.metadata.labels?.['app.kubernetes.io/component'] === 'migration');
const databasePod = database.spec.template.spec;
const serverPod = server.spec.template.spec;
const jobPod = job.spec.template.spec;
const databaseContainer = databasePod.containers[0];
const appContainer = serverPod.containers[0];
const jobContainer = jobPod.containers[0];
// Who each container runs as, in its own image.
const asDatabase = identityOf(databasePod, databaseContainer, IMAGE_USERS.postgres);
const asServer = identityOf(serverPod, appContainer, IMAGE_USERS.node);
const asMigration = identityOf(jobPod, jobContainer, IMAGE_USERS.node);
const asWaitForDatabase = identityOf(serverPod, serverPod.initContainers[0], IMAGE_USERS.postgres);

// A loopback address of its own, so that the database can keep its port 5432 and the service its port 5000.
const hosts = Array.from(
  { length: 5 },
  () =>
    `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`,
);

let postgres: PostgresServer;
let service: ServiceProcess | undefined;
let appEnv: Record<string, string>;
let migrateEnv: Record<string, string>;
let base: string;
// The image's PATH: the node image has node on it, the postgres image its client binaries.
let nodePath: string;
let postgresPath: string;

beforeAll(async () => {
  execFileSync('npm', ['run', '--silent', 'build', '--workspace', 'app'], { cwd: ROOT, stdio: 'pipe' });
  const db = containerEnv(databaseContainer, objects, database.metadata.namespace!);
  postgres = PostgresServer.start(hosts, 5432, true);
  await postgres.createDatabase(db.POSTGRES_DB, db.POSTGRES_USER, db.POSTGRES_PASSWORD);
  // A deploy runs the roles Job before the migration, as the superuser the image created.
  const roles = await runRolesJob(objects, postgres);
  if (roles.code !== 0) {
    throw new Error(`the roles Job failed:\n${roles.output}`);
  }
  nodePath = `${path.dirname(process.execPath)}:/usr/bin:/bin`;
  postgresPath = `${postgres.binDir}:/usr/bin:/bin`;
  // The Service's name does not resolve here: DB_HOST is the one value rewritten, to the server's address.
  appEnv = {
    ...containerEnv(appContainer, objects, server.metadata.namespace!),
    DB_HOST: postgres.host,
    PATH: nodePath,
  };
  migrateEnv = {
    ...containerEnv(jobContainer, objects, job.metadata.namespace!),
    DB_HOST: postgres.host,
    PATH: nodePath,
  };
  base = `http://${postgres.host}:${appContainer.ports[0].containerPort}`;
});

afterAll(async () => {
  await service?.stop();
  postgres?.destroy();
});

/** Runs the migration Job's command, as its container would, and returns its exit code and logs. */
async function runMigration(env: Record<string, string>): Promise<{ code: number | null; logs: any[] }> {
  const migration = new ServiceProcess(jobContainer.command, APP_DIR, env, asMigration);
  const code = await migration.exit;
  return { code, logs: migration.logs };
}

function startService(env: Record<string, string> = appEnv): ServiceProcess {
  // The image's command (node dist/server.js, in its WORKDIR) with the container's env, plus where to listen: the
  // same loopback address (HOST), on the container port (PORT, which the Deployment sets).
  return new ServiceProcess(['node', 'dist/server.js'], APP_DIR, { ...env, HOST: postgres.host }, asServer);
}

/** Runs an init container or an exec probe/hook of a pod as the kubelet would; resolves with its exit and output. */
async function runInPod(
  command: readonly string[],
  env: Record<string, string>,
  identity: typeof asServer,
  timeoutMs = 15_000,
) {
  const process = new ServiceProcess(command, '/', env, identity);
  const timer = setTimeout(() => process.signal('SIGKILL'), timeoutMs);
  const code = await process.exit;
  clearTimeout(timer);
  return { code, output: process.lines.join('\n') };
}

describe("the dev pods' own commands, run as the pods run them", () => {
  const initContainer = serverPod.initContainers[0];
  const initEnv = () => ({
    ...containerEnv(initContainer, objects, server.metadata.namespace!),
    DB_HOST: postgres.host,
    PATH: postgresPath,
  });

  test('the harness reproduces the cluster: an unnamed user makes pg_isready give up as the app pods\' uid ("no attempt")', async () => {
    // The init container's command before the fix: no -U, so libpq looks the uid up in the postgres image's
    // /etc/passwd, which has no uid 1000. If this ever passes, the harness no longer runs commands as the pod does.
    const before = await runInPod(
      ['pg_isready', '-h', postgres.host, '-p', '5432', '-t', '2'],
      initEnv(),
      asWaitForDatabase,
    );
    expect(before.code).toBe(3);
    expect(before.output).toContain('no attempt');
  });

  test("wait-for-database (app and Job pods) finishes once the database accepts connections, and the Job's once its owner role logs in", async () => {
    expect(asWaitForDatabase).toMatchObject({ uid: 1000, gid: 1000, readOnlyRootFilesystem: true });
    expect(await runInPod(initContainer.command, initEnv(), asWaitForDatabase)).toMatchObject({ code: 0 });
    // The migration's: the database Jobs' bounded waits (scripts/wait.sh), for the server and its owner role.
    const jobInit = jobPod.initContainers[0];
    expect(jobInit.name).toBe('wait-for-database');
    expect(jobInit.command[2]).toContain('wait_for_login migration');
    const jobInitEnv: Record<string, string> = {
      ...containerEnv(jobInit, objects, job.metadata.namespace!),
      PGHOST: postgres.host,
      PATH: postgresPath,
    };
    expect(jobInitEnv).toMatchObject({ PGUSER: migrateEnv.DB_USER, WAIT_SECONDS: '720' });
    const asJobInit = identityOf(jobPod, jobInit, IMAGE_USERS.postgres);
    expect(asJobInit).toMatchObject({ uid: 1000, gid: 1000, readOnlyRootFilesystem: true });
    const ready = await runInPod(jobInit.command, jobInitEnv, asJobInit);
    expect(ready).toMatchObject({ code: 0 });
    expect(ready.output).toBe('');
    // A role that does not log in (here a wrong password, as a role not made yet looks): it gives up within its
    // bound (seconds here, not the Job's 12 minutes) with exit code 75, which fails the Job (podFailurePolicy).
    const refused = await runInPod(
      jobInit.command,
      { ...jobInitEnv, PGPASSWORD: 'not-the-password', WAIT_SECONDS: '2', WAIT_INTERVAL_SECONDS: '1' },
      asJobInit,
    );
    expect(refused.code).toBe(75);
    // The time it waited: the bound, give or take the second the clock ticks in.
    expect(refused.output).toMatch(
      new RegExp(
        String.raw`^migration: gave up after [1-4]s waiting for role ${migrateEnv.DB_USER} to log in to database ` +
          jobInitEnv.PGDATABASE,
        'm',
      ),
    );
    expect(job.spec.podFailurePolicy.rules[0].onExitCodes).toMatchObject({
      containerName: jobInit.name,
      values: [64, 75],
    });
  });

  test('wait-for-database keeps waiting while the database is down, and finishes when it is back', async () => {
    postgres.stop();
    const waiting = new ServiceProcess(initContainer.command, '/', initEnv(), asWaitForDatabase);
    await new Promise(resolve => setTimeout(resolve, 3000));
    expect(waiting.alive).toBe(true);
    await waiting.waitForLine(line => line.includes(`waiting for ${postgres.host}:5432`), 'its waiting line');
    postgres.startAgain();
    expect(await waiting.exit).toBe(0);
  });

  test("the database's startup, readiness and liveness probes pass as uid 999, and fail while it is down", async () => {
    const env = { ...containerEnv(databaseContainer, objects, database.metadata.namespace!), PATH: postgresPath };
    expect(asDatabase).toMatchObject({ uid: 999, gid: 999, readOnlyRootFilesystem: true });
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const result = await runInPod(
        databaseContainer[probe].exec.command,
        env,
        asDatabase,
        databaseContainer[probe].timeoutSeconds * 1000,
      );
      expect({ probe, ...result }).toMatchObject({ probe, code: 0 });
    }
    postgres.stop();
    try {
      const down = await runInPod(databaseContainer.readinessProbe.exec.command, env, asDatabase);
      expect(down.code).not.toBe(0);
    } finally {
      postgres.startAgain();
    }
    expect(databaseContainer).not.toHaveProperty('lifecycle');
  });

  test("the server's preStop hook runs and returns as uid 1000, within the grace period", async () => {
    const started = Date.now();
    expect(await runInPod(appContainer.lifecycle.preStop.exec.command, appEnv, asServer)).toMatchObject({ code: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
    expect(Date.now() - started).toBeLessThan(serverPod.terminationGracePeriodSeconds * 1000);
  });
});

const post = (body: unknown, raw = false) =>
  fetch(`${base}/tasks`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: raw ? (body as string) : JSON.stringify(body),
  });

describe('the todo service, configured by dist/dev, on a real PostgreSQL', () => {
  test('the configuration comes from the synthesized objects, with only DB_HOST rewritten', () => {
    expect(jobContainer.command).toEqual(['node', 'dist/migrate.js']);
    expect(Object.keys(appEnv).sort()).toEqual([
      'DB_HOST',
      'DB_NAME',
      'DB_PASSWORD',
      'DB_PORT',
      'DB_USER',
      'PATH',
      'PORT',
    ]);
    expect(appEnv.DB_PORT).toBe('5432');
    expect(appEnv.PORT).toBe(String(appContainer.ports[0].containerPort));
    expect(appEnv.DB_PASSWORD).toContain('dev-only');
    // The server logs in as the service role, the migration as the owner: the same database, two roles.
    expect(appEnv.DB_USER).toBe('todo_service');
    expect(migrateEnv.DB_USER).toBe('todo_owner');
    expect(migrateEnv.DB_PASSWORD).not.toBe(appEnv.DB_PASSWORD);
    const { PORT: _port, DB_USER: _user, DB_PASSWORD: _password, ...appDatabaseEnv } = appEnv;
    const { DB_USER: _owner, DB_PASSWORD: _ownerPassword, ...migrateDatabaseEnv } = migrateEnv;
    expect(migrateDatabaseEnv).toEqual(appDatabaseEnv);
  });

  test("the migration Job's command migrates, and a second run applies nothing", async () => {
    const first = await runMigration(migrateEnv);
    expect(first.code).toBe(0);
    expect(first.logs.find(l => l.msg === 'applied 2 migration(s)')).toMatchObject({ applied: ['0001', '0002'] });
    const second = await runMigration(migrateEnv);
    expect(second.code).toBe(0);
    expect(second.logs.find(l => l.msg === 'schema is up to date')).toMatchObject({
      applied: [],
      alreadyApplied: ['0001', '0002'],
    });
  });

  test('migrations run concurrently apply once, queued on an advisory lock', async () => {
    const admin = new Client(postgres.superuser);
    await admin.connect();
    await admin.query(`CREATE DATABASE concurrent OWNER ${admin.escapeIdentifier(migrateEnv.DB_USER)}`);
    const env = { ...migrateEnv, DB_NAME: 'concurrent' };
    const results = await Promise.all([runMigration(env), runMigration(env), runMigration(env)]);
    expect(results.map(r => r.code)).toEqual([0, 0, 0]);
    expect(results.flatMap(r => r.logs.flatMap(l => l.applied ?? []))).toEqual(['0001', '0002']);
    await admin.end();
  });

  test('a migration changed after it was applied is refused; malformed or duplicate file names are refused', async () => {
    const pool = new Pool({
      host: postgres.host,
      port: 5432,
      user: migrateEnv.DB_USER,
      password: migrateEnv.DB_PASSWORD,
      database: 'concurrent',
    });
    try {
      const [original] = loadMigrations();
      await expect(
        migrate(pool, [{ ...original, sql: `${original.sql}\n-- edited`, checksum: 'edited' }]),
      ).rejects.toThrow('migration 0001_create_tasks was changed after it was applied; add a new migration instead');
      expect((await migrate(pool, [original])).alreadyApplied).toEqual(['0001']);
    } finally {
      await pool.end();
    }
    const dir = tempFolder('migrations-');
    fs.writeFileSync(path.join(dir, '1_first.sql'), 'SELECT 1;');
    expect(() => loadMigrations(dir)).toThrow(
      "migration file '1_first.sql' must be named NNNN_name.sql, such as 0002_add_due_date.sql",
    );
    fs.rmSync(path.join(dir, '1_first.sql'));
    fs.writeFileSync(path.join(dir, '0002_a.sql'), 'SELECT 1;');
    fs.writeFileSync(path.join(dir, '0002_b.sql'), 'SELECT 2;');
    expect(() => loadMigrations(dir)).toThrow('two migration files have version 0002');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a wrong password fails the migration with a clear message, not a stack trace', async () => {
    const { code, logs } = await runMigration({ ...migrateEnv, DB_PASSWORD: 'wrong-password' });
    expect(code).toBe(1);
    expect(logs.find(l => l.level === 60)?.msg).toMatch(
      /^migration failed: password authentication failed for user "todo_owner"/,
    );
  });

  test('the service starts with the Deployment env and reports healthy and ready', async () => {
    service = startService();
    await waitFor(`${base}/readyz`);
    expect(await service.waitForLog('started: every migration is applied')).toMatchObject({ level: 30 });
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready' });
  });

  test("POST and GET /tasks keep the tutorial's contract", async () => {
    // An empty table is an empty list (PostgreSQL's json_agg of no rows is NULL, not []).
    const empty = await fetch(`${base}/tasks`);
    expect(empty.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await empty.text()).toBe('{"tasks":[]}');
    const created = await post({ title: 'New task', description: 'Persisted in PostgreSQL' });
    expect(created.status).toBe(201);
    const { task } = (await created.json()) as { task: any };
    expect(task).toEqual({ id: expect.any(Number), title: 'New task', description: 'Persisted in PostgreSQL' });
    expect(created.headers.get('location')).toBe(`/tasks/${task.id}`);
    expect((await post({ title: 'Second' })).status).toBe(201);
    const list = await fetch(`${base}/tasks`);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ tasks: [task, { id: expect.any(Number), title: 'Second', description: '' }] });
  });

  test('GET /tasks (JSON written by PostgreSQL) returns any text exactly as POST stored it', async () => {
    const title = 'quotes " and \\ backslash, </script> & tab\t';
    const description = 'new\nline, unicode é 漢字 😀, control \u0001, and \u2028';
    const { task } = (await (await post({ title, description })).json()) as { task: any };
    expect(task).toEqual({ id: expect.any(Number), title, description });
    const { tasks } = (await (await fetch(`${base}/tasks`)).json()) as { tasks: any[] };
    expect(tasks.find(t => t.id === task.id)).toEqual(task);
    expect(tasks.map(t => t.id)).toEqual([...tasks.map(t => t.id)].sort((a, b) => a - b));
  });

  test('GET, PUT and DELETE /tasks/:id', async () => {
    const { task } = (await (await post({ title: 'Edit me' })).json()) as { task: any };
    expect(await (await fetch(`${base}/tasks/${task.id}`)).json()).toEqual({ task });
    const put = await fetch(`${base}/tasks/${task.id}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'Edited', description: 'now' }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ task: { id: task.id, title: 'Edited', description: 'now' } });
    expect((await fetch(`${base}/tasks/${task.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${base}/tasks/${task.id}`)).status).toBe(404);
  });

  test.each([
    ['a missing title', { description: 'x' }, 400, "'title' is required"],
    ['an empty title', { title: '' }, 400, "'title' must not be empty"],
    ['a blank title', { title: '   ' }, 400, "'title' must not be blank"],
    ['a title over 80 characters', { title: 'x'.repeat(81) }, 400, "'title' must be at most 80 characters"],
    [
      'a description over 200 characters',
      { title: 'ok', description: 'x'.repeat(201) },
      400,
      "'description' must be at most 200 characters",
    ],
    ['a title of the wrong type', { title: 42 }, 400, "'title' must be a string"],
    ['a description of the wrong type', { title: 'ok', description: ['x'] }, 400, "'description' must be a string"],
    [
      'an unknown field',
      { title: 'ok', done: true },
      400,
      "unknown field 'done'; the fields are 'title' and 'description'",
    ],
    ['a body that is not an object', ['title'], 400, 'the body must be a JSON object'],
  ])('POST /tasks with %s: a clear JSON error', async (_what, body, status, message) => {
    const response = await post(body);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: message });
  });

  test.each([
    ['malformed JSON', () => post('{"title": "x",', true), 400, 'the body is not valid JSON'],
    [
      'a body over the size limit',
      () => post({ title: 'x', description: 'y'.repeat(20_000) }),
      400,
      'the body is larger than 16384 bytes',
    ],
    ['an empty JSON body', () => post('', true), 400, 'the body must be a JSON object'],
    [
      'a plain-text body',
      () => fetch(`${base}/tasks`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'title' }),
      400,
      'the body must be a JSON object',
    ],
    [
      'a body of another media type',
      () =>
        fetch(`${base}/tasks`, { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: '<title/>' }),
      415,
      "the body must be JSON, with 'Content-Type: application/json'",
    ],
    ['an unknown id', () => fetch(`${base}/tasks/999999`), 404, 'task 999999 not found'],
    ['an id that is not a number', () => fetch(`${base}/tasks/abc`), 400, "'id' must be a positive integer, got 'abc'"],
    [
      'an id beyond the column',
      () => fetch(`${base}/tasks/99999999999`, { method: 'DELETE' }),
      400,
      "'id' must be a positive integer, got '99999999999'",
    ],
    [
      'PUT to an unknown id',
      () =>
        fetch(`${base}/tasks/999999`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          body: '{"title":"x"}',
        }),
      404,
      'task 999999 not found',
    ],
    ['an unknown route', () => fetch(`${base}/todos`), 404, 'no route GET /todos'],
  ])('%s: a clear JSON error', async (_what, request, status, message) => {
    const response = await request();
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: message });
  });

  describe('GET /tasks from memory (task-list-cache.ts): never a list older than the last change, whoever made it', () => {
    const metric = async (url: string, series: string) => {
      const line = (await (await fetch(`${url}/metrics`)).text()).split('\n').find(l => l.startsWith(`${series} `));
      return line === undefined ? NaN : Number(line.slice(series.length + 1));
    };
    const listening = (url: string) => metric(url, 'todo_task_list_cache_listening');
    const until = async (what: string, condition: () => Promise<boolean>, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await condition())) {
        if (Date.now() > deadline) {
          throw new Error(`not within ${timeoutMs} ms: ${what}`);
        }
        await new Promise(resolve => setTimeout(resolve, 50));
      }
    };
    const titles = async (url: string) =>
      ((await (await fetch(`${url}/tasks`)).json()) as { tasks: Array<{ title: string }> }).tasks.map(t => t.title);
    // Reads the list until a read is served from memory (a notification still on its way drops the list once more).
    const warm = async (url: string) =>
      until(
        `${url} serves the list from memory`,
        async () => {
          const hits = await metric(url, 'todo_task_list_cache_hits_total');
          await titles(url);
          return (await metric(url, 'todo_task_list_cache_hits_total')) === hits + 1;
        },
        2000,
      );
    let other: ServiceProcess;
    let otherBase: string;
    let admin: Client;
    beforeAll(async () => {
      other = startService({ ...appEnv, PORT: '5002' });
      otherBase = `http://${postgres.host}:5002`;
      admin = new Client({ ...postgres.superuser, database: appEnv.DB_NAME });
      admin.on('error', () => undefined);
      await admin.connect();
      await waitFor(`${otherBase}/readyz`);
      await until('both pods listen', async () => (await listening(base)) === 1 && (await listening(otherBase)) === 1);
    });
    afterAll(async () => {
      await other?.stop();
      await admin?.end();
    });

    test('a change by this pod is in its very next answer; one by another pod or by SQL, within a second', async () => {
      await warm(base);
      await warm(otherBase);
      // This pod's own POST: no waiting at all.
      expect((await post({ title: 'cache: posted here' })).status).toBe(201);
      expect(await titles(base)).toContain('cache: posted here');
      // The other pod hears of it from PostgreSQL (the trigger's NOTIFY).
      await until(
        'the other pod lists the POST',
        async () => (await titles(otherBase)).includes('cache: posted here'),
        1000,
      );
      await warm(base);
      await warm(otherBase);
      await admin.query("UPDATE tasks SET title = 'cache: renamed by SQL' WHERE title = 'cache: posted here'");
      await until(
        'both pods list the SQL change',
        async () =>
          (await titles(base)).includes('cache: renamed by SQL') &&
          (await titles(otherBase)).includes('cache: renamed by SQL'),
        1000,
      );
      await warm(base);
      await admin.query("DELETE FROM tasks WHERE title = 'cache: renamed by SQL'");
      await until('the SQL delete is seen', async () => !(await titles(base)).includes('cache: renamed by SQL'), 1000);
    });

    test('while its listening connection is gone, a pod reads every request from the database; it reconnects and keeps the list again', async () => {
      await warm(base);
      const { rows } = await admin.query(
        "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = 'todo-service-listener'",
      );
      expect(rows.length).toBe(2);
      // The change can reach no listener: a pod that kept its list, or took it up again when it reconnected, would
      // serve it without the new task for good. (The pod learns that its connection is gone a moment after it is.)
      await admin.query("INSERT INTO tasks (title) VALUES ('cache: while nobody listened')");
      await until(
        'both pods list the change',
        async () =>
          (await titles(base)).includes('cache: while nobody listened') &&
          (await titles(otherBase)).includes('cache: while nobody listened'),
        1000,
      );
      await until(
        'the pods listen again',
        async () => (await listening(base)) === 1 && (await listening(otherBase)) === 1,
      );
      await warm(base);
      expect(await titles(base)).toContain('cache: while nobody listened');
      await warm(base);
      await service!.waitForLog(
        'task list cache: stopped listening for changes; every request reads the database until it reconnects',
      );
    });

    test('TASK_LIST_CACHE=off: nothing is kept, every GET /tasks reads the database; another value stops the service at start', async () => {
      const uncached = startService({ ...appEnv, PORT: '5003', TASK_LIST_CACHE: 'off' });
      const uncachedBase = `http://${postgres.host}:5003`;
      try {
        await waitFor(`${uncachedBase}/readyz`);
        await titles(uncachedBase);
        await titles(uncachedBase);
        expect(await metric(uncachedBase, 'todo_task_list_cache_hits_total')).toBe(0);
        expect(await metric(uncachedBase, 'todo_task_list_cache_misses_total')).toBe(2);
        expect(await listening(uncachedBase)).toBe(0);
      } finally {
        await uncached.stop();
      }
      const wrong = startService({ ...appEnv, PORT: '5004', TASK_LIST_CACHE: 'false' });
      expect(await wrong.exit).toBe(1);
      expect(wrong.lines.join('\n')).toContain("TASK_LIST_CACHE must be 'on' or 'off', got 'false'");
    });

    test('a listening connection that stops answering (its backend frozen) is given up within two heartbeats', async () => {
      await warm(otherBase);
      const { rows } = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'todo-service-listener'",
      );
      // Frozen, not closed: the pods' sockets stay open, as in a network partition; NOTIFYs reach no one.
      rows.forEach(row => process.kill(row.pid, 'SIGSTOP'));
      try {
        await admin.query("INSERT INTO tasks (title) VALUES ('cache: during the partition')");
        // Two heartbeats: 2 s; 4 s allowed for a loaded machine.
        await until(
          'the pods stop listening',
          async () => (await listening(base)) === 0 && (await listening(otherBase)) === 0,
          4000,
        );
        expect(await titles(base)).toContain('cache: during the partition');
        expect(await titles(otherBase)).toContain('cache: during the partition');
      } finally {
        rows.forEach(row => process.kill(row.pid, 'SIGCONT'));
      }
      await until(
        'the pods listen again',
        async () => (await listening(base)) === 1 && (await listening(otherBase)) === 1,
      );
      await warm(otherBase);
      expect(await titles(otherBase)).toContain('cache: during the partition');
      await admin.query("DELETE FROM tasks WHERE title LIKE 'cache: %'");
      await until(
        'the delete is seen',
        async () => !(await titles(otherBase)).some(t => t.startsWith('cache: ')),
        1000,
      );
    });
  });

  test('GET /metrics: Prometheus text with requests by route pattern and status, latencies, the pool and the process', async () => {
    const scrape = async () => {
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return response.text();
    };
    const sample = (text: string, series: string) => {
      const line = text.split('\n').find(l => l.startsWith(`${series} `));
      return line === undefined ? 0 : Number(line.slice(series.length + 1));
    };
    const listed = 'http_requests_total{method="GET",route="/tasks",status_code="200"}';
    const created = 'http_requests_total{method="POST",route="/tasks",status_code="201"}';
    const byId = 'http_requests_total{method="GET",route="/tasks/:id",status_code="404"}';
    const unmatched = 'http_requests_total{method="GET",route="unmatched",status_code="404"}';
    const before = await scrape();
    await fetch(`${base}/tasks`);
    await fetch(`${base}/tasks`);
    await post({ title: 'counted' });
    await fetch(`${base}/tasks/999998`);
    await fetch(`${base}/no-such-route-${Date.now()}`);
    const after = await scrape();
    expect(sample(after, listed) - sample(before, listed)).toBe(2);
    expect(sample(after, created) - sample(before, created)).toBe(1);
    // The route pattern, never the id: one series however many ids are asked for; unknown URLs share one too.
    expect(sample(after, byId) - sample(before, byId)).toBe(1);
    expect(sample(after, unmatched) - sample(before, unmatched)).toBe(1);
    expect(after).not.toContain('/tasks/999998');
    expect(after).not.toContain('no-such-route');
    const histogramCount = 'http_request_duration_seconds_count{method="GET",route="/tasks",status_code="200"}';
    expect(sample(after, histogramCount) - sample(before, histogramCount)).toBe(2);
    expect(after).toMatch(
      /^http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/tasks",status_code="200"\} \d+$/m,
    );
    // The pool holds the connections the requests used, all idle between requests, and nothing waits.
    expect(sample(after, 'todo_db_pool_clients')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'todo_db_pool_idle_clients')).toBe(sample(after, 'todo_db_pool_clients'));
    expect(sample(after, 'todo_db_pool_waiting_requests')).toBe(0);
    expect(sample(after, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(after).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });

  test('GET /metrics answers while the database is down: it never waits on it', async () => {
    postgres.stop();
    try {
      const started = Date.now();
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      postgres.startAgain();
    }
  });

  test('tasks survive a restart of the service', async () => {
    const before = await (await fetch(`${base}/tasks`)).json();
    expect(await service!.stop()).toBe(0);
    service = startService();
    await waitFor(`${base}/readyz`);
    expect(await (await fetch(`${base}/tasks`)).json()).toEqual(before);
  });

  test("a database that is down gives the service's own 503s, never a crash; it stays ready, and recovers with the tasks intact", async () => {
    const before = await (await fetch(`${base}/tasks`)).json();
    postgres.stop();
    // Readiness does not follow the shared database: the pod stays in its Service and answers for itself, at once.
    const started = Date.now();
    const ready = await fetch(`${base}/readyz`);
    expect(Date.now() - started).toBeLessThan((appContainer.readinessProbe.timeoutSeconds * 1000) / 3);
    expect(ready.status).toBe(200);
    const list = await fetch(`${base}/tasks`);
    expect(list.status).toBe(503);
    expect(list.headers.get('retry-after')).toBe('5');
    expect(await list.json()).toEqual({ error: 'the database is unavailable; try again later' });
    expect((await post({ title: 'lost?' })).status).toBe(503);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(service!.alive).toBe(true);
    postgres.startAgain();
    await waitFor(`${base}/tasks`);
    expect(await (await fetch(`${base}/tasks`)).json()).toEqual(before);
  });

  test('a pod that starts before its schema is migrated is not ready until the migration has run, then serves', async () => {
    // A new database, as the roles Job makes it: the service may read and write what the owner's migration creates.
    expect(await runRolesJob(objects, postgres, { PGDATABASE: 'unmigrated' })).toMatchObject({ code: 0 });
    const early = startService({ ...appEnv, DB_NAME: 'unmigrated', PORT: '5001' });
    const earlyBase = `http://${postgres.host}:5001`;
    try {
      await waitFor(`${earlyBase}/readyz`, 503);
      // Until its first look at the schema (a background check, every second) the pod says it is checking; then it
      // says which migration is missing. Either way it is not ready.
      const deadline = Date.now() + 10_000;
      let body = (await (await fetch(`${earlyBase}/readyz`)).json()) as { status: string; reason: string };
      while (body.reason === 'checking the database schema' && Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, 100));
        body = (await (await fetch(`${earlyBase}/readyz`)).json()) as { status: string; reason: string };
      }
      expect(body).toEqual({ status: 'starting', reason: 'migrations not applied: 0001, 0002' });
      const list = await fetch(`${earlyBase}/tasks`);
      expect(list.status).toBe(503);
      expect(list.headers.get('retry-after')).toBe('5');
      expect((await runMigration({ ...migrateEnv, DB_NAME: 'unmigrated' })).code).toBe(0);
      await waitFor(`${earlyBase}/readyz`);
      expect(await (await fetch(`${earlyBase}/tasks`)).json()).toEqual({ tasks: [] });
    } finally {
      await early.stop();
    }
  });

  test('SIGTERM drains in-flight requests, closes the pool and exits 0', async () => {
    const admin = new Client({ ...postgres.superuser, database: appEnv.DB_NAME });
    await admin.connect();
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE');
    const inFlight = [1, 2, 3].map(n => post({ title: `in flight ${n}` }));
    // Wait until the three inserts are blocked on the lock, inside the service. (From another connection: a
    // transaction sees one snapshot of pg_stat_activity.)
    const observer = new Client(postgres.superuser);
    await observer.connect();
    for (let waited = 0; waited < 100; waited++) {
      const { rows } = await observer.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO tasks%'",
      );
      if (rows[0].n === 3) {
        break;
      }
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    await observer.end();
    service!.signal('SIGTERM');
    await new Promise(resolve => setTimeout(resolve, 300));
    expect(service!.alive).toBe(true);
    await admin.query('COMMIT');
    await admin.end();
    const responses = await Promise.all(inFlight);
    expect(responses.map(r => r.status)).toEqual([201, 201, 201]);
    expect(await service!.exit).toBe(0);
    const messages = service!.logs.map(l => l.msg);
    expect(messages).toEqual(
      expect.arrayContaining(['draining in-flight requests', 'database pool closed', 'stopped']),
    );
    service = undefined;
  });

  test('logs are structured: one JSON object a line, with level, time and message', async () => {
    const migration = await runMigration(migrateEnv);
    expect(migration.logs.length).toBeGreaterThan(0);
    for (const line of migration.logs) {
      expect(line).toMatchObject({
        level: expect.any(Number),
        time: expect.any(Number),
        msg: expect.any(String),
        service: 'todo-service',
      });
    }
  });

  test('a missing setting stops the service at start with a message naming it', async () => {
    const { DB_PASSWORD: _password, ...incomplete } = appEnv;
    const broken = new ServiceProcess(
      ['node', 'dist/server.js'],
      APP_DIR,
      { ...incomplete, HOST: postgres.host, PORT: '5999' },
      asServer,
    );
    expect(await broken.exit).toBe(1);
    expect(broken.logs[0].msg).toBe("invalid environment: DB_PASSWORD is not set; set it to the database's password");
  });

  test('LOG_LEVEL is read once, with the other settings: a level pino does not know stops the service with a message naming it', async () => {
    const broken = new ServiceProcess(
      ['node', 'dist/server.js'],
      APP_DIR,
      { ...appEnv, HOST: postgres.host, PORT: '5999', LOG_LEVEL: 'verbose' },
      asServer,
    );
    expect(await broken.exit).toBe(1);
    expect(broken.logs[0].msg).toBe(
      "invalid environment: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got 'verbose'",
    );
    const migration = await runMigration({ ...migrateEnv, LOG_LEVEL: 'verbose' });
    expect(migration.code).toBe(1);
    expect(migration.logs[0].msg).toBe(
      "invalid environment: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got 'verbose'",
    );
  });
});

/** A connection as `env`'s DB_USER (a pod's login), to run one statement and close. */
async function asRole<T>(
  env: Record<string, string>,
  run: (client: Client) => Promise<T>,
  database = env.DB_NAME,
): Promise<T> {
  const client = new Client({
    host: postgres.host,
    port: 5432,
    user: env.DB_USER,
    password: env.DB_PASSWORD,
    database,
  });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** The SQLSTATE of `sql` run by `env`'s role; undefined when it succeeds. */
const refusal = (env: Record<string, string>, sql: string) =>
  asRole(env, client =>
    client.query(sql).then(
      () => undefined,
      (error: { code?: string }) => error.code,
    ),
  );

/** Everything the roles Job may change, read as the superuser: roles, memberships, ownership and every ACL. */
async function catalogSnapshot(): Promise<string> {
  const admin = new Client({ ...postgres.superuser, database: appEnv.DB_NAME });
  await admin.connect();
  try {
    const { rows } = await admin.query(`SELECT json_build_object(
      'roles', (SELECT json_agg(to_jsonb(a) - 'oid' ORDER BY rolname) FROM pg_authid a WHERE rolname LIKE 'todo%'),
      'members', (SELECT json_agg(row(roleid::regrole, member::regrole, admin_option)::text ORDER BY 1) FROM pg_auth_members),
      'database', (SELECT row(datdba::regrole, datacl)::text FROM pg_database WHERE datname = current_database()),
      'schema', (SELECT row(nspowner::regrole, nspacl)::text FROM pg_namespace WHERE nspname = 'public'),
      'relations', (SELECT json_agg(row(relname, relowner::regrole, relacl)::text ORDER BY relname) FROM pg_class
        WHERE relnamespace = 'public'::regnamespace),
      'routines', (SELECT json_agg(row(proname, proowner::regrole, proacl)::text ORDER BY proname) FROM pg_proc
        WHERE pronamespace = 'public'::regnamespace),
      'defaults', (SELECT json_agg(row(defaclrole::regrole, defaclobjtype, defaclacl)::text ORDER BY 1) FROM pg_default_acl)
    )::text AS snapshot`);
    return rows[0].snapshot;
  } finally {
    await admin.end();
  }
}

describe('least privilege: each pod logs in as its own role, which can do its job and nothing more', () => {
  test('the service role is refused CREATE ROLE, COPY … TO PROGRAM, DROP TABLE tasks, ALTER TABLE, CREATE TABLE and reading pg_authid', async () => {
    expect(
      await asRole(
        appEnv,
        async client =>
          (
            await client.query(
              'SELECT current_user AS role, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user',
            )
          ).rows[0],
      ),
    ).toEqual({ role: 'todo_service', rolsuper: false, rolcreaterole: false, rolcreatedb: false });
    // 42501: insufficient_privilege, each time.
    expect(await refusal(appEnv, 'CREATE ROLE intruder LOGIN SUPERUSER')).toBe('42501');
    expect(await refusal(appEnv, "COPY (SELECT 1) TO PROGRAM 'id'")).toBe('42501');
    expect(await refusal(appEnv, 'DROP TABLE tasks')).toBe('42501');
    expect(await refusal(appEnv, 'ALTER TABLE tasks ADD COLUMN stolen text')).toBe('42501');
    expect(await refusal(appEnv, 'CREATE TABLE stash (secret text)')).toBe('42501');
    expect(await refusal(appEnv, 'SELECT rolname, rolpassword FROM pg_authid')).toBe('42501');
    expect(await refusal(appEnv, 'TRUNCATE tasks')).toBe('42501');
  });

  test("the service role creates, lists, updates and deletes tasks, and hears them on tasks_changed (the cache's LISTEN/NOTIFY path)", async () => {
    await asRole(appEnv, async client => {
      const heard: string[] = [];
      client.on('notification', message => heard.push(message.channel));
      await client.query('LISTEN tasks_changed');
      const { rows } = await client.query("INSERT INTO tasks (title) VALUES ('least privilege') RETURNING id");
      await client.query("UPDATE tasks SET description = 'checked' WHERE id = $1", [rows[0].id]);
      expect((await client.query('SELECT title, description FROM tasks WHERE id = $1', [rows[0].id])).rows).toEqual([
        { title: 'least privilege', description: 'checked' },
      ]);
      await client.query('DELETE FROM tasks WHERE id = $1', [rows[0].id]);
      // A round trip: the notifications of the commits above arrive before its answer.
      await client.query('SELECT 1');
      expect(heard).toEqual(['tasks_changed', 'tasks_changed', 'tasks_changed']);
    });
  });

  test('the owner role owns the schema and migrates (above), and is refused CREATE ROLE and CREATE DATABASE', async () => {
    expect(
      await asRole(
        migrateEnv,
        async client =>
          (
            await client.query(
              'SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, ' +
                "(SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'public') AS schema_owner, " +
                "(SELECT relowner::regrole::text FROM pg_class WHERE oid = 'tasks'::regclass) AS tasks_owner " +
                'FROM pg_roles WHERE rolname = current_user',
            )
          ).rows[0],
      ),
    ).toEqual({
      rolsuper: false,
      rolcreaterole: false,
      rolcreatedb: false,
      rolreplication: false,
      schema_owner: 'todo_owner',
      tasks_owner: 'todo_owner',
    });
    expect(await refusal(migrateEnv, 'CREATE ROLE intruder LOGIN')).toBe('42501');
    expect(await refusal(migrateEnv, 'CREATE DATABASE stash')).toBe('42501');
    expect(await refusal(migrateEnv, "COPY (SELECT 1) TO PROGRAM 'id'")).toBe('42501');
  });

  test('running the roles Job again changes nothing: every role, membership, owner, grant and password stays as it was', async () => {
    const before = await catalogSnapshot();
    const again = await runRolesJob(objects, postgres);
    expect(again.code).toBe(0);
    for (const role of ['todo_owner', 'todo_service', 'todo_exporter', 'todo_backup']) {
      expect(again.output).toContain(`roles: ${role}: password unchanged`);
    }
    expect(await catalogSnapshot()).toBe(before);
  });

  test('a changed password in the roles Secret takes effect at the next run: the new one logs in, the old one no longer does', async () => {
    const original = rolesJobEnv(objects, postgres).SERVICE_PASSWORD;
    expect(original).toBe(appEnv.DB_PASSWORD);
    const changed = await runRolesJob(objects, postgres, { SERVICE_PASSWORD: 'a-new-service-password' });
    try {
      expect(changed.code).toBe(0);
      expect(changed.output).toContain('roles: todo_service: password set');
      expect(changed.output).toContain('roles: todo_owner: password unchanged');
      expect(
        await asRole(
          { ...appEnv, DB_PASSWORD: 'a-new-service-password' },
          async client => (await client.query('SELECT current_user AS role')).rows[0],
        ),
      ).toEqual({ role: 'todo_service' });
      await expect(asRole(appEnv, client => client.query('SELECT 1'))).rejects.toMatchObject({ code: '28P01' });
    } finally {
      expect((await runRolesJob(objects, postgres)).output).toContain('roles: todo_service: password set');
    }
    expect(await asRole(appEnv, async client => (await client.query('SELECT current_user AS role')).rows[0])).toEqual({
      role: 'todo_service',
    });
  });

  test("an old release's database (superuser-owned tables) keeps its tasks: the roles Job hands it to the owner, the service reads it", async () => {
    const superuserEnv = {
      ...migrateEnv,
      DB_USER: 'todo',
      DB_PASSWORD: containerEnv(databaseContainer, objects, database.metadata.namespace!).POSTGRES_PASSWORD,
      DB_NAME: 'legacy',
    };
    const admin = new Client(postgres.superuser);
    await admin.connect();
    await admin.query('CREATE DATABASE legacy OWNER todo');
    await admin.end();
    // The earlier release: the migration and the service both logged in as the superuser.
    expect((await runMigration(superuserEnv)).code).toBe(0);
    await asRole(superuserEnv, client => client.query("INSERT INTO tasks (title) VALUES ('made before the upgrade')"));
    const roles = await runRolesJob(objects, postgres, { PGDATABASE: 'legacy' });
    expect(roles.code).toBe(0);
    const legacy = { DB_NAME: 'legacy' };
    expect(
      await asRole({ ...appEnv, ...legacy }, async client => (await client.query('SELECT title FROM tasks')).rows),
    ).toEqual([{ title: 'made before the upgrade' }]);
    expect(
      await asRole(
        { ...migrateEnv, ...legacy },
        async client =>
          (
            await client.query(
              'SELECT relname, relowner::regrole::text AS owner FROM pg_class ' +
                "WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'S') ORDER BY 1",
            )
          ).rows,
      ),
    ).toEqual([
      { relname: 'schema_migrations', owner: 'todo_owner' },
      { relname: 'tasks', owner: 'todo_owner' },
      { relname: 'tasks_id_seq', owner: 'todo_owner' },
    ]);
    // The owner can now change what it owns (a later migration would); the service still cannot.
    expect(
      await refusal({ ...migrateEnv, ...legacy }, "ALTER TABLE tasks ALTER COLUMN description SET DEFAULT ''"),
    ).toBeUndefined();
    expect(await refusal({ ...appEnv, ...legacy }, "ALTER TABLE tasks ALTER COLUMN description SET DEFAULT ''")).toBe(
      '42501',
    );
    expect((await runMigration({ ...migrateEnv, ...legacy })).code).toBe(0);
  });
});

describe('the postgres_exporter sidecar (monitoring.enabled), run as the pod runs it', () => {
  // The dev stage with monitoring on: the same credentials as the server this file started, which listens on
  // 127.0.0.1 as the pod's loopback. Debian's postgres_exporter 0.11 stands in for the image's (v0.17): the same
  // DATA_SOURCE_* variables and flags.
  const { all } = synthStack(resolveConfig('dev', { ...STAGES.dev, monitoring: { enabled: true } }));
  const statefulSet = all.find(o => o.kind === 'StatefulSet')!;
  const pod = statefulSet.spec.template.spec;
  const exporter = pod.containers.find((c: any) => c.name === 'metrics');

  test("with the sidecar's exact env and args, as uid 999 under a read-only root, it reports pg_up 1 and the database's statistics", async () => {
    const binary = debianBinary('prometheus-postgres-exporter', '/usr/bin/prometheus-postgres-exporter');
    const env: Record<string, string> = {
      ...containerEnv(exporter, all, statefulSet.metadata.namespace!),
      PATH: '/usr/bin:/bin',
    };
    expect(env.DATA_SOURCE_URI).toBe('127.0.0.1:5432/todo?sslmode=disable');
    // It logs in as the exporter role, a member of pg_monitor and of nothing else, no superuser.
    expect(env.DATA_SOURCE_USER).toBe('todo_exporter');
    const admin = new Client(postgres.superuser);
    await admin.connect();
    try {
      const { rows } = await admin.query(
        `SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb,
          array(SELECT m.roleid::regrole::text FROM pg_auth_members m WHERE m.member = r.oid) AS member_of
        FROM pg_roles r WHERE r.rolname = $1`,
        [env.DATA_SOURCE_USER],
      );
      expect(rows).toEqual([{ rolsuper: false, rolcreaterole: false, rolcreatedb: false, member_of: ['pg_monitor'] }]);
    } finally {
      await admin.end();
    }
    const identity = identityOf(pod, exporter, { 65534: 'nobody' });
    expect(identity).toMatchObject({ uid: 999, readOnlyRootFilesystem: true });
    const process = new ServiceProcess([binary, ...exporter.args], '/', env, identity);
    try {
      const port = exporter.ports[0].containerPort;
      let text = '';
      for (let attempt = 0; attempt < 50 && !/^pg_up 1$/m.test(text); attempt++) {
        await new Promise(resolve => setTimeout(resolve, 200));
        text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
          r => r.text(),
          () => '',
        );
      }
      expect(text).toMatch(/^pg_up 1$/m);
      expect(text).toMatch(/^pg_stat_database_xact_commit\{datid="\d+",datname="todo"(,[^}]*)?\} \d+/m);
      // Its liveness probe's path answers.
      expect((await fetch(`http://127.0.0.1:${port}${exporter.livenessProbe.httpGet.path}`)).status).toBe(200);
    } finally {
      await process.stop();
    }
  });

  test('with a wrong password it stays up and reports pg_up 0: a scrape shows the database is unreachable', async () => {
    const binary = debianBinary('prometheus-postgres-exporter', '/usr/bin/prometheus-postgres-exporter');
    const env = {
      ...containerEnv(exporter, all, statefulSet.metadata.namespace!),
      PATH: '/usr/bin:/bin',
      DATA_SOURCE_PASS: 'wrong',
    };
    const process = new ServiceProcess(
      [binary, ...exporter.args],
      '/',
      env,
      identityOf(pod, exporter, { 65534: 'nobody' }),
    );
    try {
      let text = '';
      for (let attempt = 0; attempt < 50 && !/^pg_up 0$/m.test(text); attempt++) {
        await new Promise(resolve => setTimeout(resolve, 200));
        text = await fetch(`http://127.0.0.1:${exporter.ports[0].containerPort}/metrics`).then(
          r => r.text(),
          () => '',
        );
      }
      expect(text).toMatch(/^pg_up 0$/m);
    } finally {
      await process.stop();
    }
  });
});
