import pino from 'pino';

import { buildApp } from './app';
import { createPool } from './database';
import { loadMigrations } from './migrations';
import { readSettings, SettingsError } from './settings';

// The service's entry point: the only place that reads the environment and handles signals.
async function main(): Promise<void> {
  const base = { service: 'todo-service' };
  let settings;
  try {
    settings = readSettings(process.env);
  } catch (error) {
    if (error instanceof SettingsError) {
      // LOG_LEVEL may be what is wrong, and pino throws on a level it does not know: report at pino's default level.
      pino({ base }).fatal(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = pino({ level: settings.logLevel, base });
  const pool = createPool(settings, error => logger.warn({ err: error }, 'idle database connection lost'));
  const app = buildApp({ pool, migrations: loadMigrations(), logger, taskListCache: settings.taskListCache });
  app.addHook('onClose', async () => {
    await pool.end();
    logger.info('database pool closed');
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info({ signal }, 'draining in-flight requests');
    await app.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  await app.listen({ host: settings.host, port: settings.port });
}

main().catch(error => {
  console.error(JSON.stringify({ level: 60, msg: `todo-service failed to start: ${(error as Error).message}` }));
  process.exit(1);
});
