// Requests per second and latency of the todo service on loopback, against a real PostgreSQL (the same server the
// end-to-end test uses), each beside its floor, with PASS/FAIL against the targets. Every request goes to an
// address on this machine, and each run is bounded.
//
// The floors (see GET_FLOOR and POST_FLOOR below): plain Node `http` servers on the same address and port, under
// the same load, that do the least each request can do. The targets say how close the service comes to them.
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import autocannon from 'autocannon';
import { Client } from 'pg';

import { PostgresServer } from '../harness/postgres-server';
import { ServiceProcess, waitFor } from '../harness/service-process';

const ROOT = path.join(__dirname, '..');
const APP_DIR = path.join(ROOT, 'app');
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const WARMUP_SECONDS = 1;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = 10;
const ROWS = 1000;
const PORT = 5000;
// BENCH_CPU_PROF=DIR: the service runs with `node --cpu-prof`, and writes one V8 CPU profile a round into DIR when it
// stops (open them in Chrome DevTools, Performance tab, or any .cpuprofile viewer).
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined;

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
  let server: { stop(): Promise<unknown> } | undefined;
  let ok = true;
  try {
    await postgres.createDatabase('todo', 'todo', 'bench-password-1234');
    const env = {
      DB_HOST: postgres.host,
      DB_PORT: '5432',
      DB_NAME: 'todo',
      DB_USER: 'todo',
      DB_PASSWORD: 'bench-password-1234',
    };
    const migration = new ServiceProcess(['node', 'dist/migrate.js'], APP_DIR, env);
    if ((await migration.exit) !== 0) {
      throw new Error(`migration failed: ${migration.lines.join('\n')}`);
    }
    const client = new Client({ ...postgres.superuser, database: 'todo' });
    await client.connect();
    await client.query(
      `INSERT INTO tasks (title, description) SELECT 'task ' || n, 'description of task ' || n FROM generate_series(1, ${ROWS}) n`,
    );
    // POSTs add rows: every GET run starts from exactly ROWS of them.
    const trim = () => client.query(`DELETE FROM tasks WHERE id > (SELECT min(id) + ${ROWS - 1} FROM tasks)`);
    const url = `http://${postgres.host}:${PORT}`;
    const postBody = {
      url: `${url}/tasks`,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'benchmark', description: 'one more row' }),
    };

    // Rounds alternate the service and its floors, so that a slow stretch of the machine weighs on both alike.
    const runs: Record<'get' | 'getFloor' | 'post' | 'postFloor', Run[]> = {
      get: [],
      getFloor: [],
      post: [],
      postFloor: [],
    };
    let body = '';
    let serviceRss = 0;
    let cache = { hits: 0, misses: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      await trim();
      // Request logs off: at these rates they would measure the terminal, not the service.
      const profile = CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : [];
      const service = new ServiceProcess(['node', ...profile, 'dist/server.js'], APP_DIR, {
        ...env,
        HOST: postgres.host,
        LOG_LEVEL: 'warn',
      });
      server = service;
      await waitFor(`${url}/readyz`);
      await waitForListening(url);
      body = await (await fetch(`${url}/tasks`)).text();
      runs.get.push(await load({ url: `${url}/tasks` }));
      const counts = await cacheCounts(url);
      cache = { hits: cache.hits + counts.hits, misses: cache.misses + counts.misses };
      runs.post.push(await load(postBody));
      serviceRss = Math.max(serviceRss, peakRssMiB(service.pid));
      await service.stop();
      server = undefined;

      server = spawnFloor(GET_FLOOR, { HOST: postgres.host, BODY: body });
      await waitFor(`${url}/`);
      runs.getFloor.push(await load({ url: `${url}/tasks` }));
      await server.stop();
      server = spawnFloor(POST_FLOOR, { ...env, HOST: postgres.host, PG: require.resolve('pg') });
      await waitFor(`${url}/`);
      runs.postFloor.push(await load(postBody));
      await server.stop();
      server = undefined;
    }
    // The same queries as the service's (app/src/app.ts), on a table of ROWS rows for the list, vacuumed of the
    // rounds' deleted rows (which a sequential scan would otherwise read too).
    await trim();
    await client.query('VACUUM tasks');
    const listFloor = await queryLoop(env, {
      name: 'list-tasks',
      text: `SELECT '{"tasks":' || COALESCE(json_agg(t ORDER BY t.id)::text, '[]') || '}' AS body FROM (SELECT id, title, description FROM tasks) t`,
    });
    const insertLoop = await queryLoop(env, {
      name: 'insert-task',
      text: 'INSERT INTO tasks (title, description) VALUES ($1, $2) RETURNING id, title, description',
      values: ['benchmark', 'one more row'],
    });
    await client.end();

    const [get, getFloor, post, postFloor] = [runs.get, runs.getFloor, runs.post, runs.postFloor].map(medianRun);
    console.log(
      `\nTodo service (${os.cpus().length} cores, ${CONNECTIONS} connections; medians of ${ROUNDS} rounds ` +
        `of ${DURATION_SECONDS} s each, after ${WARMUP_SECONDS} s of warm-up; PostgreSQL, service and load generator ` +
        'on this machine)',
    );
    const row = (label: string, run: Run) =>
      console.log(
        `  ${label.padEnd(50)} ${run.rps.toFixed(0).padStart(6)} req/s   p50 ${String(run.p50).padStart(3)} ms   ` +
          `p99 ${String(run.p99).padStart(3)} ms   ${run.failed} failed`,
      );
    const info = (label: string, value: string) => console.log(`  ${label.padEnd(50)} ${value}`);
    row(`GET /tasks (${ROWS} rows, ${(body.length / 1024).toFixed(0)} KiB)`, get);
    row('  floor: plain node http, same body from memory', getFloor);
    info(
      '  answered from memory (task list cache)',
      `${((100 * cache.hits) / Math.max(cache.hits + cache.misses, 1)).toFixed(2).padStart(6)} %  (${cache.hits} hits, ${cache.misses} misses)`,
    );
    info(
      '  for information: the list query alone, no HTTP',
      `${listFloor.toFixed(0).padStart(6)} queries/s through a pool of 10`,
    );
    row('POST /tasks', post);
    row('  floor: plain node http, same INSERT, same pool', postFloor);
    info(
      '  for information: the INSERT alone, no HTTP',
      `${insertLoop.toFixed(0).padStart(6)} inserts/s through a pool of 10`,
    );
    info('peak RSS of the service under this load', `${serviceRss.toFixed(0).padStart(6)} MiB`);
    ok = check('GET /tasks / floor', get.rps / getFloor.rps, '>=', 0.5) && ok;
    ok = check('GET /tasks p99 / floor p99', get.p99 / Math.max(getFloor.p99, 1), '<=', 2) && ok;
    ok = check('POST /tasks / floor', post.rps / postFloor.rps, '>=', 0.5) && ok;
    ok = check('POST /tasks p99 / floor p99', post.p99 / Math.max(postFloor.p99, 1), '<=', 2) && ok;
    ok = checkAbsolute('POST /tasks', post.rps, 5000, 'req/s') && ok;
    const failed = Object.values(runs)
      .flat()
      .reduce((sum, run) => sum + run.failed, 0);
    console.log(`  ${failed === 0 ? 'PASS' : 'FAIL'}  failed requests: ${failed} (target 0)`);
    ok = failed === 0 && ok;
  } finally {
    await server?.stop();
    postgres.destroy();
  }
  process.exitCode = ok ? 0 : 1;
}

// The floors, each a plain Node `http` server in a process of its own, as the service is (a floor in the bench's
// process would share its CPU time with the load generator):
// - GET: the very body the service returned, from memory. Nothing that serves the tasks can beat it.
// - POST: the least a POST can do: read the JSON body, run the service's INSERT ... RETURNING through a pool of
//   the service's size, write the row as JSON. Against the same table (its trigger notifies, as for the service),
//   with a connection listening as the service's does, so the database does the same work for both; what the
//   service adds is Fastify, the body's schema validation, the metrics and the cache's bookkeeping.
const GET_FLOOR = `
  const body = Buffer.from(process.env.BODY);
  require('http').createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  }).listen(${PORT}, process.env.HOST);`;
const POST_FLOOR = `
  const { Client, Pool } = require(process.env.PG);
  const connection = {
    host: process.env.DB_HOST, port: 5432, database: process.env.DB_NAME,
    user: process.env.DB_USER, password: process.env.DB_PASSWORD,
  };
  const pool = new Pool({ ...connection, max: 10 });
  const listener = new Client(connection);
  const insert = { name: 'insert-task', text: 'INSERT INTO tasks (title, description) VALUES ($1, $2) RETURNING id, title, description' };
  listener.connect().then(() => listener.query('LISTEN tasks_changed')).then(() => {
    require('http').createServer((req, res) => {
      if (req.method !== 'POST') { res.end('ready'); return; }
      const chunks = [];
      req.on('data', chunk => chunks.push(chunk));
      req.on('end', async () => {
        const task = JSON.parse(Buffer.concat(chunks).toString());
        const { rows } = await pool.query({ ...insert, values: [task.title, task.description] });
        const out = JSON.stringify({ task: rows[0] });
        res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out) });
        res.end(out);
      });
    }).listen(${PORT}, process.env.HOST);
  });`;

// A warm-up (V8 compiles the hot paths, the pools fill), then the measured run.
async function load(options: autocannon.Options): Promise<Run> {
  await autocannon({ connections: CONNECTIONS, duration: WARMUP_SECONDS, ...options });
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION_SECONDS, ...options });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

function spawnFloor(source: string, env: Record<string, string>): { stop(): Promise<unknown> } {
  const child: ChildProcess = spawn(process.execPath, ['-e', source], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise(resolve => child.on('exit', resolve));
  return {
    stop: () => {
      child.kill();
      return exited;
    },
  };
}

// CONNECTIONS loops of one of the service's queries through a pool of its size, for the same duration: queries
// per second.
async function queryLoop(
  env: Record<string, string>,
  query: { name: string; text: string; values?: unknown[] },
): Promise<number> {
  const source = `
    const { Pool } = require(${JSON.stringify(require.resolve('pg'))});
    const pool = new Pool({
      host: process.env.DB_HOST, port: 5432, database: process.env.DB_NAME,
      user: process.env.DB_USER, password: process.env.DB_PASSWORD, max: 10,
    });
    const query = ${JSON.stringify(query)};
    let count = 0;
    const end = Date.now() + ${DURATION_SECONDS * 1000};
    const loop = async () => { while (Date.now() < end) { await pool.query(query); count++; } };
    Promise.all(Array.from({ length: ${CONNECTIONS} }, loop)).then(() => { console.log(count / ${DURATION_SECONDS}); return pool.end(); });`;
  const child = spawn(process.execPath, ['-e', source], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', chunk => {
    out += chunk;
  });
  await new Promise(resolve => child.on('exit', resolve));
  return Number(out.trim());
}

// The service's own count of GET /tasks answered from memory and from the database (GET /metrics).
async function cacheCounts(url: string): Promise<{ hits: number; misses: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { hits: value('todo_task_list_cache_hits_total'), misses: value('todo_task_list_cache_misses_total') };
}

function peakRssMiB(pid: number | undefined): number {
  const status = pid === undefined ? '' : fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

/** The median of each figure over the rounds. */
function medianRun(runs: Run[]): Run {
  const median = (values: number[]) => {
    const sorted = [...values].sort((x, y) => x - y);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  return {
    rps: median(runs.map(r => r.rps)),
    p50: median(runs.map(r => r.p50)),
    p99: median(runs.map(r => r.p99)),
    total: runs.reduce((sum, r) => sum + r.total, 0),
    failed: runs.reduce((sum, r) => sum + r.failed, 0),
  };
}

// The service keeps the list in memory only once it listens for changes (task-list-cache.ts).
async function waitForListening(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (/^todo_task_list_cache_listening 1$/m.test(await (await fetch(`${url}/metrics`)).text())) {
      return;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  throw new Error('the service did not start listening for changes to the tasks within 10 s');
}

function checkAbsolute(label: string, value: number, limit: number, unit: string): boolean {
  const ok = value >= limit;
  console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${label}: ${value.toFixed(0)} ${unit} (target >= ${limit} ${unit})`);
  return ok;
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
