import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import { Pool } from 'pg';

/** One versioned SQL file of `migrations/`, named `<version>_<name>.sql`. */
export interface Migration {
  readonly version: string;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export interface MigrationResult {
  readonly applied: readonly string[];
  readonly alreadyApplied: readonly string[];
}

/** The folder the migrations ship in: beside `dist/` in the image, beside `src/` in the repository. */
export const MIGRATIONS_DIR = path.join(__dirname, '..', 'migrations');

// Any constant works: every process that migrates this database takes the same session-level lock.
const MIGRATION_LOCK_KEY = 7_265_726_301;

/** Reads the migration files in version order; fails on a malformed name or a duplicate version. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = fs
    .readdirSync(dir)
    .filter(file => file.endsWith('.sql'))
    .sort()
    .map(file => {
      const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) {
        throw new Error(`migration file '${file}' must be named NNNN_name.sql, such as 0002_add_due_date.sql`);
      }
      const sql = fs.readFileSync(path.join(dir, file), 'utf8');
      return { version: match[1], name: match[2], sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
  const versions = migrations.map(m => m.version);
  const duplicate = versions.find((v, i) => versions.indexOf(v) !== i);
  if (duplicate) {
    throw new Error(`two migration files have version ${duplicate}`);
  }
  return migrations;
}

/**
 * Applies every migration not applied yet, each in its own transaction, and records it in `schema_migrations`.
 * Idempotent (a second run applies nothing) and safe to run concurrently: runs queue on an advisory lock. A
 * migration changed after it was applied is an error, not silently skipped.
 */
export async function migrate(pool: Pool, migrations: readonly Migration[]): Promise<MigrationResult> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    text PRIMARY KEY,
      name       text NOT NULL,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: string; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations',
    );
    const recorded = new Map(rows.map(row => [row.version, row.checksum]));
    const applied: string[] = [];
    const alreadyApplied: string[] = [];
    for (const migration of migrations) {
      const checksum = recorded.get(migration.version);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new Error(
            `migration ${migration.version}_${migration.name} was changed after it was applied; add a new migration instead`,
          );
        }
        alreadyApplied.push(migration.version);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`);
      }
      applied.push(migration.version);
    }
    return { applied, alreadyApplied };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}

/** The versions not applied yet (all of them when the migrations table does not exist). */
export async function pendingMigrations(pool: Pool, migrations: readonly Migration[]): Promise<string[]> {
  try {
    const { rows } = await pool.query<{ version: string }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map(row => row.version));
    return migrations.map(m => m.version).filter(version => !applied.has(version));
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') {
      return migrations.map(m => m.version);
    }
    throw error;
  }
}
