import { Pool } from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import { TaskListCache } from './task-list-cache';

/** The route label of a request that matched no route: one value, so that random URLs cannot grow the series. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The service's Prometheus metrics: requests by method, route pattern and status (a counter and a latency
 * histogram), the database pool's clients, and prom-client's default process metrics. A registry of its own, so
 * that two apps in one process (the tests) never share series. Everything is counted in memory: serving
 * `/metrics` never waits on the database.
 */
export class ServiceMetrics {
  public readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status_code'>;
  private readonly durations: Histogram<'method' | 'route' | 'status_code'>;

  constructor(pool: Pool, taskList: TaskListCache) {
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers: [this.registry],
    });
    this.durations = new Histogram({
      name: 'http_request_duration_seconds',
      help: "Time from a request's arrival to its response, by method, route pattern and status code.",
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    // Read when Prometheus scrapes, not kept up to date on every request.
    const poolGauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    poolGauge('todo_db_pool_clients', 'Database connections the pool holds, idle or in use.', () => pool.totalCount);
    poolGauge('todo_db_pool_idle_clients', 'Database connections the pool holds that are idle.', () => pool.idleCount);
    poolGauge(
      'todo_db_pool_waiting_requests',
      'Queries waiting for a free connection of the pool.',
      () => pool.waitingCount,
    );
    // Counters that count elsewhere (task-list-cache.ts), read on scrape like the gauges.
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    counter('todo_task_list_cache_hits_total', 'GET /tasks answered from memory.', () => taskList.hits);
    counter('todo_task_list_cache_misses_total', 'GET /tasks read from the database.', () => taskList.misses);
    poolGauge(
      'todo_task_list_cache_listening',
      '1 while the pod listens for changes to the tasks (and keeps the list in memory), else 0.',
      () => Number(taskList.isListening),
    );
  }

  /** Counts one response; `route` is the matched route's pattern (`/tasks/:id`), never the raw URL. */
  public observe(method: string, route: string | undefined, statusCode: number, elapsedMs: number): void {
    const labels = { method, route: route ?? UNMATCHED_ROUTE, status_code: String(statusCode) };
    this.requests.inc(labels);
    this.durations.observe(labels, elapsedMs / 1000);
  }
}
