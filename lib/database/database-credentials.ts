import { Construct } from 'constructs';

import * as k8s from '../../imports/k8s';
import { PropChecks, PropProblem } from '../kube/prop-checks';

/** A reference to one key of a Secret. */
export interface SecretKeyReference {
  /** Name of the Secret, in the namespace of whoever reads it. */
  readonly secretName: string;
  /** The key of the Secret's data that holds the value. */
  readonly key: string;
}

/** An env var `name` that holds the value of the Secret key `ref` points to. */
export function secretKeyEnv(name: string, ref: SecretKeyReference): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } };
}

/** What a database client logs in with: its role's name (not secret) and its password, from a Secret of its own namespace. */
export interface ClientCredentials {
  /** The PostgreSQL role the client logs in as. */
  readonly user: string;
  /** Where the role's password is: a key of a Secret in the client's namespace. */
  readonly password: SecretKeyReference;
}

/**
 * The login roles of a database the stack runs, beside its bootstrap superuser (README, "Database roles"). Each
 * is `<databaseName>_<role>`, made and granted its rights by the database's roles Job on every deploy.
 */
export enum DatabaseRole {
  /** Owns the schema and its objects: the migration Job, and the restore Job. */
  OWNER = 'owner',
  /** Reads and writes the tables, nothing more: the app's server. */
  SERVICE = 'service',
  /** A member of `pg_monitor`: the metrics exporter. */
  EXPORTER = 'exporter',
  /** Reads every table and sequence of the database: the backup Jobs' `pg_dump`. */
  BACKUP = 'backup',
}

/** The roles a client of another namespace logs in as. */
export type ClientRole = DatabaseRole.OWNER | DatabaseRole.SERVICE;

/** The shortest development password accepted. */
const MIN_PASSWORD_LENGTH = 12;

export const POSTGRES_PASSWORD_KEY = 'POSTGRES_PASSWORD';
/** The type and keys of a basic-auth Secret, which CloudNativePG reads its owner credentials from. */
export const BASIC_AUTH_SECRET_TYPE = 'kubernetes.io/basic-auth';
export const BASIC_AUTH_USERNAME_KEY = 'username';
export const BASIC_AUTH_PASSWORD_KEY = 'password';
export const CLIENT_PASSWORD_KEY = 'DB_PASSWORD';

/** The key of a role's password in the database's roles Secret: `OWNER_PASSWORD`, `SERVICE_PASSWORD`, … */
export function rolePasswordKey(role: DatabaseRole): string {
  return `${role.toUpperCase()}_PASSWORD`;
}

/** The Secrets the cluster provides when the stack emits none (`DatabaseCredentials.fromClusterSecrets`). */
export interface ClusterSecretNames {
  /**
   * In the database's namespace: the bootstrap superuser's `POSTGRES_PASSWORD` (StatefulSet, Deployment), or
   * CloudNativePG's owner as a `kubernetes.io/basic-auth` Secret.
   */
  readonly databaseSecretName: string;
  /** In each client's namespace: the app server's `DB_PASSWORD` (the service role's; with CloudNativePG, the owner's). */
  readonly clientSecretName: string;
  /**
   * StatefulSet and Deployment: in the database's namespace, the password of every role (`OWNER_PASSWORD`,
   * `SERVICE_PASSWORD`, `EXPORTER_PASSWORD`, `BACKUP_PASSWORD`), which the roles Job sets.
   * @default - none: an error with those workloads, unused by CloudNativePG
   */
  readonly rolesSecretName?: string;
  /**
   * StatefulSet and Deployment: in the app's namespace, the migration Job's `DB_PASSWORD` (the owner role's).
   * @default - none: an error with those workloads; CloudNativePG's migration reads `clientSecretName`
   */
  readonly migrationSecretName?: string;
}

/**
 * Where the database's passwords live. Secrets cannot be read across namespaces, so the database and each client
 * get Secrets of their own; this object keeps their values in step.
 *
 * Use `forDevelopment()` on development clusters only: it writes the passwords into the manifests. Use
 * `fromClusterSecrets()` everywhere else: the manifests only reference Secrets created out of band.
 */
export abstract class DatabaseCredentials {
  /**
   * The stack emits every Secret, labelled as development-only: the superuser's (and CloudNativePG's owner's)
   * password is `password`, each role's `<password>-<role>`.
   */
  public static forDevelopment(password: string): DatabaseCredentials {
    return new DevelopmentCredentials(password);
  }

  /** The cluster provides every Secret, under these names (keys: see `ClusterSecretNames`). */
  public static fromClusterSecrets(names: ClusterSecretNames): DatabaseCredentials {
    return new ClusterCredentials(names);
  }

  /** What is wrong with the values given (prop paths relative to the database's `credentials`); checked by the database. */
  public abstract readonly problems: readonly PropProblem[];

  /** The Secret the cluster must provide in the database's namespace; undefined when the stack emits it. */
  public abstract readonly providedDatabaseSecret?: string;
  /** The roles' Secret the cluster must provide in the database's namespace; undefined when the stack emits it. */
  public abstract readonly providedRolesSecret?: string;

  /** What a database with login roles besides its owner (StatefulSet, Deployment) needs besides `problems`. */
  public abstract readonly rolesProblems: readonly PropProblem[];

  /** The `POSTGRES_PASSWORD` reference for the database pod; emits the Secret in `scope` when the stack owns it. */
  public abstract bindDatabase(scope: Construct, name: string): SecretKeyReference;

  /** Where each role's password is, in `scope`'s namespace (the database's); emits the Secret when the stack owns it. */
  public abstract bindRoles(scope: Construct, name: string): (role: DatabaseRole) => SecretKeyReference;

  /**
   * The name of a `kubernetes.io/basic-auth` Secret (keys `username`, `password`) in `scope`'s namespace, holding
   * `user` and the password: how CloudNativePG takes the owner of the database it creates. Emitted in `scope` when
   * the stack owns it; otherwise the cluster provides it under `databaseSecretName`.
   */
  public abstract bindOwner(scope: Construct, name: string, user: string): string;

  /**
   * A client's password (key `DB_PASSWORD`) in `scope`'s namespace: `role`'s, or, without a role, the password of
   * the database's own user (CloudNativePG's owner).
   */
  public abstract bindClient(scope: Construct, name: string, role?: ClientRole): SecretKeyReference;

  /** The Secrets the cluster must provide in a client's namespace for `roles`; empty when the stack emits them. */
  public abstract providedClientSecrets(roles: readonly (ClientRole | undefined)[]): string[];
}

class DevelopmentCredentials extends DatabaseCredentials {
  public readonly providedDatabaseSecret = undefined;
  public readonly providedRolesSecret = undefined;
  public readonly problems: readonly PropProblem[];
  public readonly rolesProblems: readonly PropProblem[] = [];

  constructor(private readonly password: string) {
    super();
    const checks = new PropChecks();
    if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
      checks.add('credentials.password', password, `must be a string of at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    this.problems = checks.problems;
  }

  public bindDatabase(scope: Construct, name: string): SecretKeyReference {
    const secret = devSecret(scope, 'Secret', name, { [POSTGRES_PASSWORD_KEY]: this.password });
    return { secretName: secret.name, key: POSTGRES_PASSWORD_KEY };
  }

  public bindRoles(scope: Construct, name: string): (role: DatabaseRole) => SecretKeyReference {
    const secret = devSecret(
      scope,
      'RolesSecret',
      name,
      Object.fromEntries(Object.values(DatabaseRole).map(role => [rolePasswordKey(role), this.passwordOf(role)])),
    );
    return role => ({ secretName: secret.name, key: rolePasswordKey(role) });
  }

  public bindOwner(scope: Construct, name: string, user: string): string {
    const secret = new k8s.KubeSecret(scope, 'OwnerSecret', {
      metadata: { name, annotations: DEV_ONLY_ANNOTATION },
      type: BASIC_AUTH_SECRET_TYPE,
      data: base64({ [BASIC_AUTH_USERNAME_KEY]: user, [BASIC_AUTH_PASSWORD_KEY]: this.password }),
    });
    return secret.name;
  }

  public bindClient(scope: Construct, name: string, role?: ClientRole): SecretKeyReference {
    // The service's Secret keeps the id it had when it was the only one.
    const id = role === undefined || role === DatabaseRole.SERVICE ? 'DatabaseSecret' : `${role}DatabaseSecret`;
    const secret = devSecret(scope, id, name, { [CLIENT_PASSWORD_KEY]: this.passwordOf(role) });
    return { secretName: secret.name, key: CLIENT_PASSWORD_KEY };
  }

  public providedClientSecrets(): string[] {
    return [];
  }

  private passwordOf(role: DatabaseRole | undefined): string {
    return role === undefined ? this.password : `${this.password}-${role}`;
  }
}

class ClusterCredentials extends DatabaseCredentials {
  public readonly problems: readonly PropProblem[];
  public readonly rolesProblems: readonly PropProblem[];
  public readonly providedDatabaseSecret: string;
  public readonly providedRolesSecret?: string;

  constructor(private readonly names: ClusterSecretNames) {
    super();
    this.providedDatabaseSecret = names.databaseSecretName;
    this.providedRolesSecret = names.rolesSecretName;
    const checks = new PropChecks();
    checks.name('credentials.databaseSecretName', names.databaseSecretName, 'dnsSubdomain');
    checks.name('credentials.clientSecretName', names.clientSecretName, 'dnsSubdomain');
    for (const key of ['rolesSecretName', 'migrationSecretName'] as const) {
      if (names[key] !== undefined) {
        checks.name(`credentials.${key}`, names[key], 'dnsSubdomain');
      }
    }
    this.problems = checks.problems;
    const roles = new PropChecks();
    if (names.rolesSecretName === undefined) {
      roles.add(
        'credentials.rolesSecretName',
        undefined,
        "must name the Secret of the roles' passwords in the database's namespace " +
          "(keys OWNER_PASSWORD, SERVICE_PASSWORD, EXPORTER_PASSWORD, BACKUP_PASSWORD), such as 'postgres-roles'",
      );
    }
    if (names.migrationSecretName === undefined) {
      roles.add(
        'credentials.migrationSecretName',
        undefined,
        "must name the migration Job's Secret in the app's namespace " +
          "(key DB_PASSWORD: the owner role's), such as 'stateful-flask-migration-credentials'",
      );
    }
    this.rolesProblems = roles.problems;
  }

  public bindDatabase(): SecretKeyReference {
    return { secretName: this.names.databaseSecretName, key: POSTGRES_PASSWORD_KEY };
  }

  public bindRoles(): (role: DatabaseRole) => SecretKeyReference {
    return role => ({ secretName: this.names.rolesSecretName!, key: rolePasswordKey(role) });
  }

  public bindOwner(): string {
    return this.names.databaseSecretName;
  }

  public bindClient(_scope: Construct, _name: string, role?: ClientRole): SecretKeyReference {
    return { secretName: this.clientSecretOf(role), key: CLIENT_PASSWORD_KEY };
  }

  public providedClientSecrets(roles: readonly (ClientRole | undefined)[]): string[] {
    return [...new Set(roles.map(role => this.clientSecretOf(role)))];
  }

  private clientSecretOf(role: ClientRole | undefined): string {
    return role === DatabaseRole.OWNER ? this.names.migrationSecretName! : this.names.clientSecretName;
  }
}

const DEV_ONLY_ANNOTATION = {
  'todo-stack/purpose': 'development only: this password is committed to git and must never reach a real cluster',
};

function devSecret(scope: Construct, id: string, name: string, values: Record<string, string>): k8s.KubeSecret {
  return new k8s.KubeSecret(scope, id, {
    metadata: { name, annotations: DEV_ONLY_ANNOTATION },
    type: 'Opaque',
    data: base64(values),
  });
}

// `data`, not `stringData`: the API server stores only `data`, so `stringData` leaves Argo CD with a permanent diff.
function base64(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')]),
  );
}
