// Requests per second and latency of the todo service on loopback, against a real PostgreSQL (the same server the
// end-to-end test uses), each beside its floor, with PASS/FAIL against the targets. Every request goes to an
// address on this machine, and each run is bounded.
//
// The floors:
// - GET /tasks: a plain Node `http` server, in its own process on the same address and port, answering the very
//   body the service returned (1,000 rows, from memory). Nothing that reads the tasks from a database can beat it.
// - and, for information, the service's list query alone through the same pool: what PostgreSQL can give.
// - POST /tasks: the service's own INSERT ... RETURNING through a pool of the service's size (10), in a loop per
//   connection (10), in its own process: what the database costs a POST with no HTTP, JSON or validation around it.
//   The service adds all three; the target (>= 0.5x) says that at least half of a POST's time is the database's.
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
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
const PORT = 5000;

interface Run {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly total: number;
  readonly failed: number;
}

async function main(): Promise<void> {
  execFileSync('npm', ['run', '--silent', 'build', '--workspace', 'app'], { cwd: ROOT, stdio: 'inherit' });
  const postgres = PostgresServer.start(['127.0.0.91', '127.0.0.92', '127.0.0.93']);
  let service: ServiceProcess | undefined;
  let floor: ChildProcess | undefined;
  let ok = true;
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

    // Request logs off: at these rates they would measure the terminal, not the service.
    service = new ServiceProcess(['node', 'dist/server.js'], APP_DIR, { ...env, HOST: postgres.host, LOG_LEVEL: 'warn' });
    const url = `http://${postgres.host}:${PORT}`;
    await waitFor(`${url}/readyz`);
    const body = await (await fetch(`${url}/tasks`)).text();

    console.log(`\nTodo service (${os.cpus().length} cores, ${CONNECTIONS} connections, ${DURATION_SECONDS} s each, PostgreSQL, service and load generator on this machine)`);
    const get = await load({ url: `${url}/tasks` });
    // POSTs add rows: the GET above saw exactly ROWS of them.
    const post = await load({
      url: `${url}/tasks`, method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'benchmark', description: 'one more row' }),
    });
    const serviceRss = peakRssMiB(service.pid);
    await service.stop();
    service = undefined;

    floor = spawnFloor(`
      const body = Buffer.from(process.env.BODY);
      require('http').createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
        res.end(body);
      }).listen(${PORT}, process.env.HOST);`, { HOST: postgres.host, BODY: body });
    await waitFor(`${url}/`);
    const getFloor = await load({ url: `${url}/tasks` });
    floor.kill();
    floor = undefined;

    // The same queries as the service's (app/src/app.ts), on a table of ROWS rows for the list.
    await client.query(`DELETE FROM tasks WHERE id > (SELECT min(id) + ${ROWS - 1} FROM tasks)`);
    const listFloor = await queryLoop(env, { name: 'list-tasks', text: `SELECT '{"tasks":' || COALESCE(json_agg(t ORDER BY t.id)::text, '[]') || '}' AS body FROM (SELECT id, title, description FROM tasks) t` });
    const insertFloor = await queryLoop(env, { name: 'insert-task', text: 'INSERT INTO tasks (title, description) VALUES ($1, $2) RETURNING id, title, description', values: ['benchmark', 'one more row'] });
    await client.end();

    const row = (label: string, run: Run, note = '') => console.log(`  ${label.padEnd(46)} ${run.rps.toFixed(0).padStart(6)} req/s   p50 ${String(run.p50).padStart(3)} ms   p99 ${String(run.p99).padStart(3)} ms   ${run.total} requests, ${run.failed} failed${note}`);
    row(`GET /tasks (${ROWS} rows, ${(body.length / 1024).toFixed(0)} KiB)`, get);
    row('  floor: plain node http, same body from memory', getFloor);
    console.log(`  ${'  the list query alone, same pool (no HTTP)'.padEnd(46)} ${listFloor.toFixed(0).padStart(6)} queries/s`);
    row('POST /tasks', post);
    console.log(`  ${'  floor: INSERT ... RETURNING loop, same pool'.padEnd(46)} ${insertFloor.toFixed(0).padStart(6)} inserts/s`);
    console.log(`  ${'peak RSS of the service under this load'.padEnd(46)} ${serviceRss.toFixed(0).padStart(6)} MiB`);
    ok = check('GET /tasks / floor', get.rps / getFloor.rps, '>=', 0.5) && ok;
    console.log(`        GET /tasks / the list query alone: ${(get.rps / listFloor).toFixed(2)}x (for information)`);
    ok = check('GET /tasks p99 / floor p99', get.p99 / Math.max(getFloor.p99, 1), '<=', 2) && ok;
    ok = check('POST /tasks / INSERT floor', post.rps / insertFloor, '>=', 0.5) && ok;
    ok = [get, post, getFloor].every(run => run.failed === 0) && ok;
  } finally {
    floor?.kill();
    await service?.stop();
    postgres.destroy();
  }
  process.exitCode = ok ? 0 : 1;
}

async function load(options: autocannon.Options): Promise<Run> {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION_SECONDS, ...options });
  return {
    rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

// A Node process of its own, as the service is: a floor in the bench's process would share its CPU time with
// the load generator.
function spawnFloor(source: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['-e', source], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
}

// CONNECTIONS loops of one of the service's queries through a pool of its size, for the same duration: queries
// per second.
async function queryLoop(env: Record<string, string>, query: { name: string; text: string; values?: unknown[] }): Promise<number> {
  const source = `
    const { Pool } = require(${JSON.stringify(require.resolve('pg'))});
    const pool = new Pool({ host: process.env.DB_HOST, port: 5432, database: process.env.DB_NAME, user: process.env.DB_USER, password: process.env.DB_PASSWORD, max: 10 });
    const query = ${JSON.stringify(query)};
    let count = 0;
    const end = Date.now() + ${DURATION_SECONDS * 1000};
    const loop = async () => { while (Date.now() < end) { await pool.query(query); count++; } };
    Promise.all(Array.from({ length: ${CONNECTIONS} }, loop)).then(() => { console.log(count / ${DURATION_SECONDS}); return pool.end(); });`;
  const child = spawn(process.execPath, ['-e', source], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', chunk => { out += chunk; });
  await new Promise(resolve => child.on('exit', resolve));
  return Number(out.trim());
}

function peakRssMiB(pid: number | undefined): number {
  const status = pid === undefined ? '' : fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

function check(label: string, value: number, relation: '>=' | '<=', limit: number): boolean {
  const ok = relation === '>=' ? value >= limit : value <= limit;
  console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${label}: ${value.toFixed(2)}x (target ${relation} ${limit}x)`);
  return ok;
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
