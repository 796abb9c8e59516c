import * as k8s from '../imports/k8s';

/**
 * What the stack must know about a todo image: how to probe it, how to migrate its schema, and what it needs
 * from its filesystem. Both images read `DB_USER`, `DB_PASSWORD`, `DB_HOST`, `DB_PORT`, `DB_NAME` and serve
 * `GET`/`POST /tasks`.
 */
export abstract class TodoAppPreset {
  /**
   * The tutorial's Flask image. It has no health route, so readiness asks `GET /tasks` (which needs the
   * database) and liveness only checks that the port accepts connections. It ships no migrations: the tutorial
   * generated them with `flask db init/migrate` inside a running pod. The Job does the same in a scratch folder
   * (`-d /tmp/migrations`, so the root filesystem stays read-only), and first forgets the revision an earlier run
   * recorded (`stamp --purge base`): each run diffs the models against the live schema, so a re-run is a no-op.
   */
  public static readonly FLASK: TodoAppPreset = {
    defaultImage: 'daredrexel/stateful-flask:v0',
    migrationCommand: ['/bin/sh', '-c', [
      'set -e',
      'flask db init -d /tmp/migrations',
      'flask db stamp -d /tmp/migrations --purge base',
      'flask db migrate -d /tmp/migrations',
      'flask db upgrade -d /tmp/migrations',
    ].join('; ')],
    readOnlyRootFilesystem: true,
    runAsUser: 10001,
    readinessProbe: port => ({ httpGet: { path: '/tasks', port: k8s.IntOrString.fromString(port) } }),
    livenessProbe: port => ({ tcpSocket: { port: k8s.IntOrString.fromString(port) } }),
  };

  /**
   * The reference TypeScript service in `app/`: `/healthz` says the process is alive, `/readyz` that the
   * database is reachable and migrated; versioned SQL migrations ship in the image, so the root filesystem is
   * read-only.
   */
  public static readonly NODE_SERVICE: TodoAppPreset = {
    defaultImage: 'ghcr.io/stateful-todo/todo-service:0.1.0',
    migrationCommand: ['node', 'dist/migrate.js'],
    readOnlyRootFilesystem: true,
    runAsUser: 1000,
    readinessProbe: port => ({ httpGet: { path: '/readyz', port: k8s.IntOrString.fromString(port) } }),
    livenessProbe: port => ({ httpGet: { path: '/healthz', port: k8s.IntOrString.fromString(port) } }),
  };

  /** Image used when the app sets none. */
  public abstract readonly defaultImage: string;
  /** Command of the migration Job. */
  public abstract readonly migrationCommand: readonly string[];
  public abstract readonly readOnlyRootFilesystem: boolean;
  /** A non-root uid the image runs under. */
  public abstract readonly runAsUser: number;
  /** The readiness probe, on the named container port `port`. */
  public abstract readinessProbe(port: string): k8s.Probe;
  /** The liveness probe, on the named container port `port`. */
  public abstract livenessProbe(port: string): k8s.Probe;
}
