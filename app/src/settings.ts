/** What the service reads from its environment: the tutorial's DB_* contract, plus where to listen. */
export interface Settings {
  readonly database: {
    readonly host: string;
    readonly port: number;
    readonly name: string;
    readonly user: string;
    readonly password: string;
  };
  /** Listen address. @default '0.0.0.0' */
  readonly host: string;
  /** Listen port. @default 5000 */
  readonly port: number;
  /** pino level. @default 'info' */
  readonly logLevel: string;
  /** Keep `GET /tasks` in memory while listening for changes (task-list-cache.ts); `TASK_LIST_CACHE=off` turns it off. @default true */
  readonly taskListCache: boolean;
}

/** Thrown when the environment is incomplete or wrong; its message names every bad variable and the fix. */
export class SettingsError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and checks the environment once, at start, and reports every problem together. */
export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') {
      problems.push(`${name} is not set; set it to the database's ${name.slice(3).toLowerCase()}`);
      return '';
    }
    return value;
  };
  const port = (name: string, fallback: number): number => {
    const raw = env[name] ?? String(fallback);
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < 1 || value > 65535) {
      problems.push(`${name} must be a port from 1 to 65535, got '${raw}'`);
    }
    return value;
  };
  const settings: Settings = {
    database: {
      host: required('DB_HOST'),
      port: port('DB_PORT', 5432),
      name: required('DB_NAME'),
      user: required('DB_USER'),
      password: required('DB_PASSWORD'),
    },
    host: env.HOST ?? '0.0.0.0',
    port: port('PORT', 5000),
    logLevel: env.LOG_LEVEL ?? 'info',
    taskListCache: (env.TASK_LIST_CACHE ?? 'on') === 'on',
  };
  if (!['on', 'off'].includes(env.TASK_LIST_CACHE ?? 'on')) {
    problems.push(`TASK_LIST_CACHE must be 'on' or 'off', got '${env.TASK_LIST_CACHE}'`);
  }
  if (!LOG_LEVELS.includes(settings.logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${settings.logLevel}'`);
  }
  if (problems.length > 0) {
    throw new SettingsError(`invalid environment: ${problems.join('; ')}`);
  }
  return settings;
}
