import { Pool } from 'pg';

import { Settings } from './settings';

/**
 * A connection pool that never crashes the process: an idle client that loses its server (a restart, a
 * failover) is dropped and replaced on next use, and every query is bounded in time.
 */
export function createPool(settings: Settings, onError: (error: Error) => void): Pool {
  const pool = new Pool({
    host: settings.database.host,
    port: settings.database.port,
    database: settings.database.name,
    user: settings.database.user,
    password: settings.database.password,
    max: 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 3_000,
    statement_timeout: 10_000,
    query_timeout: 12_000,
    application_name: 'todo-service',
  });
  pool.on('error', onError);
  return pool;
}

// SQLSTATE classes and codes that mean "the database is not there right now", not "the request is wrong"; 42P01
// (no such table) is a schema not yet migrated, which the migration Job is about to fix.
const UNAVAILABLE_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '3D000',
  '28P01',
  '28000',
  '42P01',
]);
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);
// What pg and pg-pool say when the server is unreachable or the connection drops; some of those errors carry no code.
const UNAVAILABLE_MESSAGE = new RegExp(
  [
    'timeout exceeded when trying to connect',
    'Connection terminated',
    'Client has encountered a connection error',
    'connect ECONNREFUSED',
    'Query read timeout',
  ].join('|'),
  'i',
);

/** Whether an error means the database is unreachable or refusing work (answer 503), rather than a bug (500). */
export function isUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (!e) {
    return false;
  }
  if (e.code && (UNAVAILABLE_CODES.has(e.code) || UNAVAILABLE_ERRNOS.has(e.code))) {
    return true;
  }
  return UNAVAILABLE_MESSAGE.test(e.message ?? '');
}
