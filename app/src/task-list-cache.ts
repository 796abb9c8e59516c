import { FastifyBaseLogger } from 'fastify';
import { Client, ClientConfig, Pool } from 'pg';

/** The channel migration 0002 notifies on every committed change to the tasks. */
export const TASKS_CHANGED_CHANNEL = 'tasks_changed';

// Named queries are prepared once per connection: PostgreSQL parses and plans them once, not on every request.
// PostgreSQL writes the whole body, in C, as one text value: node-postgres does not parse 1,000 rows into objects
// for JSON.stringify to walk again.
const LIST_TASKS = {
  name: 'list-tasks',
  text: `SELECT '{"tasks":' || COALESCE(json_agg(t ORDER BY t.id)::text, '[]') || '}' AS body
         FROM (SELECT id, title, description FROM tasks) t`,
};

export interface TaskListCacheOptions {
  readonly pool: Pool;
  /** How to open the listening connection (the pool's own settings, by default). */
  readonly listenerConfig?: ClientConfig;
  readonly logger: FastifyBaseLogger;
  /** How often the listening connection proves it is alive. @default 1000 */
  readonly heartbeatMs?: number;
  /** How long a reconnection waits after a failed one, doubling up to 8x. @default 500 */
  readonly reconnectMs?: number;
}

/**
 * `GET /tasks`'s body, kept in memory while it is known to be current. It is known to be current while a connection
 * of this pod LISTENs on `tasks_changed` (every committed change to the tasks notifies it, whoever made it: another
 * pod, psql, a migration; the restore Job notifies too) and has heard nothing since the body was read:
 * - a notification, or a change this pod makes itself (before it answers it), drops the body;
 * - a body read by a query that started before a change is never kept;
 * - while the listening connection is down, or has not answered its heartbeat, nothing is kept and every request
 *   queries the database, as without a cache; it reconnects in the background, and starts empty.
 * Another pod's change is seen once its notification arrives: milliseconds after the commit, or, if the listening
 * connection silently dies, at most two heartbeats later, when it is given up. Concurrent requests for a body that
 * is not in memory share one query, if it started after the last change.
 */
export class TaskListCache {
  private body?: Buffer;
  /** Bumped by every change heard of, and by every loss of the listening connection. */
  private generation = 0;
  private listening = false;
  private pending?: { generation: number; body: Promise<Buffer> };
  /** The listening connection, from its first connection attempt until it is given up. */
  private current?: Client;
  private heartbeat?: NodeJS.Timeout;
  private reconnect?: NodeJS.Timeout;
  private failures = 0;
  private stopped = false;
  private readonly heartbeatMs: number;
  private readonly reconnectMs: number;

  /** Served from memory, and read from the database. */
  public hits = 0;
  public misses = 0;

  constructor(private readonly options: TaskListCacheOptions) {
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.reconnectMs = options.reconnectMs ?? 500;
  }

  /** Whether the body is being kept: the listening connection is up. */
  public get isListening(): boolean {
    return this.listening;
  }

  /** Opens the listening connection, in the background; `get` works before and without it. */
  public start(): void {
    this.stopped = false;
    void this.connect();
  }

  /** Closes the listening connection and stops reconnecting. */
  public stop(): void {
    this.stopped = true;
    this.close();
  }

  /** The body of `GET /tasks`: `{"tasks":[…]}` with every task, in id order. */
  public get(): Buffer | Promise<Buffer> {
    if (this.body) {
      this.hits++;
      return this.body;
    }
    this.misses++;
    if (this.pending && this.pending.generation === this.generation) {
      return this.pending.body;
    }
    const generation = this.generation;
    const keep = this.listening;
    const body = this.options.pool.query<{ body: string }>(LIST_TASKS).then(({ rows }) => Buffer.from(rows[0].body));
    const pending = { generation, body };
    this.pending = pending;
    // Kept only if nothing changed while the query ran, and the connection listened before it started.
    const settle = (value?: Buffer) => {
      if (this.pending === pending) {
        this.pending = undefined;
      }
      if (value && keep && this.listening && generation === this.generation) {
        this.body = value;
      }
    };
    body.then(settle, () => settle());
    return body;
  }

  /** Called when this pod has changed the tasks, before it answers: its own next read sees the change. */
  public changed(): void {
    this.generation++;
    this.body = undefined;
  }

  private async connect(): Promise<void> {
    // pg-pool keeps the password out of its options' enumerable keys (out of logs): it is copied by name.
    const poolOptions = (this.options.pool as unknown as { options: ClientConfig }).options;
    const client = new Client({
      ...(this.options.listenerConfig ?? { ...poolOptions, password: poolOptions.password }),
      application_name: 'todo-service-listener',
      keepAlive: true,
    });
    this.current = client;
    client.on('error', error => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the connection closed')));
    client.on('notification', () => {
      if (this.current === client) {
        this.changed();
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${TASKS_CHANGED_CHANNEL}`);
    } catch (error) {
      this.lost(client, error as Error);
      return;
    }
    if (this.current !== client) {
      return;
    }
    this.failures = 0;
    // Whatever was read before LISTEN took effect may have missed a change: start from nothing.
    this.changed();
    this.listening = true;
    this.options.logger.info('task list cache: listening for changes');
    this.scheduleHeartbeat(client);
  }

  // A query on the listening connection every heartbeatMs, answered within one more: a connection that has died
  // without closing (a network partition, a failover) stops the cache within two heartbeats.
  private scheduleHeartbeat(client: Client): void {
    this.heartbeat = setTimeout(() => {
      const timeout = setTimeout(
        () => this.lost(client, new Error(`no answer to the heartbeat within ${this.heartbeatMs} ms`)),
        this.heartbeatMs,
      );
      client.query('SELECT 1').then(
        () => {
          clearTimeout(timeout);
          if (this.current === client) {
            this.scheduleHeartbeat(client);
          }
        },
        error => {
          clearTimeout(timeout);
          this.lost(client, error);
        },
      );
    }, this.heartbeatMs);
  }

  // The listening connection `client` failed (or was given up): stop keeping the body, close it, and try again
  // later. Events of a connection already given up are ignored.
  private lost(client: Client, error: Error): void {
    if (client !== this.current) {
      return;
    }
    const wasListening = this.listening;
    this.close();
    if (this.stopped) {
      return;
    }
    if (wasListening) {
      this.options.logger.warn(
        { err: error },
        'task list cache: stopped listening for changes; every request reads the database until it reconnects',
      );
    } else if (this.failures === 0) {
      this.options.logger.warn(
        { err: error },
        'task list cache: cannot listen for changes; every request reads the database until it can',
      );
    }
    const delay = this.reconnectMs * 2 ** Math.min(this.failures++, 3);
    this.reconnect = setTimeout(() => void this.connect(), delay);
  }

  private close(): void {
    clearTimeout(this.heartbeat);
    clearTimeout(this.reconnect);
    this.listening = false;
    this.changed();
    const client = this.current;
    this.current = undefined;
    client?.end().catch(() => undefined);
  }
}
