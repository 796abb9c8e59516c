import * as k8s from '../../imports/k8s';

/** The todo images the stack knows how to run: the key of `TodoAppPreset.of()`, and what a config names. */
export enum AppPreset {
  /** The tutorial's Flask image (`daredrexel/stateful-flask:v0`): no health routes, migrations via `flask db`. */
  FLASK = 'flask',
  /** The reference TypeScript service in `app/`: `/healthz`, `/readyz`, `node dist/migrate.js`. */
  NODE_SERVICE = 'node-service',
}

/** How a todo image learns the port it listens on. */
export type ListenPort =
  /** The image reads its port from this environment variable, which the app sets from its `port`. */
  | { readonly env: string }
  /** The image always listens on this port; any other `port` is an error. */
  | { readonly fixed: number };

/**
 * What the stack must know about a todo image: how to start and probe it, how to migrate its schema, which port it
 * listens on and what it needs from its filesystem. Both images read `DB_USER`, `DB_PASSWORD`, `DB_HOST`,
 * `DB_PORT`, `DB_NAME` and serve `GET`/`POST /tasks`.
 */
export abstract class TodoAppPreset {
  /**
   * The tutorial's Flask image (`daredrexel/stateful-flask:v0`: Flask-Migrate 4.0.4, `app.run(debug=True)` in
   * `app.py`, port 5000).
   *
   * - The server is started with `flask run --no-debugger`, not the image's `python app.py`: `flask run` does not
   *   execute the `__main__` block, so the hard-coded `debug=True` never applies, and an unhandled error is a plain
   *   500, never Werkzeug's debugger with the source. It is still Flask's development server: do not put this image
   *   on the internet (the prod stage runs the node service).
   * - It has no health route, and every route needs the database: readiness is a TCP check, so that a database
   *   restart does not take every pod out of its Service (clients get errors from the app, not refused
   *   connections), and liveness likewise.
   * - It ships no migrations (the tutorial generated them with `flask db init/migrate` inside a running pod). The
   *   Job does the same in a scratch folder (`-d /tmp/migrations`, so the root filesystem stays read-only), after
   *   forgetting the revision an earlier run recorded. Flask-Migrate 4.0.4 has no `stamp --purge` (4.0.6 added
   *   it), so the Job calls alembic's own `stamp(…, purge=True)` through the app's Flask-Migrate config. Each run
   *   diffs the models against the live schema, so a re-run is a no-op. The known risk: autogenerate turns a
   *   removed or renamed model column into a DROP COLUMN, which deletes that column's data.
   */
  public static readonly FLASK: TodoAppPreset = {
    name: AppPreset.FLASK,
    defaultImage: 'daredrexel/stateful-flask:v0',
    listenPort: { fixed: 5000 },
    serverCommand: ['flask', 'run', '--host=0.0.0.0', '--port=5000', '--no-debugger', '--no-reload'],
    migrationCommand: [
      '/bin/sh',
      '-c',
      [
        'set -e',
        'flask db init -d /tmp/migrations',
        'python -c "from alembic import command; from flask.cli import ScriptInfo; app = ScriptInfo().load_app(); ' +
          "app.app_context().push(); command.stamp(app.extensions['migrate'].migrate.get_config('/tmp/migrations'), " +
          "'base', purge=True)\"",
        'flask db migrate -d /tmp/migrations',
        'flask db upgrade -d /tmp/migrations',
      ].join('; '),
    ],
    readOnlyRootFilesystem: true,
    runAsUser: 10001,
    readinessProbe: port => ({ tcpSocket: { port: k8s.IntOrString.fromString(port) } }),
    livenessProbe: port => ({ tcpSocket: { port: k8s.IntOrString.fromString(port) } }),
    metricsPath: undefined,
    changeChannels: [],
    taskListCacheEnv: undefined,
  };

  /**
   * The reference TypeScript service in `app/`: `/healthz` says the process is alive, `/readyz` that it has
   * started (the schema was migrated once) and is not draining; a database outage after that is answered with the
   * service's own 503s. Versioned SQL migrations ship in the image, so the root filesystem is read-only.
   */
  public static readonly NODE_SERVICE: TodoAppPreset = {
    name: AppPreset.NODE_SERVICE,
    defaultImage: 'ghcr.io/stateful-todo/todo-service:0.1.0',
    listenPort: { env: 'PORT' },
    migrationCommand: ['node', 'dist/migrate.js'],
    readOnlyRootFilesystem: true,
    runAsUser: 1000,
    readinessProbe: port => ({ httpGet: { path: '/readyz', port: k8s.IntOrString.fromString(port) } }),
    livenessProbe: port => ({ httpGet: { path: '/healthz', port: k8s.IntOrString.fromString(port) } }),
    metricsPath: '/metrics',
    // app/migrations/0002_notify_task_changes.sql and app/src/task-list-cache.ts.
    changeChannels: ['tasks_changed'],
    // app/src/settings.ts
    taskListCacheEnv: 'TASK_LIST_CACHE',
  };

  /** The preset named `name`. */
  public static of(name: AppPreset): TodoAppPreset {
    return PRESETS[name];
  }

  /** The preset's name: what a config's `preset` says. */
  public abstract readonly name: AppPreset;
  /** Image used when the app sets none. */
  public abstract readonly defaultImage: string;
  /** How the image learns its port. */
  public abstract readonly listenPort: ListenPort;
  /**
   * The server's command, when the image's own must be replaced.
   * @default - the image's entrypoint and command
   */
  public abstract readonly serverCommand?: readonly string[];
  /** Command of the migration Job. */
  public abstract readonly migrationCommand: readonly string[];
  /** Whether the containers' root filesystem is read-only: true unless the image writes outside its emptyDirs. */
  public abstract readonly readOnlyRootFilesystem: boolean;
  /** A non-root uid the image runs under. */
  public abstract readonly runAsUser: number;
  /** The readiness probe, on the named container port `port`. */
  public abstract readinessProbe(port: string): k8s.Probe;
  /** The liveness probe, on the named container port `port`. */
  public abstract livenessProbe(port: string): k8s.Probe;
  /** Where the server serves Prometheus metrics, on its HTTP port; undefined when it serves none. */
  public abstract readonly metricsPath?: string;
  /**
   * The PostgreSQL channels the server LISTENs on to drop what it keeps in memory. Its schema's triggers notify
   * them on every change; a restore, which loads data with no trigger in place, notifies them once it has committed.
   */
  public abstract readonly changeChannels: readonly string[];
  /**
   * The environment variable (`on` or `off`) that turns on or off the server's copy of the task list in memory,
   * kept while it listens on `changeChannels`; undefined when the image keeps none.
   */
  public abstract readonly taskListCacheEnv?: string;
}

// Keyed by the enum and typed as a total map: a new AppPreset does not compile until it has a preset here.
const PRESETS: { readonly [name in AppPreset]: TodoAppPreset } = {
  [AppPreset.FLASK]: TodoAppPreset.FLASK,
  [AppPreset.NODE_SERVICE]: TodoAppPreset.NODE_SERVICE,
};
