import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { PropChecks, PropProblem } from '../kube/prop-checks';

/** A reference to one key of a Secret. */
export interface SecretKeyReference {
  readonly secretName: string;
  readonly key: string;
}

/** What a database client reads its credentials from: one Secret in the client's own namespace. */
export interface ClientCredentials {
  readonly user: SecretKeyReference;
  readonly password: SecretKeyReference;
}

/** The shortest development password accepted. */
const MIN_PASSWORD_LENGTH = 12;

export const POSTGRES_PASSWORD_KEY = 'POSTGRES_PASSWORD';
export const CLIENT_USER_KEY = 'DB_USER';
/** The type and keys of a basic-auth Secret, which CloudNativePG reads its owner credentials from. */
export const BASIC_AUTH_SECRET_TYPE = 'kubernetes.io/basic-auth';
export const BASIC_AUTH_USERNAME_KEY = 'username';
export const BASIC_AUTH_PASSWORD_KEY = 'password';
export const CLIENT_PASSWORD_KEY = 'DB_PASSWORD';

/**
 * Where the database password lives. Secrets cannot be read across namespaces, so the database and each client
 * get a Secret of their own; this object keeps their values in step.
 *
 * Use `forDevelopment()` on development clusters only: it writes the password into the manifests. Use
 * `fromClusterSecrets()` everywhere else: the manifests only reference Secrets created out of band.
 */
export abstract class DatabaseCredentials {
  /**
   * The stack emits both Secrets with `password`. The Secrets are labelled as development-only.
   */
  public static forDevelopment(password: string): DatabaseCredentials {
    return new DevelopmentCredentials(password);
  }

  /**
   * The cluster provides both Secrets: `databaseSecretName` in the database's namespace (key `POSTGRES_PASSWORD`
   * for the StatefulSet and Deployment workloads; a `kubernetes.io/basic-auth` Secret with `username` and
   * `password` for CloudNativePG) and `clientSecretName` (keys `DB_USER`, `DB_PASSWORD`) in each client's namespace.
   */
  public static fromClusterSecrets(databaseSecretName: string, clientSecretName: string): DatabaseCredentials {
    return new ClusterCredentials(databaseSecretName, clientSecretName);
  }

  /** What is wrong with the values given (prop paths relative to the database's `credentials`); checked by the database. */
  public abstract readonly problems: readonly PropProblem[];

  /** The Secret the cluster must provide in the database's namespace; undefined when the stack emits it. */
  public abstract readonly providedDatabaseSecret?: string;
  /** The Secret the cluster must provide in each client's namespace; undefined when the stack emits it. */
  public abstract readonly providedClientSecret?: string;

  /** The `POSTGRES_PASSWORD` reference for the database pod; emits the Secret in `scope` when the stack owns it. */
  public abstract bindDatabase(scope: Construct, name: string): SecretKeyReference;

  /**
   * The name of a `kubernetes.io/basic-auth` Secret (keys `username`, `password`) in `scope`'s namespace, holding
   * `user` and the password: how CloudNativePG takes the owner of the database it creates. Emitted in `scope` when
   * the stack owns it; otherwise the cluster provides it under `databaseSecretName`.
   */
  public abstract bindOwner(scope: Construct, name: string, user: string): string;

  /** The client's Secret in `scope`'s namespace, holding `user` and the password. */
  public abstract bindClient(scope: Construct, name: string, user: string): ClientCredentials;
}

class DevelopmentCredentials extends DatabaseCredentials {
  public readonly providedDatabaseSecret = undefined;
  public readonly providedClientSecret = undefined;
  public readonly problems: readonly PropProblem[];

  constructor(private readonly password: string) {
    super();
    const checks = new PropChecks();
    if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
      checks.add('credentials.password', password, `must be a string of at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    this.problems = checks.problems;
  }

  public bindDatabase(scope: Construct, name: string): SecretKeyReference {
    const secret = new k8s.KubeSecret(scope, 'Secret', {
      metadata: { name, annotations: DEV_ONLY_ANNOTATION },
      type: 'Opaque',
      data: base64({ [POSTGRES_PASSWORD_KEY]: this.password }),
    });
    return { secretName: secret.name, key: POSTGRES_PASSWORD_KEY };
  }

  public bindOwner(scope: Construct, name: string, user: string): string {
    const secret = new k8s.KubeSecret(scope, 'OwnerSecret', {
      metadata: { name, annotations: DEV_ONLY_ANNOTATION },
      type: BASIC_AUTH_SECRET_TYPE,
      data: base64({ [BASIC_AUTH_USERNAME_KEY]: user, [BASIC_AUTH_PASSWORD_KEY]: this.password }),
    });
    return secret.name;
  }

  public bindClient(scope: Construct, name: string, user: string): ClientCredentials {
    const secret = new k8s.KubeSecret(scope, 'DatabaseSecret', {
      metadata: { name, annotations: DEV_ONLY_ANNOTATION },
      type: 'Opaque',
      data: base64({ [CLIENT_USER_KEY]: user, [CLIENT_PASSWORD_KEY]: this.password }),
    });
    return {
      user: { secretName: secret.name, key: CLIENT_USER_KEY },
      password: { secretName: secret.name, key: CLIENT_PASSWORD_KEY },
    };
  }
}

class ClusterCredentials extends DatabaseCredentials {
  public readonly problems: readonly PropProblem[];

  constructor(public readonly providedDatabaseSecret: string, public readonly providedClientSecret: string) {
    super();
    const checks = new PropChecks();
    checks.name('credentials.databaseSecretName', providedDatabaseSecret, 'dnsSubdomain');
    checks.name('credentials.clientSecretName', providedClientSecret, 'dnsSubdomain');
    this.problems = checks.problems;
  }

  public bindDatabase(): SecretKeyReference {
    return { secretName: this.providedDatabaseSecret, key: POSTGRES_PASSWORD_KEY };
  }

  public bindOwner(): string {
    return this.providedDatabaseSecret;
  }

  public bindClient(): ClientCredentials {
    return {
      user: { secretName: this.providedClientSecret, key: CLIENT_USER_KEY },
      password: { secretName: this.providedClientSecret, key: CLIENT_PASSWORD_KEY },
    };
  }
}

const DEV_ONLY_ANNOTATION = {
  'todo-stack/purpose': 'development only: this password is committed to git and must never reach a real cluster',
};

// `data`, not `stringData`: the API server stores only `data`, so `stringData` leaves Argo CD with a permanent diff.
function base64(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')]));
}
