import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client, Pool } from 'pg';
import { loadMigrations, migrate } from '../../app/src/migrations';
import { parseAllDocuments } from 'yaml';
import { Manifest } from '../support/manifests';
import { PostgresServer } from '../support/postgres-server';
import { containerEnv, ServiceProcess, waitFor } from '../support/service-process';

// The whole system, tested together: the service in app/, run exactly as the synthesized dev stage runs it.
jest.setTimeout(60_000);

const ROOT = path.join(__dirname, '..', '..');
const APP_DIR = path.join(ROOT, 'app');
const STAGE = path.join(ROOT, 'dist', 'dev');

const objects: Manifest[] = fs.readdirSync(STAGE).filter(f => f.endsWith('.k8s.yaml')).sort()
  .flatMap(file => parseAllDocuments(fs.readFileSync(path.join(STAGE, file), 'utf8')).map(d => d.toJS() as Manifest));
const find = (kind: string, predicate: (o: Manifest) => boolean = () => true) => {
  const found = objects.filter(o => o.kind === kind && predicate(o));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} in dist/dev, found ${found.length}`);
  }
  return found[0];
};
const database = find('Deployment', o => o.metadata.labels?.['app.kubernetes.io/component'] === 'database');
const server = find('Deployment', o => o.metadata.labels?.['app.kubernetes.io/component'] === 'server');
const job = find('Job');
const appContainer = server.spec.template.spec.containers[0];
const jobContainer = job.spec.template.spec.containers[0];

// A loopback address of its own, so that the database can keep its port 5432 and the service its port 5000.
const hosts = Array.from({ length: 5 }, () => `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`);

let postgres: PostgresServer;
let service: ServiceProcess | undefined;
let appEnv: Record<string, string>;
let migrateEnv: Record<string, string>;
let base: string;

beforeAll(async () => {
  execFileSync('npm', ['run', '--silent', 'build', '--workspace', 'app'], { cwd: ROOT, stdio: 'pipe' });
  const db = containerEnv(database.spec.template.spec.containers[0], objects, database.metadata.namespace!);
  postgres = PostgresServer.start(hosts);
  await postgres.createDatabase(db.POSTGRES_DB, db.POSTGRES_USER, db.POSTGRES_PASSWORD);
  appEnv = { ...containerEnv(appContainer, objects, server.metadata.namespace!), DB_HOST: postgres.host };
  migrateEnv = { ...containerEnv(jobContainer, objects, job.metadata.namespace!), DB_HOST: postgres.host };
  base = `http://${postgres.host}:${appContainer.ports[0].containerPort}`;
});

afterAll(async () => {
  await service?.stop();
  postgres?.destroy();
});

/** Runs the migration Job's command, as its container would, and returns its exit code and logs. */
async function runMigration(env: Record<string, string>): Promise<{ code: number | null; logs: any[] }> {
  const migration = new ServiceProcess(jobContainer.command, APP_DIR, env);
  const code = await migration.exit;
  return { code, logs: migration.logs };
}

function startService(): ServiceProcess {
  // The container's env, plus where to listen: the same loopback address, on the container port.
  return new ServiceProcess(['node', 'dist/server.js'], APP_DIR, { ...appEnv, HOST: postgres.host });
}

const post = (body: unknown, raw = false) => fetch(`${base}/tasks`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: raw ? (body as string) : JSON.stringify(body),
});

describe('the todo service, configured by dist/dev, on a real PostgreSQL', () => {
  test('the configuration comes from the synthesized objects, with only DB_HOST rewritten', () => {
    expect(jobContainer.command).toEqual(['node', 'dist/migrate.js']);
    expect(Object.keys(appEnv).sort()).toEqual(['DB_HOST', 'DB_NAME', 'DB_PASSWORD', 'DB_PORT', 'DB_USER']);
    expect(appEnv.DB_PORT).toBe('5432');
    expect(appEnv.DB_PASSWORD).toContain('dev-only');
    expect(migrateEnv).toEqual(appEnv);
  });

  test("the migration Job's command migrates, and a second run applies nothing", async () => {
    const first = await runMigration(migrateEnv);
    expect(first.code).toBe(0);
    expect(first.logs.find(l => l.msg === 'applied 1 migration(s)')).toMatchObject({ applied: ['0001'] });
    const second = await runMigration(migrateEnv);
    expect(second.code).toBe(0);
    expect(second.logs.find(l => l.msg === 'schema is up to date')).toMatchObject({ applied: [], alreadyApplied: ['0001'] });
  });

  test('migrations run concurrently apply once, queued on an advisory lock', async () => {
    const admin = new Client(postgres.superuser);
    await admin.connect();
    await admin.query(`CREATE DATABASE concurrent OWNER ${admin.escapeIdentifier(appEnv.DB_USER)}`);
    const env = { ...migrateEnv, DB_NAME: 'concurrent' };
    const results = await Promise.all([runMigration(env), runMigration(env), runMigration(env)]);
    expect(results.map(r => r.code)).toEqual([0, 0, 0]);
    expect(results.flatMap(r => r.logs.flatMap(l => l.applied ?? []))).toEqual(['0001']);
    await admin.end();
  });

  test('a migration changed after it was applied is refused; malformed or duplicate file names are refused', async () => {
    const pool = new Pool({ host: postgres.host, port: 5432, user: appEnv.DB_USER, password: appEnv.DB_PASSWORD, database: 'concurrent' });
    try {
      const [original] = loadMigrations();
      await expect(migrate(pool, [{ ...original, sql: `${original.sql}\n-- edited`, checksum: 'edited' }]))
        .rejects.toThrow('migration 0001_create_tasks was changed after it was applied; add a new migration instead');
      expect((await migrate(pool, [original])).alreadyApplied).toEqual(['0001']);
    } finally {
      await pool.end();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
    fs.writeFileSync(path.join(dir, '1_first.sql'), 'SELECT 1;');
    expect(() => loadMigrations(dir)).toThrow("migration file '1_first.sql' must be named NNNN_name.sql, such as 0002_add_due_date.sql");
    fs.rmSync(path.join(dir, '1_first.sql'));
    fs.writeFileSync(path.join(dir, '0002_a.sql'), 'SELECT 1;');
    fs.writeFileSync(path.join(dir, '0002_b.sql'), 'SELECT 2;');
    expect(() => loadMigrations(dir)).toThrow('two migration files have version 0002');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a wrong password fails the migration with a clear message, not a stack trace', async () => {
    const { code, logs } = await runMigration({ ...migrateEnv, DB_PASSWORD: 'wrong-password' });
    expect(code).toBe(1);
    expect(logs.find(l => l.level === 60)?.msg).toMatch(/^migration failed: password authentication failed for user "todo"/);
  });

  test('the service starts with the Deployment env and reports healthy and ready', async () => {
    service = startService();
    await waitFor(`${base}/readyz`);
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready' });
  });

  test("POST and GET /tasks keep the tutorial's contract", async () => {
    const created = await post({ title: 'New task', description: 'Persisted in PostgreSQL' });
    expect(created.status).toBe(201);
    const { task } = await created.json() as { task: any };
    expect(task).toEqual({ id: expect.any(Number), title: 'New task', description: 'Persisted in PostgreSQL' });
    expect(created.headers.get('location')).toBe(`/tasks/${task.id}`);
    expect((await post({ title: 'Second' })).status).toBe(201);
    const list = await fetch(`${base}/tasks`);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ tasks: [task, { id: expect.any(Number), title: 'Second', description: '' }] });
  });

  test('GET, PUT and DELETE /tasks/:id', async () => {
    const { task } = await (await post({ title: 'Edit me' })).json() as { task: any };
    expect(await (await fetch(`${base}/tasks/${task.id}`)).json()).toEqual({ task });
    const put = await fetch(`${base}/tasks/${task.id}`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ title: 'Edited', description: 'now' }) });
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
    ['a description over 200 characters', { title: 'ok', description: 'x'.repeat(201) }, 400, "'description' must be at most 200 characters"],
    ['a title of the wrong type', { title: 42 }, 400, "'title' must be a string"],
    ['a description of the wrong type', { title: 'ok', description: ['x'] }, 400, "'description' must be a string"],
    ['an unknown field', { title: 'ok', done: true }, 400, "unknown field 'done'; the fields are 'title' and 'description'"],
    ['a body that is not an object', ['title'], 400, 'the body must be a JSON object'],
  ])('POST /tasks with %s: a clear JSON error', async (_what, body, status, message) => {
    const response = await post(body);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: message });
  });

  test.each([
    ['malformed JSON', () => post('{"title": "x",', true), 400, 'the body is not valid JSON'],
    ['a body over the size limit', () => post({ title: 'x', description: 'y'.repeat(20_000) }), 400, 'the body is larger than 16384 bytes'],
    ['an empty JSON body', () => post('', true), 400, 'the body must be a JSON object'],
    ['a plain-text body', () => fetch(`${base}/tasks`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'title' }), 400, 'the body must be a JSON object'],
    ['a body of another media type', () => fetch(`${base}/tasks`, { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: '<title/>' }), 415, "the body must be JSON, with 'Content-Type: application/json'"],
    ['an unknown id', () => fetch(`${base}/tasks/999999`), 404, 'task 999999 not found'],
    ['an id that is not a number', () => fetch(`${base}/tasks/abc`), 400, "'id' must be a positive integer, got 'abc'"],
    ['an id beyond the column', () => fetch(`${base}/tasks/99999999999`, { method: 'DELETE' }), 400, "'id' must be a positive integer, got '99999999999'"],
    ['PUT to an unknown id', () => fetch(`${base}/tasks/999999`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"title":"x"}' }), 404, 'task 999999 not found'],
    ['an unknown route', () => fetch(`${base}/todos`), 404, 'no route GET /todos'],
  ])('%s: a clear JSON error', async (_what, request, status, message) => {
    const response = await request();
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: message });
  });

  test('tasks survive a restart of the service', async () => {
    const before = await (await fetch(`${base}/tasks`)).json();
    expect(await service!.stop()).toBe(0);
    service = startService();
    await waitFor(`${base}/readyz`);
    expect(await (await fetch(`${base}/tasks`)).json()).toEqual(before);
  });

  test('a database that is down gives 503, never a crash, and the service recovers with the tasks intact', async () => {
    const before = await (await fetch(`${base}/tasks`)).json();
    postgres.stop();
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not ready', reason: 'the database is unavailable' });
    const list = await fetch(`${base}/tasks`);
    expect(list.status).toBe(503);
    expect(list.headers.get('retry-after')).toBe('5');
    expect(await list.json()).toEqual({ error: 'the database is unavailable; try again later' });
    expect((await post({ title: 'lost?' })).status).toBe(503);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(service!.alive).toBe(true);
    postgres.startAgain();
    await waitFor(`${base}/readyz`);
    expect(await (await fetch(`${base}/tasks`)).json()).toEqual(before);
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
      const { rows } = await observer.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO tasks%'");
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
    expect(messages).toEqual(expect.arrayContaining(['draining in-flight requests', 'database pool closed', 'stopped']));
    service = undefined;
  });

  test('logs are structured: one JSON object a line, with level, time and message', async () => {
    const migration = await runMigration(migrateEnv);
    expect(migration.logs.length).toBeGreaterThan(0);
    for (const line of migration.logs) {
      expect(line).toMatchObject({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String), service: 'todo-service' });
    }
  });

  test('a missing setting stops the service at start with a message naming it', async () => {
    const { DB_PASSWORD: _password, ...incomplete } = appEnv;
    const broken = new ServiceProcess(['node', 'dist/server.js'], APP_DIR, { ...incomplete, HOST: postgres.host, PORT: '5999' });
    expect(await broken.exit).toBe(1);
    expect(broken.logs[0].msg).toBe("invalid environment: DB_PASSWORD is not set; set it to the database's password");
  });
});

