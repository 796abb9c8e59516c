import { IncomingMessage, ServerResponse } from 'http';
import { Socket } from 'net';

import Fastify, { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { Pool } from 'pg';

import { isUnavailable } from './database';
import { ServiceMetrics } from './metrics';
import { Migration, pendingMigrations } from './migrations';
import { TaskListCache } from './task-list-cache';

/** The largest request body accepted, in bytes. */
export const BODY_LIMIT = 16 * 1024;
export const TITLE_MAX = 80;
export const DESCRIPTION_MAX = 200;

export interface Task {
  readonly id: number;
  readonly title: string;
  readonly description: string;
}

export interface AppOptions {
  readonly pool: Pool;
  readonly migrations: readonly Migration[];
  readonly logger: FastifyBaseLogger;
  /** How often start-up checks the schema until every migration is applied. @default 1000 */
  readonly startupCheckIntervalMs?: number;
  /** Keep `GET /tasks` in memory while listening for changes; when false, every request reads the database. @default true */
  readonly taskListCache?: boolean;
}

// Named queries are prepared once per connection: PostgreSQL parses and plans them once, not on every request.
const INSERT_TASK = {
  name: 'insert-task',
  text: 'INSERT INTO tasks (title, description) VALUES ($1, $2) RETURNING id, title, description',
};

const taskBody = {
  type: 'object',
  required: ['title'],
  additionalProperties: false,
  properties: {
    title: { type: 'string', minLength: 1, maxLength: TITLE_MAX, pattern: '\\S' },
    description: { type: 'string', maxLength: DESCRIPTION_MAX },
  },
} as const;

/**
 * The tutorial's API (`GET`/`POST /tasks`), plus `GET`/`PUT`/`DELETE /tasks/:id`, `/healthz` (the process is
 * alive) and `/readyz` (started and not draining). Every error is JSON: `{"error": "…"}`.
 *
 * Readiness means "this pod can answer", not "the database is up": the database is shared by every pod, so a
 * readiness that followed it would take them all out of the Service at once when it restarts, and clients would
 * get refused connections instead of this service's own 503 with `Retry-After`. Start-up is the exception: a pod
 * becomes ready once it has seen every migration applied (the schema it serves exists), and stays ready after.
 * `/readyz` never waits on the database, so it answers well within any probe timeout.
 */
export function buildApp({
  pool,
  migrations,
  logger,
  startupCheckIntervalMs = 1000,
  taskListCache = true,
}: AppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT,
    // While draining on SIGTERM, new requests get 503 and in-flight ones finish.
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    schemaErrorFormatter: errors => new Error(describeValidationError(errors[0])),
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      return sendError(reply, 400, error.message);
    }
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return sendError(reply, 400, 'the body is not valid JSON');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendError(reply, 400, 'the body must be a JSON object');
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(reply, 400, `the body is larger than ${BODY_LIMIT} bytes`);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(reply, 415, "the body must be JSON, with 'Content-Type: application/json'");
    }
    if (isUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      reply.header('Retry-After', '5');
      return sendError(reply, 503, 'the database is unavailable; try again later');
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, 500, 'internal error');
  });

  // Once closing starts, every response (in-flight ones included) closes its connection: otherwise a client's
  // keep-alive socket holds the server open for up to its keep-alive timeout, past the pod's grace period.
  let draining = false;
  // Node's server.close() waits for every open connection, but closes only those between two requests. A connection
  // whose request has not arrived yet (a client that connected just before the drain, a TCP probe) holds it open
  // until the client hangs up: for ever, if it never sends one. So does one whose response was already on its way
  // with keep-alive when the drain began, for the keep-alive timeout (72 s). Each connection's requests in flight
  // are counted: at the drain, those with none are closed, and the others once their last response is sent.
  const requestsInFlight = new Map<Socket, number>();
  app.server.on('connection', (socket: Socket) => {
    if (draining) {
      socket.destroy();
      return;
    }
    requestsInFlight.set(socket, 0);
    socket.once('close', () => requestsInFlight.delete(socket));
  });
  app.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    requestsInFlight.set(socket, (requestsInFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      if (!requestsInFlight.has(socket)) {
        return;
      }
      const left = requestsInFlight.get(socket)! - 1;
      requestsInFlight.set(socket, left);
      if (draining && left === 0) {
        socket.end(() => socket.destroy());
      }
    });
  });
  app.addHook('preClose', async () => {
    draining = true;
    for (const [socket, requests] of requestsInFlight) {
      if (requests === 0) {
        socket.destroy();
      }
    }
  });
  // A callback hook, not an async one: this runs on every response, and an async hook costs a promise each time.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) {
      reply.header('Connection', 'close');
    }
    done(null, payload);
  });

  // GET /metrics in the Prometheus text format. Not routed by the Ingress (which routes /tasks): Prometheus scrapes
  // the pods directly. A 404's route is one label value, so random URLs cannot grow the number of series.
  const taskList = new TaskListCache({ pool, logger });
  const metrics = new ServiceMetrics(pool, taskList);
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observe(
      request.method,
      request.is404 ? undefined : request.routeOptions.url,
      reply.statusCode,
      reply.elapsedTime,
    );
    done();
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, `no route ${request.method} ${request.url.split('?')[0]}`),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));

  // Start-up: check the schema in the background until every migration is applied; /readyz reads the outcome.
  let started = false;
  let startingReason = 'checking the database schema';
  let startupTimer: NodeJS.Timeout | undefined;
  const checkStartup = async () => {
    try {
      const pending = await pendingMigrations(pool, migrations);
      if (pending.length === 0) {
        started = true;
        logger.info('started: every migration is applied');
        return;
      }
      startingReason = `migrations not applied: ${pending.join(', ')}`;
    } catch (error) {
      startingReason = 'the database is unavailable';
      logger.warn({ err: error }, 'start-up check failed');
    }
    if (!draining) {
      startupTimer = setTimeout(() => void checkStartup(), startupCheckIntervalMs);
    }
  };
  app.addHook('onReady', async () => {
    void checkStartup();
    // Without its listening connection, the cache keeps nothing: every GET /tasks reads the database.
    if (taskListCache) {
      taskList.start();
    }
  });
  app.addHook('onClose', async () => {
    clearTimeout(startupTimer);
    taskList.stop();
  });

  app.get('/readyz', async (_request, reply) =>
    started ? { status: 'ready' } : reply.code(503).send({ status: 'starting', reason: startingReason }),
  );

  // The tasks as objects with id, title and description, in id order: from memory while that is known to be
  // current, else written by PostgreSQL (task-list-cache.ts; the README's Benchmarks).
  app.get('/tasks', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(await taskList.get()),
  );

  // Every change calls taskList.changed() once it has committed, before it answers: this pod's next read sees it.
  app.post<{ Body: { title: string; description?: string } }>(
    '/tasks',
    { schema: { body: taskBody } },
    async (request, reply) => {
      const { rows } = await pool.query<Task>({
        ...INSERT_TASK,
        values: [request.body.title, request.body.description ?? ''],
      });
      taskList.changed();
      return reply.code(201).header('Location', `/tasks/${rows[0].id}`).send({ task: rows[0] });
    },
  );

  app.get<{ Params: { id: string } }>('/tasks/:id', async (request, reply) => {
    const id = taskId(request.params.id);
    if (id === undefined) {
      return sendError(reply, 400, `'id' must be a positive integer, got '${request.params.id}'`);
    }
    const { rows } = await pool.query<Task>('SELECT id, title, description FROM tasks WHERE id = $1', [id]);
    return rows[0] ? { task: rows[0] } : sendError(reply, 404, `task ${id} not found`);
  });

  app.put<{ Params: { id: string }; Body: { title: string; description?: string } }>(
    '/tasks/:id',
    { schema: { body: taskBody } },
    async (request, reply) => {
      const id = taskId(request.params.id);
      if (id === undefined) {
        return sendError(reply, 400, `'id' must be a positive integer, got '${request.params.id}'`);
      }
      const { rows } = await pool.query<Task>(
        'UPDATE tasks SET title = $2, description = $3, updated_at = now() WHERE id = $1 RETURNING id, title, description',
        [id, request.body.title, request.body.description ?? ''],
      );
      taskList.changed();
      return rows[0] ? { task: rows[0] } : sendError(reply, 404, `task ${id} not found`);
    },
  );

  app.delete<{ Params: { id: string } }>('/tasks/:id', async (request, reply) => {
    const id = taskId(request.params.id);
    if (id === undefined) {
      return sendError(reply, 400, `'id' must be a positive integer, got '${request.params.id}'`);
    }
    const { rowCount } = await pool.query('DELETE FROM tasks WHERE id = $1', [id]);
    taskList.changed();
    return rowCount ? reply.code(204).send() : sendError(reply, 404, `task ${id} not found`);
  });

  return app;
}

function sendError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ error: message });
}

// A positive integer that fits the column (PostgreSQL integer).
function taskId(raw: string): number | undefined {
  if (!/^[1-9]\d{0,9}$/.test(raw)) {
    return undefined;
  }
  const id = Number(raw);
  return id <= 2_147_483_647 ? id : undefined;
}

interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Record<string, any>;
  readonly message?: string;
}

function describeValidationError(error: SchemaError | undefined): string {
  if (!error) {
    return 'the body is invalid';
  }
  const field = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  switch (error.keyword) {
    case 'required':
      return `'${error.params.missingProperty}' is required`;
    case 'additionalProperties':
      return `unknown field '${error.params.additionalProperty}'; the fields are 'title' and 'description'`;
    case 'type':
      return field ? `'${field}' must be a ${error.params.type}` : 'the body must be a JSON object';
    case 'minLength':
      return `'${field}' must not be empty`;
    case 'maxLength':
      return `'${field}' must be at most ${error.params.limit} characters`;
    case 'pattern':
      return `'${field}' must not be blank`;
    default:
      return `${field ? `'${field}' ` : 'the body '}${error.message ?? 'is invalid'}`;
  }
}
