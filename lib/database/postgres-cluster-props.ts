import { imageRepository, imageTag } from '@stateful-todo/kube-conventions';
import { Size } from 'cdk8s';

import { cronScheduleProblem } from '../kube/cron-schedule';
import { PropChecks, PropProblem } from '../kube/prop-checks';
import { checkResources, Resources } from '../kube/resources';

import { DatabaseCredentials } from './database-credentials';
import { checkPostgresIdentifiers, resolvePostgresCommonProps } from './postgres-database';

// The props of a PostgresCluster, their defaults, and how they are resolved and checked: the construct
// (postgres-cluster.ts) builds from what these return.

/** Whether the instances of a cluster must run on different nodes, or only preferably. */
export enum PodAntiAffinity {
  /** An instance stays Pending rather than share a node with another: a node failure takes one instance at most. */
  REQUIRED = 'required',
  /** Instances spread over nodes when they can, and share one when they must (CloudNativePG's own default). */
  PREFERRED = 'preferred',
}

/** Where the cluster's base backups and WAL archive go: an S3-compatible object store, written by the Barman Cloud plugin. */
export interface ObjectStore {
  /** The bucket and folder, such as `s3://todo-backups/postgres`. */
  readonly destinationPath: string;
  /**
   * The S3 endpoint, for stores other than AWS S3 (MinIO, DigitalOcean Spaces, …), such as
   * `https://fra1.digitaloceanspaces.com`.
   * @default - AWS S3
   */
  readonly endpointUrl?: string;
  /**
   * A Secret in the database's namespace, provided by the cluster, with the keys `ACCESS_KEY_ID` and
   * `ACCESS_SECRET_KEY`.
   */
  readonly credentialsSecretName: string;
}

/** Continuous backup of a `PostgresCluster`: its WAL archive and scheduled base backups in an object store. */
export interface PostgresClusterBackupProps {
  /** Where the base backups and the WAL archive go. */
  readonly objectStore: ObjectStore;
  /**
   * The folder of this cluster's backups under `destinationPath` (the plugin's `serverName` parameter). A cluster
   * recovered from a backup must archive into a new folder: CloudNativePG refuses to start archiving into a folder
   * that already holds a WAL archive. A cluster moved from the in-tree `backup.barmanObjectStore` keeps the folder
   * it archived into (its `serverName`, or its name), so its archive stays one history.
   * @default - the cluster's name
   */
  readonly serverName?: string;
  /**
   * When the base backup runs, as a CronJob schedule in UTC (five fields; the ScheduledBackup's leading seconds
   * field is added here).
   * @default POSTGRES_CLUSTER_DEFAULTS.schedule
   */
  readonly schedule?: string;
  /**
   * How long base backups and WAL files are kept, as CloudNativePG writes it: a number and `d`, `w` or `m`.
   * @default POSTGRES_CLUSTER_DEFAULTS.retentionPolicy
   */
  readonly retentionPolicy?: string;
}

/** Bootstrap the cluster from a backup in the object store instead of an empty database (`bootstrap.recovery`). */
export interface PostgresClusterRecoveryProps {
  /** The folder (server name) of the backup to recover, under the backup's `destinationPath`. */
  readonly serverName: string;
  /**
   * Point-in-time recovery: replay the WAL archive up to this RFC 3339 time stamp, such as
   * `2026-11-23T10:00:00Z`.
   * @default - up to the last archived WAL
   */
  readonly targetTime?: string;
}

/**
 * Props of a `PostgresCluster`: the CloudNativePG Cluster's name, image, database and owner, instances, storage,
 * resources, backup and recovery.
 */
export interface PostgresClusterProps {
  /**
   * The owner's password: a `kubernetes.io/basic-auth` Secret in the database's namespace (emitted with
   * `forDevelopment()`, provided by the cluster with `fromClusterSecrets()`), and each client's own Secret.
   */
  readonly credentials: DatabaseCredentials;
  /**
   * Name of the Cluster; clients connect to its `<name>-rw` Service.
   * @default POSTGRES_DEFAULTS.name
   */
  readonly name?: string;
  /**
   * A CloudNativePG operand image, pinned: a `standard` or `minimal` image on a supported Debian (backups run in
   * the Barman Cloud plugin's sidecar, so the image needs no barman-cloud). Pin its digest too
   * (`…:17.11-standard-trixie@sha256:…`) to make it immutable.
   * @see https://github.com/cloudnative-pg/postgres-containers
   * @default POSTGRES_CLUSTER_DEFAULTS.image
   */
  readonly image?: string;
  /**
   * The database `bootstrap.initdb` creates, a lower-case PostgreSQL identifier.
   * @default POSTGRES_DEFAULTS.databaseName
   */
  readonly databaseName?: string;
  /**
   * Its owner, the user clients log in as.
   * @default POSTGRES_DEFAULTS.user
   */
  readonly user?: string;
  /**
   * PostgreSQL instances: one primary and streaming replicas that CloudNativePG fails over to.
   * @default POSTGRES_CLUSTER_DEFAULTS.instances
   */
  readonly instances?: number;
  /**
   * Each instance's data volume.
   * @default POSTGRES_DEFAULTS.storageSize
   */
  readonly storageSize?: Size;
  /**
   * Storage class of the data and WAL volumes.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
  /**
   * Each instance's separate WAL volume (`walStorage`, of `storageClassName`): WAL that cannot be archived fills
   * this volume, not the data's, and WAL writes do not compete with data writes for one volume's I/O. Grow it
   * in place like `storageSize`; CloudNativePG cannot remove it once there.
   * @see https://cloudnative-pg.io/documentation/current/storage/#volume-for-wal
   * @default POSTGRES_CLUSTER_DEFAULTS.walStorageSize
   */
  readonly walStorageSize?: Size;
  /**
   * Of each instance.
   * @default POSTGRES_DEFAULTS.resources
   */
  readonly resources?: Resources;
  /**
   * Whether instances must run on different nodes.
   * @default POSTGRES_CLUSTER_DEFAULTS.podAntiAffinity
   */
  readonly podAntiAffinity?: PodAntiAffinity;
  /**
   * CloudNativePG's PodDisruptionBudgets (`enablePDB`): a drain never evicts the primary before a switchover, and
   * never more than one replica at a time.
   * @default POSTGRES_DEFAULTS.podDisruptionBudget
   */
  readonly podDisruptionBudget?: boolean;
  /**
   * Namespace of the CloudNativePG operator, whose pods the NetworkPolicy lets reach the instances.
   * @default POSTGRES_CLUSTER_DEFAULTS.operatorNamespace
   */
  readonly operatorNamespace?: string;
  /**
   * Continuous backup to an object store, and a scheduled base backup.
   * @default - no backup
   */
  readonly backup?: PostgresClusterBackupProps;
  /**
   * Bootstrap from a backup of `backup.objectStore` rather than from an empty database.
   * @default - `initdb`
   */
  readonly recovery?: PostgresClusterRecoveryProps;
  /**
   * The cluster's DNS domain, under which `host` is written.
   * @default POSTGRES_DEFAULTS.clusterDomain
   */
  readonly clusterDomain?: string;
}

/** The defaults of a PostgresCluster beside `POSTGRES_DEFAULTS`; the stack's config starts from them. */
export const POSTGRES_CLUSTER_DEFAULTS = {
  image: 'ghcr.io/cloudnative-pg/postgresql:17.11-standard-trixie',
  instances: 3,
  walStorageSize: Size.gibibytes(2),
  podAntiAffinity: PodAntiAffinity.REQUIRED,
  operatorNamespace: 'cnpg-system',
  schedule: '0 3 * * *',
  retentionPolicy: '7d',
} as const;

/** `PostgresClusterProps` with `POSTGRES_DEFAULTS` and `POSTGRES_CLUSTER_DEFAULTS` applied, the backup's included. */
export interface ResolvedPostgresClusterProps extends Required<
  Omit<PostgresClusterProps, 'storageClassName' | 'backup' | 'recovery'>
> {
  /** Storage class of the data and WAL volumes; undefined for the cluster's default. */
  readonly storageClassName?: string;
  /** The backup with its defaults applied; undefined without a backup. */
  readonly backup?: ResolvedPostgresClusterBackupProps;
  /** Where the cluster bootstraps from; undefined for an empty database (`initdb`). */
  readonly recovery?: PostgresClusterRecoveryProps;
}

/** `PostgresClusterBackupProps` with every default applied; `serverName` is the cluster's name unless set. */
export type ResolvedPostgresClusterBackupProps = Required<PostgresClusterBackupProps>;

// Services `<name>-rw`, `-ro`, `-r` and Job pods `<name>-<n>-initdb-<hash>` derive from the name; CloudNativePG's
// webhook refuses names longer than 50 characters.
const CLUSTER_NAME_MAX_LENGTH = 50;
const RETENTION_POLICY = /^[1-9][0-9]*[dwm]$/;
const DOCKER_LIBRARY_POSTGRES = /^((docker\.io|index\.docker\.io)\/)?(library\/)?postgres$/;
// Debian releases whose CloudNativePG images are no longer rebuilt with security fixes (bullseye images stopped
// with its end of life; bookworm's with trixie's release).
const UNSUPPORTED_DEBIAN = /(^|-)(buster|bullseye|bookworm)(-|$)/;

/** Applies `POSTGRES_DEFAULTS` and `POSTGRES_CLUSTER_DEFAULTS` to `props`, the backup's included. */
export function resolvePostgresClusterProps(props: PostgresClusterProps): ResolvedPostgresClusterProps {
  const common = resolvePostgresCommonProps(props, POSTGRES_CLUSTER_DEFAULTS.image);
  const backup = props.backup;
  return {
    ...common,
    instances: props.instances ?? POSTGRES_CLUSTER_DEFAULTS.instances,
    walStorageSize: props.walStorageSize ?? POSTGRES_CLUSTER_DEFAULTS.walStorageSize,
    podAntiAffinity: props.podAntiAffinity ?? POSTGRES_CLUSTER_DEFAULTS.podAntiAffinity,
    operatorNamespace: props.operatorNamespace ?? POSTGRES_CLUSTER_DEFAULTS.operatorNamespace,
    backup:
      backup === undefined
        ? undefined
        : {
            objectStore: backup.objectStore,
            serverName: backup.serverName ?? common.name,
            schedule: backup.schedule ?? POSTGRES_CLUSTER_DEFAULTS.schedule,
            retentionPolicy: backup.retentionPolicy ?? POSTGRES_CLUSTER_DEFAULTS.retentionPolicy,
          },
    recovery: props.recovery,
  };
}

/** What is wrong with resolved PostgresCluster props, each problem naming the prop, the value and the fix. */
export function checkPostgresClusterProps(props: ResolvedPostgresClusterProps): PropProblem[] {
  const checks = new PropChecks();
  checks.name(
    'name',
    props.name,
    'dns1035Label',
    CLUSTER_NAME_MAX_LENGTH,
    "CloudNativePG derives its Services ('<name>-rw') and pod and Job names from it",
  );
  const image = props.image;
  checks.image('image', image, POSTGRES_CLUSTER_DEFAULTS.image);
  const tag = typeof image === 'string' ? (imageTag(image) ?? '') : '';
  if (typeof image === 'string' && DOCKER_LIBRARY_POSTGRES.test(imageRepository(image))) {
    checks.add(
      'image',
      image,
      "is the Docker library image: its postgres user is uid 999, not CloudNativePG's 26; " +
        `use a CloudNativePG operand image of the same version, such as '${POSTGRES_CLUSTER_DEFAULTS.image}'`,
    );
  } else if (/(^|-)system(-|$)/.test(tag)) {
    checks.add(
      'image',
      image,
      "is a 'system' image, deprecated with the in-tree Barman Cloud support it carried: backups " +
        "run in the Barman Cloud plugin's sidecar now; use the 'standard' (or 'minimal') image of the same version, " +
        `such as '${POSTGRES_CLUSTER_DEFAULTS.image}'`,
    );
  } else if (UNSUPPORTED_DEBIAN.test(tag)) {
    checks.add(
      'image',
      image,
      `is built on Debian ${tag.match(UNSUPPORTED_DEBIAN)![2]}, whose CloudNativePG images get no more ` +
        `security fixes; use the trixie image of the latest minor, such as '${POSTGRES_CLUSTER_DEFAULTS.image}'`,
    );
  }
  checkPostgresIdentifiers(checks, props);
  checks.integer(
    'instances',
    props.instances,
    1,
    9,
    'must be a whole number from 1 to 9: one primary and up to 8 streaming replicas (3 for high availability)',
  );
  checks.size('storageSize', props.storageSize, 'Size.gibibytes(5)');
  checks.size('walStorageSize', props.walStorageSize, 'Size.gibibytes(2)');
  checks.storageClassName('storageClassName', props.storageClassName);
  checkResources(checks, 'resources', props.resources);
  if (!Object.values(PodAntiAffinity).includes(props.podAntiAffinity)) {
    checks.add(
      'podAntiAffinity',
      props.podAntiAffinity,
      `must be one of ${Object.values(PodAntiAffinity)
        .map(v => `'${v}'`)
        .join(', ')}`,
    );
  }
  checks.name('operatorNamespace', props.operatorNamespace, 'dnsLabel');
  checks.name('clusterDomain', props.clusterDomain, 'dnsSubdomain');
  if (props.backup !== undefined) {
    checkBackup(checks, props.backup, props.name);
  }
  if (props.recovery !== undefined) {
    checkRecovery(checks, props.recovery, props.backup);
  }
  return [...checks.problems, ...props.credentials.problems];
}

function checkBackup(checks: PropChecks, backup: ResolvedPostgresClusterBackupProps, clusterName: string): void {
  const store = backup.objectStore;
  if (
    typeof store?.destinationPath !== 'string' ||
    !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/\S*)?$/.test(store.destinationPath)
  ) {
    checks.add(
      'backup.objectStore.destinationPath',
      store?.destinationPath,
      "must be an S3 bucket and folder, such as 's3://todo-backups/postgres' (the bucket name in lower case)",
    );
  }
  if (store?.endpointUrl !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(store.endpointUrl)) {
    checks.add(
      'backup.objectStore.endpointUrl',
      store.endpointUrl,
      "must be an http(s) URL, such as 'https://fra1.digitaloceanspaces.com', or be left out for AWS S3",
    );
  }
  checks.name('backup.objectStore.credentialsSecretName', store?.credentialsSecretName, 'dnsSubdomain');
  checks.name(
    'backup.serverName',
    backup.serverName,
    'dnsLabel',
    63,
    `or leave it out for the cluster's name ('${clusterName}')`,
  );
  const schedule = backup.schedule;
  const scheduleProblem = cronScheduleProblem(schedule);
  if (scheduleProblem) {
    checks.add('backup.schedule', schedule, scheduleProblem);
  } else if (schedule.startsWith('@')) {
    checks.add(
      'backup.schedule',
      schedule,
      "must be five fields, such as '0 3 * * *': the stack adds the seconds field CloudNativePG's schedule starts with",
    );
  }
  const retention = backup.retentionPolicy;
  if (typeof retention !== 'string' || !RETENTION_POLICY.test(retention)) {
    checks.add(
      'backup.retentionPolicy',
      retention,
      "must be a number and d, w or m (days, weeks, months), such as '7d'",
    );
  }
}

function checkRecovery(
  checks: PropChecks,
  recovery: PostgresClusterRecoveryProps,
  backup: ResolvedPostgresClusterBackupProps | undefined,
): void {
  if (backup === undefined) {
    checks.add(
      'recovery',
      recovery,
      'needs backup.objectStore: the cluster recovers from the object store its backups go to',
    );
    return;
  }
  checks.name('recovery.serverName', recovery.serverName, 'dnsLabel');
  if (recovery.serverName === backup.serverName) {
    checks.add(
      'backup.serverName',
      backup.serverName,
      `must differ from recovery.serverName ('${recovery.serverName}'): CloudNativePG refuses to archive into a folder that already ` +
        `holds a WAL archive; set backup.serverName to a new folder, such as '${recovery.serverName}-2'`,
    );
  }
  if (
    recovery.targetTime !== undefined &&
    (typeof recovery.targetTime !== 'string' ||
      !/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)$/.test(recovery.targetTime) ||
      Number.isNaN(Date.parse(recovery.targetTime.replace(' ', 'T'))))
  ) {
    checks.add(
      'recovery.targetTime',
      recovery.targetTime,
      "must be an RFC 3339 time stamp with a zone, such as '2026-11-23T10:00:00Z'",
    );
  }
}
