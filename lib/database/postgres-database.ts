import { imageTag, imageVersion } from '@stateful-todo/kube-conventions';
import { ApiObject, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';

import * as k8s from '../../imports/k8s';
import { ComponentLabels, componentLabels, labelAllObjects, selectorLabels } from '../kube/labels';
import { PropChecks, PropProblem } from '../kube/prop-checks';
import { checkResources, Resources } from '../kube/resources';
import { DEFAULT_CLUSTER_DOMAIN, serviceFqdn } from '../kube/service-dns';
import { sizeToQuantity } from '../kube/size';

import { IDatabaseClient } from './database';
import {
  ClientCredentials,
  ClientRole,
  DatabaseCredentials,
  DatabaseRole,
  SecretKeyReference,
} from './database-credentials';
import { DatabaseNetworkPolicy } from './database-network-policy';
import type { BackupDatabase } from './postgres-backup';
import { CONFIG_KEYS, METRICS_PORT, PGDATA, postgresPodTemplate, postgresServicePort } from './postgres-pod';
import { PostgresRoles, ROLES_JOB_HASH_LENGTH } from './postgres-roles';
import { PostgresServerBase } from './postgres-server-base';

/**
 * Props of a `PostgresStatefulSet` or `PostgresDeployment` (those of `PostgresDatabase`): the database's name, image,
 * database and superuser, storage, resources and metrics exporter.
 */
export interface PostgresDatabaseProps {
  /**
   * The passwords' source: the bootstrap superuser's and each role's (README, "Database roles"). The names are not
   * secret: the superuser's and the database's live in a ConfigMap, the roles' in the pods' env.
   */
  readonly credentials: DatabaseCredentials;
  /**
   * Base name of the objects; the client Service carries it, so clients reach `<name>.<namespace>.svc`.
   * @default POSTGRES_DEFAULTS.name
   */
  readonly name?: string;
  /**
   * A Debian-based official image pinned to a tag (uid/gid 999).
   * @default POSTGRES_DEFAULTS.image
   */
  readonly image?: string;
  /**
   * `POSTGRES_DB`, a lower-case PostgreSQL identifier.
   * @default POSTGRES_DEFAULTS.databaseName
   */
  readonly databaseName?: string;
  /**
   * `POSTGRES_USER`: the bootstrap superuser the image creates on a first start, a lower-case PostgreSQL
   * identifier. Only PostgreSQL's own container and the roles Job log in as it; clients get roles of their own
   * (`<databaseName>_owner`, `_service`, `_exporter`, `_backup`).
   * @default POSTGRES_DEFAULTS.user (`todo`, the name earlier releases gave their clients too)
   */
  readonly user?: string;
  /**
   * Size of the data volume.
   * @default POSTGRES_DEFAULTS.storageSize
   */
  readonly storageSize?: Size;
  /**
   * Storage class of the data volume.
   * @default - the cluster's default storage class
   * @see https://kubernetes.io/docs/concepts/storage/storage-classes/
   */
  readonly storageClassName?: string;
  /**
   * What the PostgreSQL container requests, and its memory limit.
   * @default POSTGRES_DEFAULTS.resources
   */
  readonly resources?: Resources;
  /**
   * A PodDisruptionBudget with `minAvailable: 1`: a node drain stops at the database pod until an operator takes
   * the database down on purpose (README, "Draining the database's node"). Without it, a drain evicts the pod
   * and the database is down until the pod runs again elsewhere.
   * @default POSTGRES_DEFAULTS.podDisruptionBudget
   * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
   */
  readonly podDisruptionBudget?: boolean;
  /**
   * The cluster's DNS domain, under which `host` is written.
   * @default POSTGRES_DEFAULTS.clusterDomain
   */
  readonly clusterDomain?: string;
  /**
   * A pinned postgres_exporter image to run beside PostgreSQL, serving Prometheus metrics on port 9187
   * (`metrics`); `allowMetricsScraper()` lets Prometheus reach it.
   * @default - no exporter
   */
  readonly metricsExporterImage?: string;
}

/** The defaults of every PostgreSQL workload, in one place: the stack's config starts from them too. */
export const POSTGRES_DEFAULTS = {
  name: 'postgres',
  // A current major on Debian (uid/gid 999). Not 18: its image moved PGDATA to /var/lib/postgresql/18/docker.
  image: 'postgres:17.6-bookworm',
  databaseName: 'todo',
  user: 'todo',
  storageSize: Size.gibibytes(5),
  resources: {
    cpuRequest: Cpu.millis(250),
    memoryRequest: Size.mebibytes(256),
    memoryLimit: Size.mebibytes(512),
  } as Resources,
  podDisruptionBudget: true,
  clusterDomain: DEFAULT_CLUSTER_DOMAIN,
} as const;

/** `PostgresDatabaseProps` with every default applied: what `checkProps` checks and the constructor assigns. */
export interface ResolvedPostgresDatabaseProps extends Required<
  Omit<PostgresDatabaseProps, 'storageClassName' | 'metricsExporterImage'>
> {
  /** Storage class of the data volume; undefined for the cluster's default. */
  readonly storageClassName?: string;
  /** The postgres_exporter image; undefined for no exporter. */
  readonly metricsExporterImage?: string;
}

/** The props every PostgreSQL workload has, CloudNativePG's included, with `POSTGRES_DEFAULTS` applied. */
export type ResolvedPostgresCommonProps = Omit<ResolvedPostgresDatabaseProps, 'metricsExporterImage'>;

/**
 * Applies `POSTGRES_DEFAULTS` to the props every PostgreSQL workload has; `defaultImage` is the workload's own
 * (CloudNativePG runs its operand images, not the Docker library's).
 */
export function resolvePostgresCommonProps(
  props: Omit<PostgresDatabaseProps, 'metricsExporterImage'>,
  defaultImage: string = POSTGRES_DEFAULTS.image,
): ResolvedPostgresCommonProps {
  return {
    credentials: props.credentials,
    name: props.name ?? POSTGRES_DEFAULTS.name,
    image: props.image ?? defaultImage,
    databaseName: props.databaseName ?? POSTGRES_DEFAULTS.databaseName,
    user: props.user ?? POSTGRES_DEFAULTS.user,
    storageSize: props.storageSize ?? POSTGRES_DEFAULTS.storageSize,
    storageClassName: props.storageClassName,
    resources: props.resources ?? POSTGRES_DEFAULTS.resources,
    podDisruptionBudget: props.podDisruptionBudget ?? POSTGRES_DEFAULTS.podDisruptionBudget,
    clusterDomain: props.clusterDomain ?? POSTGRES_DEFAULTS.clusterDomain,
  };
}

/** Applies `POSTGRES_DEFAULTS` to the props every StatefulSet and Deployment database shares. */
export function resolvePostgresDatabaseProps(props: PostgresDatabaseProps): ResolvedPostgresDatabaseProps {
  return { ...resolvePostgresCommonProps(props), metricsExporterImage: props.metricsExporterImage };
}

// The oldest PostgreSQL whose psql runs the roles Job's script (\getenv came in 15).
const MIN_POSTGRES_MAJOR = 15;
const PG_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** The name of each login role of a database the stack runs beside its superuser: `<databaseName>_<role>`. */
export function roleNames(databaseName: string): Readonly<Record<DatabaseRole, string>> {
  return Object.fromEntries(Object.values(DatabaseRole).map(role => [role, `${databaseName}_${role}`])) as Record<
    DatabaseRole,
    string
  >;
}

// The roles Job is `<name>-roles-<4 hex>`, and its pods carry that name in a label of 63 characters at most.
const ROLES_JOB_NAME_MAX_LENGTH = 63 - '-roles-'.length - ROLES_JOB_HASH_LENGTH;

// The longest role suffix, `_exporter`: a role name is an identifier of at most 63 characters.
const LONGEST_ROLE_SUFFIX = Math.max(...Object.values(DatabaseRole).map(role => role.length + 1));

/** Checks resolved `databaseName` and `user`: lower-case PostgreSQL identifiers, as every workload needs. */
export function checkPostgresIdentifiers(
  checks: PropChecks,
  props: { readonly databaseName: string; readonly user: string },
): void {
  for (const prop of ['databaseName', 'user'] as const) {
    const value = props[prop];
    if (typeof value !== 'string' || !PG_IDENTIFIER.test(value) || value.length > 63) {
      checks.add(
        prop,
        value,
        "must be a lower-case PostgreSQL identifier (letters, digits, '_'; not starting with a digit; at most 63)",
      );
    }
  }
}

/**
 * What every PostgreSQL flavour owns besides its workload: the ConfigMap of non-secret settings, the password
 * Secret, the ClusterIP Service clients connect to, a PodDisruptionBudget and a NetworkPolicy that admits only
 * the clients added with `allowClient()`. Subclasses add storage and the workload, from `podTemplate()`.
 */
export abstract class PostgresDatabase extends PostgresServerBase implements BackupDatabase {
  /** Size of the data volume. */
  public readonly storageSize: Size;
  /** Storage class of the data volume; undefined for the cluster's default. */
  public readonly storageClassName?: string;
  /** What the PostgreSQL container requests, and its memory limit. */
  public readonly resources: Resources;
  /** Where the database pod reads `POSTGRES_PASSWORD`: the bootstrap superuser's. */
  public readonly passwordSecret: SecretKeyReference;
  /** The login role of each kind of client (README, "Database roles"). */
  public readonly roleNames: Readonly<Record<DatabaseRole, string>>;
  /** The Job that makes the roles and grants their rights, on every deploy (its name changes with its spec). */
  public readonly roles: PostgresRoles;
  /** The ConfigMap `<name>-config`: the database's name, the superuser's name and PGDATA. */
  public readonly configMap: ApiObject;
  /** The ClusterIP Service `<name>` clients connect to. */
  public readonly service: ApiObject;
  /** The PodDisruptionBudget (`minAvailable: 1`); present unless `podDisruptionBudget: false`. */
  public readonly podDisruptionBudget?: ApiObject;
  /** The NetworkPolicy `<name>-clients`: only the clients, and Prometheus on the metrics port, reach the pods. */
  public readonly networkPolicy: ApiObject;
  /** Labels selecting the database pods. */
  public readonly selector: Record<string, string>;

  /** The postgres_exporter image, when the pod runs one. */
  public readonly metricsExporterImage?: string;
  /** None: the stack backs these workloads up with dumps (`dumpSource`). */
  public readonly backupObjects: readonly IConstruct[] = [];

  private readonly policy: DatabaseNetworkPolicy;
  private readonly rolePasswordOf: (role: DatabaseRole) => SecretKeyReference;

  /**
   * What is wrong with the props every workload shares, `maxNameLength` being the workload's limit on `name`.
   * Pure, so that a config can report these problems under its own field names before building anything.
   */
  protected static checkCommonProps(
    props: ResolvedPostgresDatabaseProps,
    maxNameLength: number,
    why: string,
  ): PropProblem[] {
    const checks = new PropChecks();
    checks.name('name', props.name, 'dns1035Label', maxNameLength, why);
    checks.image('image', props.image, POSTGRES_DEFAULTS.image);
    // The roles Job reads each password with psql's \getenv, which PostgreSQL 15 brought (and keeps it off argv).
    const major = typeof props.image === 'string' ? Number(/^(\d+)/.exec(imageTag(props.image) ?? '')?.[1]) : NaN;
    if (major < MIN_POSTGRES_MAJOR) {
      checks.add(
        'image',
        props.image,
        `is PostgreSQL ${major}: the roles Job needs psql ${MIN_POSTGRES_MAJOR} or later (\\getenv); ` +
          `use PostgreSQL ${MIN_POSTGRES_MAJOR} or later, such as '${POSTGRES_DEFAULTS.image}'`,
      );
    }
    checkPostgresIdentifiers(checks, props);
    checks.size('storageSize', props.storageSize, 'Size.gibibytes(5)');
    checks.storageClassName('storageClassName', props.storageClassName);
    checkResources(checks, 'resources', props.resources);
    if (props.metricsExporterImage !== undefined) {
      checks.image(
        'metricsExporterImage',
        props.metricsExporterImage,
        'quay.io/prometheuscommunity/postgres-exporter:v0.17.1',
      );
    }
    checks.name('clusterDomain', props.clusterDomain, 'dnsSubdomain');
    const name = props.name;
    if (typeof name === 'string' && name.length > ROLES_JOB_NAME_MAX_LENGTH && name.length <= maxNameLength) {
      checks.add(
        'name',
        name,
        `must be at most ${ROLES_JOB_NAME_MAX_LENGTH} characters: the roles Job is '<name>-roles-<4 characters>', ` +
          'and its pods carry that name in a label value of at most 63',
      );
    }
    const databaseName = props.databaseName;
    if (typeof databaseName === 'string' && databaseName.length > 63 - LONGEST_ROLE_SUFFIX) {
      checks.add(
        'databaseName',
        databaseName,
        `must be at most ${63 - LONGEST_ROLE_SUFFIX} characters: the roles are ` +
          `'<databaseName>_owner' … '<databaseName>_exporter', identifiers of at most 63`,
      );
    }
    const user = props.user;
    if (typeof databaseName === 'string' && Object.values(roleNames(databaseName)).includes(user)) {
      checks.add(
        'user',
        user,
        `is the name of one of the database's own roles (${Object.values(roleNames(databaseName)).join(', ')}); ` +
          "the bootstrap superuser needs another name, such as 'todo' or 'postgres'",
      );
    }
    return [...checks.problems, ...props.credentials.problems, ...props.credentials.rolesProblems];
  }

  /**
   * @param props the workload's props, every default applied
   * @param problems what the workload found wrong with `props` (its `checkProps`), thrown before anything is made
   */
  protected constructor(
    scope: Construct,
    id: string,
    props: ResolvedPostgresDatabaseProps,
    problems: readonly PropProblem[],
  ) {
    super(scope, id, props, problems);
    this.storageSize = props.storageSize;
    this.storageClassName = props.storageClassName;
    this.resources = props.resources;
    this.metricsExporterImage = props.metricsExporterImage;
    this.selector = selectorLabels(this, this.identity);
    this.roleNames = roleNames(this.databaseName);

    this.configMap = new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: `${this.name}-config` },
      data: {
        [CONFIG_KEYS.database]: this.databaseName,
        [CONFIG_KEYS.user]: this.user,
        [CONFIG_KEYS.pgdata]: PGDATA,
      },
    });
    this.passwordSecret = this.credentials.bindDatabase(this, `${this.name}-credentials`);
    this.rolePasswordOf = this.credentials.bindRoles(this, `${this.name}-roles`);

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name },
      spec: {
        type: 'ClusterIP',
        selector: this.selector,
        ports: [postgresServicePort(this.port)],
      },
    });

    if (props.podDisruptionBudget) {
      // minAvailable 1 on the only pod blocks voluntary evictions (node drains) until an operator decides to take
      // the database down, as CloudNativePG does for its primary; AlwaysAllow still lets a broken pod be evicted.
      this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: { name: this.name },
        spec: {
          minAvailable: k8s.IntOrString.fromNumber(1),
          selector: { matchLabels: this.selector },
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
      });
    }

    this.policy = new DatabaseNetworkPolicy(this, 'NetworkPolicy', {
      name: `${this.name}-clients`,
      podSelector: this.selector,
      databasePort: this.port,
      metricsPort: this.metricsExporterImage === undefined ? undefined : METRICS_PORT,
    });
    this.networkPolicy = this.policy.resource;
    this.roles = new PostgresRoles(this, 'Roles', { database: this });
  }

  /** The stable DNS name clients connect to: the client Service's FQDN. */
  public get host(): string {
    return serviceFqdn(this.service.name, this.namespace, this.clusterDomain);
  }

  /** The roles Job of `roles`: it makes the login roles and grants their rights on every deploy. */
  public get rolesJob(): ApiObject {
    return this.roles.job;
  }

  /** This database itself: the stack backs it up with dumps. */
  public get dumpSource(): BackupDatabase {
    return this;
  }

  /** The Secrets the cluster must provide in a client's namespace for `roles`; empty when the stack emits them. */
  public providedClientSecrets(roles: readonly ClientRole[]): string[] {
    return this.credentials.providedClientSecrets(roles);
  }

  /** What a client logs in as to act as `role`: the role's name, its password in a Secret of `scope`'s namespace. */
  public bindClient(scope: Construct, secretName: string, role: ClientRole): ClientCredentials {
    return { user: this.roleNames[role], password: this.credentials.bindClient(scope, secretName, role) };
  }

  /** Where `role`'s password is, in the database's namespace (the roles Secret). */
  public rolePassword(role: DatabaseRole): SecretKeyReference {
    return this.rolePasswordOf(role);
  }

  /** Lets the pods of `client` (and only them, in their namespace) reach the database port. */
  public allowClient(client: IDatabaseClient): void {
    this.policy.allowClient(client);
  }

  /** Lets the pods of `namespace` (Prometheus's) reach the exporter's port, and only that port. */
  public allowMetricsScraper(namespace: string): void {
    if (this.metricsExporterImage === undefined) {
      throw new Error(
        `${this.node.path}: allowMetricsScraper('${namespace}') needs a metricsExporterImage: the pod serves no metrics`,
      );
    }
    this.policy.allowMetricsScraper(namespace);
  }

  /** The recommended-label identity of the database's objects: named after this database, so that its selector is its own. */
  protected get identity(): ComponentLabels {
    return { name: this.name, component: 'database', version: imageVersion(this.image) };
  }

  /** The labels of the database pods (all six recommended labels). */
  protected get podLabels(): Record<string, string> {
    return componentLabels(this, this.identity);
  }

  /** The pod both flavours run; `dataVolume` is set by a flavour that mounts a PVC directly. */
  protected podTemplate(dataVolume?: k8s.Volume): k8s.PodTemplateSpec {
    return postgresPodTemplate({
      image: this.image,
      labels: this.podLabels,
      configMapName: this.configMap.name,
      password: this.passwordSecret,
      resources: this.resources,
      dataVolume,
      exporter: this.metricsExporterImage
        ? {
            image: this.metricsExporterImage,
            databaseName: this.databaseName,
            user: this.roleNames[DatabaseRole.EXPORTER],
            password: this.rolePassword(DatabaseRole.EXPORTER),
          }
        : undefined,
    });
  }

  /** The data volume's size as a Kubernetes quantity. */
  protected get storageQuantity(): k8s.Quantity {
    return k8s.Quantity.fromString(sizeToQuantity(this.storageSize));
  }

  /** Puts the recommended labels on every object; subclasses call it once their objects exist. */
  protected labelObjects(): void {
    labelAllObjects(this, componentLabels(this, this.identity));
    this.roles.labelObjects(this.image);
  }
}
