import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { Client } from 'pg';

import { fromDebianPackages } from '../../harness/debian-packages';
import { identityOf, IMAGE_USERS } from '../../harness/pod-sandbox';
import { PostgresServer } from '../../harness/postgres-server';
import { ServiceProcess, waitFor } from '../../harness/service-process';
import { AppPreset } from '../../lib/app';
import { resolveConfig } from '../../lib/config';
import { containerEnv } from '../support/container-env';
import { Manifest, only, synthStack } from '../support/manifests';
import { runRolesJob } from '../support/roles-job';

// The Flask preset's commands, run as its pods run them (uid 10001, read-only root, /tmp an emptyDir), against
// the versions the tutorial's image pins: Debian's python3-flask-migrate is 4.0.4, like the image's. The app is a
// stand-in written as the tutorial describes it (test/fixtures/flask-app/app.py, with its `app.run(debug=True)`).
jest.setTimeout(90_000);

const ROOT = path.join(__dirname, '..', '..');
const FLASK_APP_DIR = path.join(ROOT, 'test', 'fixtures', 'flask-app');
// The image's PATH has `python` and `flask`; Debian names the interpreter python3. Outside /tmp, which the pod
// mounts an emptyDir over.
const SHIMS = path.join(ROOT, '.build', 'flask-image-bin');
const HOST = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;

const config = resolveConfig('flask-check', {
  database: { credentials: { source: 'dev-generated', password: 'flask-check-password' } },
  app: { preset: AppPreset.FLASK },
});
const { all } = synthStack(config);
const server = only(all, 'Deployment', config.app.name);
const job = all.filter(o => o.kind === 'Job' && o.metadata.labels?.['app.kubernetes.io/component'] === 'migration')[0];
const databaseContainer = only(all, 'StatefulSet').spec.template.spec.containers[0];
const appContainer = server.spec.template.spec.containers[0];
const jobContainer = job.spec.template.spec.containers[0];

let postgres: PostgresServer;
let env: Record<string, string>;

beforeAll(async () => {
  ensureFlaskMigrate();
  fs.rmSync(SHIMS, { recursive: true, force: true });
  fs.mkdirSync(SHIMS, { recursive: true });
  fs.symlinkSync('/usr/bin/python3', path.join(SHIMS, 'python'));
  fs.symlinkSync('/usr/bin/flask', path.join(SHIMS, 'flask'));
  const db = containerEnv(databaseContainer, all as Manifest[], config.database.namespace);
  postgres = PostgresServer.start([HOST]);
  await postgres.createDatabase(db.POSTGRES_DB, db.POSTGRES_USER, db.POSTGRES_PASSWORD);
  // As a deploy does: the roles first; the migration then logs in as the owner, the server as the service role.
  const roles = await runRolesJob(all as Manifest[], postgres);
  if (roles.code !== 0) {
    throw new Error(`the roles Job failed:\n${roles.output}`);
  }
  env = {
    ...containerEnv(jobContainer, all as Manifest[], config.app.namespace),
    DB_HOST: postgres.host,
    PATH: `${SHIMS}:/usr/bin:/bin`,
  };
});

afterAll(() => {
  postgres?.destroy();
  fs.rmSync(SHIMS, { recursive: true, force: true });
});

async function runJob(): Promise<{ code: number | null; output: string }> {
  const migration = new ServiceProcess(
    jobContainer.command,
    FLASK_APP_DIR,
    env,
    identityOf(job.spec.template.spec, jobContainer, IMAGE_USERS.python),
  );
  const code = await migration.exit;
  return { code, output: migration.lines.join('\n') };
}

describe("the Flask preset's commands, with Flask-Migrate 4.0.4", () => {
  test('the migration Job creates the table, and re-runs (a fresh /tmp each time) are no-ops', async () => {
    expect(identityOf(job.spec.template.spec, jobContainer, IMAGE_USERS.python)).toMatchObject({
      uid: 10001,
      readOnlyRootFilesystem: true,
      emptyDirs: ['/tmp'],
    });
    const first = await runJob();
    expect(first).toMatchObject({ code: 0 });
    expect(first.output).toContain('Running upgrade  ->');
    for (let run = 0; run < 2; run++) {
      const again = await runJob();
      expect(again).toMatchObject({ code: 0 });
      expect(again.output).toContain('No changes in schema detected.');
    }
    const client = new Client({ ...postgres.superuser, database: env.DB_NAME });
    await client.connect();
    const columns = await client.query(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'task' ORDER BY ordinal_position",
    );
    expect(columns.rows.map(r => r.column_name)).toEqual(['id', 'title', 'description']);
    expect((await client.query('SELECT * FROM alembic_version')).rows).toEqual([]);
    await client.end();
  });

  test("the tutorial's own `flask db stamp --purge` fails on 4.0.4 (why the Job calls alembic directly)", () => {
    let output = '';
    try {
      execFileSync('/usr/bin/flask', ['db', 'stamp', '-d', '/nonexistent', '--purge', 'base'], {
        cwd: FLASK_APP_DIR,
        env,
        stdio: 'pipe',
      });
    } catch (error) {
      output = String((error as { stderr?: Buffer }).stderr);
    }
    expect(output).toContain('No such option: --purge');
  });

  test('the server runs without the debugger: an unhandled error is a plain 500, never a traceback', async () => {
    // The command as the Deployment gives it, listening on this test's address instead of every interface.
    const command = appContainer.command.map((arg: string) => (arg === '--host=0.0.0.0' ? `--host=${HOST}` : arg));
    expect(command).not.toEqual(appContainer.command);
    const appEnv: Record<string, string> = {
      ...containerEnv(appContainer, all as Manifest[], config.app.namespace),
      DB_HOST: postgres.host,
      PATH: env.PATH,
    };
    // The Flask preset logs in as the service role too: it reads and writes the table the owner's migration made.
    expect([env.DB_USER, appEnv.DB_USER]).toEqual(['todo_owner', 'todo_service']);
    const flask = new ServiceProcess(
      command,
      FLASK_APP_DIR,
      appEnv,
      identityOf(server.spec.template.spec, appContainer, IMAGE_USERS.python),
    );
    try {
      const base = `http://${HOST}:${appContainer.ports[0].containerPort}`;
      await waitFor(`${base}/tasks`);
      const created = await fetch(`${base}/tasks`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: 'New task', description: 'Persisted' }),
      });
      expect(created.status).toBe(201);
      // No description: the app's KeyError. With `python app.py` (debug=True) this is Werkzeug's debugger page.
      const broken = await fetch(`${base}/tasks`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: 'x' }),
      });
      expect(broken.status).toBe(500);
      const page = await broken.text();
      expect(page).toContain('Internal Server Error');
      expect(page).not.toMatch(/Traceback|debugger|KeyError|app\.py/i);
      expect(await (await fetch(`${base}/tasks`)).json()).toEqual({
        tasks: [{ id: 1, title: 'New task', description: 'Persisted' }],
      });
    } finally {
      await flask.stop();
    }
  });
});

/** Debian's Flask-Migrate (4.0.4, the image's version) and psycopg2, installed with apt-get when missing (as root). */
function ensureFlaskMigrate(): void {
  const present = () =>
    fs.existsSync('/usr/lib/python3/dist-packages/flask_migrate') &&
    fs.existsSync('/usr/lib/python3/dist-packages/psycopg2');
  fromDebianPackages(
    ['python3-flask-migrate', 'python3-psycopg2'],
    'Flask-Migrate not found',
    () => present() || undefined,
  );
}
