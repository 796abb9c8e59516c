// Requests per second and p99 latency of the todo service on loopback, against a real PostgreSQL (the same
// server the end-to-end test uses). Every request goes to an address on this machine, and each run is bounded.
import { execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { PostgresServer } from '../test/support/postgres-server';
import { ServiceProcess, waitFor } from '../test/support/service-process';

const ROOT = path.join(__dirname, '..');
const APP_DIR = path.join(ROOT, 'app');
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 10;
const ROWS = 1000;

async function main(): Promise<void> {
  execFileSync('npm', ['run', '--silent', 'build', '--workspace', 'app'], { cwd: ROOT, stdio: 'inherit' });
  const postgres = PostgresServer.start(['127.0.0.91', '127.0.0.92', '127.0.0.93']);
  let service: ServiceProcess | undefined;
  try {
    await postgres.createDatabase('todo', 'todo', 'bench-password-1234');
    const env = { DB_HOST: postgres.host, DB_PORT: '5432', DB_NAME: 'todo', DB_USER: 'todo', DB_PASSWORD: 'bench-password-1234' };
    const migration = new ServiceProcess(['node', 'dist/migrate.js'], APP_DIR, env);
    if (await migration.exit !== 0) {
      throw new Error(`migration failed: ${migration.lines.join('\n')}`);
    }
    const client = new Client({ ...postgres.superuser, database: 'todo' });
    await client.connect();
    await client.query(`INSERT INTO tasks (title, description) SELECT 'task ' || n, 'description of task ' || n FROM generate_series(1, ${ROWS}) n`);
    await client.end();

    // Request logs off: at these rates they would measure the terminal, not the service.
    service = new ServiceProcess(['node', 'dist/server.js'], APP_DIR, { ...env, HOST: postgres.host, LOG_LEVEL: 'warn' });
    const url = `http://${postgres.host}:5000`;
    await waitFor(`${url}/readyz`);

    console.log(`\nTodo service (${os.cpus().length} cores, ${CONNECTIONS} connections, ${DURATION_SECONDS} s each, PostgreSQL and service on this machine)`);
    const get = await autocannon({ url: `${url}/tasks`, connections: CONNECTIONS, duration: DURATION_SECONDS });
    report(`GET /tasks (${ROWS} rows)`, get);
    const post = await autocannon({
      url: `${url}/tasks`, method: 'POST', connections: CONNECTIONS, duration: DURATION_SECONDS,
      headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'benchmark', description: 'one more row' }),
    });
    report('POST /tasks', post);
  } finally {
    await service?.stop();
    postgres.destroy();
  }
}

function report(label: string, result: autocannon.Result): void {
  const failures = result.non2xx + result.errors + result.timeouts;
  console.log(`  ${label.padEnd(22)} ${result.requests.average.toFixed(0).padStart(6)} req/s   p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms   ${result.requests.total} requests, ${failures} failed`);
  if (failures > 0) {
    process.exitCode = 1;
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
