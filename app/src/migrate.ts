import pino from 'pino';

import { createPool } from './database';
import { loadMigrations, migrate } from './migrations';
import { readSettings, SettingsError } from './settings';

// `node dist/migrate.js`: what the migration Job runs. Exits 0 when the schema is current, 1 otherwise.
async function main(): Promise<number> {
  const base = { service: 'todo-service', task: 'migrate' };
  let settings;
  try {
    // The listen address and port do not matter here; only the DB_* variables and LOG_LEVEL do.
    settings = readSettings(process.env);
  } catch (error) {
    // LOG_LEVEL may be what is wrong, and pino throws on a level it does not know: report at pino's default level.
    pino({ base }).fatal((error as Error).message);
    return error instanceof SettingsError ? 1 : 2;
  }
  const logger = pino({ level: settings.logLevel, base });
  const pool = createPool(settings, error => logger.warn({ err: error }, 'database connection lost'));
  try {
    const result = await migrate(pool, loadMigrations());
    logger.info(
      { applied: result.applied, alreadyApplied: result.alreadyApplied },
      result.applied.length > 0 ? `applied ${result.applied.length} migration(s)` : 'schema is up to date',
    );
    return 0;
  } catch (error) {
    logger.fatal({ err: error }, `migration failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await pool.end();
  }
}

void main().then(code => process.exit(code));
