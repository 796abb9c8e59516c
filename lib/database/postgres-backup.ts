import { imageVersion } from '@stateful-todo/kube-conventions';
import { ApiObject, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { Construct } from 'constructs';

import * as k8s from '../../imports/k8s';
import { checksum } from '../kube/checksum';
import { cronScheduleProblem } from '../kube/cron-schedule';
import {
  COMPONENT_LABEL,
  componentLabels,
  ComponentLabels,
  labelAllObjects,
  MANAGED_BY_LABEL,
  NAME_LABEL,
  PART_OF_LABEL,
  selectorLabels,
  VERSION_LABEL,
} from '../kube/labels';
import { PropChecks, PropProblem, throwIfInvalid } from '../kube/prop-checks';
import { checkResources, resourceRequirements, Resources } from '../kube/resources';
import { restrictedPodSpec, tmpDirectory } from '../kube/restricted-pod';
import { sizeToQuantity } from '../kube/size';

import { IDatabaseClient } from './database';
import { DatabaseRole, SecretKeyReference } from './database-credentials';
import { jobScript, waitPodFailurePolicy, WAIT_SECONDS_ENV, withWaits } from './job-script';
import { libpqClientEnv, POSTGRES_UID } from './postgres-pod';
import { ROLES_JOB_DEADLINE } from './postgres-roles';
// The backup Job's script (POSIX sh, in the database image). The dump is written under a hidden temporary name,
// checked (pg_restore can read its whole table of contents), flushed to disk and only then renamed: a dump with a
// final name is always complete. Pruning runs only after a successful dump, and keeps the newest `BACKUP_RETAIN`.
import BACKUP_SCRIPT from './scripts/backup.sh';
// The restore Job's script, run as the owner role: restores `RESTORE_DUMP` (a dump's file name, or `latest`) in one
// transaction, so a failed restore changes nothing. `--no-owner` and `--no-privileges`: the objects are the owner's
// and their rights its default privileges (the roles Job's), whoever owned them in the dump. A database that is gone
// is created again, empty, by the roles Job on the next deploy: the owner may not create databases.
import RESTORE_SCRIPT from './scripts/restore.sh';

/** What the backup and restore Jobs read off their database (a PostgresStatefulSet's or PostgresDeployment's). */
export interface BackupDatabase {
  /** Base name of the database's objects; the backup's are named after it (`<name>-backup`, `<name>-backups`). */
  readonly name: string;
  /** Namespace of the database, where the backup and restore pods run. */
  readonly namespace: string;
  /** The database's own image: its pg_dump is of the server's version. */
  readonly image: string;
  /** The DNS name the dumps connect to. */
  readonly host: string;
  /** The port the dumps connect to. */
  readonly port: number;
  /** The ConfigMap holding the database's name under `CONFIG_KEYS.database`. */
  readonly configMap: ApiObject;
  /** The name of each login role. */
  readonly roleNames: Readonly<Record<DatabaseRole, string>>;
  /** Where the password of `role` is, in the database's namespace. */
  rolePassword(role: DatabaseRole): SecretKeyReference;
  /** Lets the pods of `client` (the backup and restore pods) reach the database port. */
  allowClient(client: IDatabaseClient): void;
}

/**
 * Props of a `PostgresBackup`: the database to dump, when, how many dumps to keep, and the volume they are kept on.
 */
export interface PostgresBackupProps {
  /** The database to dump; the backups run its image, in its namespace, with its credentials. */
  readonly database: BackupDatabase;
  /**
   * When to take a dump: a cron schedule in UTC.
   * @default POSTGRES_BACKUP_DEFAULTS.schedule (every day at 03:00 UTC)
   */
  readonly schedule?: string;
  /**
   * How many dumps to keep: after each successful dump, the oldest beyond this many are deleted.
   * @default POSTGRES_BACKUP_DEFAULTS.retention
   */
  readonly retention?: number;
  /**
   * Size of the backup volume: room for `retention` dumps plus one being written.
   * @default POSTGRES_BACKUP_DEFAULTS.storageSize
   */
  readonly storageSize?: Size;
  /**
   * Storage class of the backup volume; pick one that does not share a failure with the data volume's when you can.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
  /**
   * The time a dump (or a restore) gets before its Job is stopped and counted as failed. The restore Job's
   * `activeDeadlineSeconds` is this; a backup Job's is this plus the most its pods wait for the database and the
   * backup role (10 minutes for the scheduled dumps, 12 for the deploy-time one): a dump that waited its full bound
   * still gets this long, less its pod's start-up, and one that did not wait may run up to the bound longer. The
   * deadline counts from the Job's start and bounds its retries too.
   * @default POSTGRES_BACKUP_DEFAULTS.timeLimit
   */
  readonly timeLimit?: Duration;
  /**
   * What the dump and restore containers request, and their memory limit.
   * @default POSTGRES_BACKUP_DEFAULTS.resources
   */
  readonly resources?: Resources;
  /**
   * Channels the restore Job NOTIFYs once a restore has committed: clients that keep what they read in memory while
   * they LISTEN on one drop it (the restore loads data before it creates triggers, so no trigger tells them).
   * @default - none
   */
  readonly notifyAfterRestore?: readonly string[];
}

/** The defaults of a PostgresBackup; the stack's config starts from them. */
export const POSTGRES_BACKUP_DEFAULTS = {
  schedule: '0 3 * * *',
  retention: 7,
  storageSize: Size.gibibytes(10),
  timeLimit: Duration.hours(1),
  resources: {
    cpuRequest: Cpu.millis(100),
    memoryRequest: Size.mebibytes(128),
    memoryLimit: Size.mebibytes(512),
  } as Resources,
} as const;

/** `PostgresBackupProps` (but its database) with `POSTGRES_BACKUP_DEFAULTS` applied, and no channel unless named. */
export interface ResolvedPostgresBackupProps extends Required<
  Omit<PostgresBackupProps, 'database' | 'storageClassName'>
> {
  /** Storage class of the backup volume; undefined for the cluster's default. */
  readonly storageClassName?: string;
}

/** Where the backup volume is mounted in the backup and restore pods; the scripts read it from `BACKUP_DIR`. */
export const BACKUP_MOUNT_PATH = '/backups';
/** The env var of the backup Jobs that ends a dump's name before `.dump`: empty for the scheduled ones (backup.sh reads it). */
const BACKUP_SUFFIX_ENV = 'BACKUP_SUFFIX';
/** The deploy-time dumps' suffix: `todo-20261204T101500Z-deploy.dump`. */
const DEPLOY_DUMP_SUFFIX = '-deploy';
/** The env var of the restore Job that names the dump to restore (a file name in the backup folder, or `latest`; restore.sh reads it). */
export const RESTORE_DUMP_ENV = 'RESTORE_DUMP';

// A CronJob's Jobs are named `<name>-<8 to 11 digits>`, and a Job name is a label value of its pods: at most 63.
const CRON_JOB_NAME_MAX_LENGTH = 52;
const CRON_JOB_SUFFIX = '-backup';

// How long a deploy-time backup pod waits for its database and its role: the roles Job's deadline, and two minutes
// for its pod to be scheduled and to start.
const DEPLOY_BACKUP_WAIT = Duration.seconds(ROLES_JOB_DEADLINE.toSeconds() + 120);
// How long a scheduled backup pod waits. Its role was made at deploy time; what it may meet at the schedule is a
// server restarting, or rescheduled after its node was lost (the pod stays Terminating for the 5-minute unreachable
// toleration, then its volume is attached elsewhere): ten minutes cover that. A wrong or rotated password waits too
// (PostgreSQL answers it as it answers a missing role), which costs a nightly Job little, and its log says so.
const SCHEDULED_BACKUP_WAIT = Duration.minutes(10);

/** The restore Job's env var of the channels it notifies once it is done, separated by spaces (restore.sh reads it). */
export const NOTIFY_CHANNELS_ENV = 'NOTIFY_CHANNELS';

/**
 * Logical backups of a PostgresStatefulSet or PostgresDeployment: a CronJob that runs `pg_dump --format=custom`
 * from the database's own image (so the dump's version matches the server's) into a volume of its own, and keeps
 * the newest `retention` dumps. `restoreJob()` builds the Job that restores one of them (README, "Backups and
 * restore").
 *
 * The pods pass the "restricted" Pod Security Standard as the database's own uid (999, which the image's
 * /etc/passwd names), connect through the client Service, the dumps as the read-only backup role and the restore as
 * the owner (never the superuser), and are let through its NetworkPolicy as a client. At most one runs at a time,
 * within its deadline (`timeLimit`, plus the wait of a backup).
 */
export class PostgresBackup extends Construct implements IDatabaseClient {
  /** The database it dumps. */
  public readonly database: BackupDatabase;
  /** The database's namespace, where the backup's objects are. */
  public readonly namespace: string;
  /** When the CronJob takes a dump: a cron schedule in UTC. */
  public readonly schedule: string;
  /** How many dumps of each kind (scheduled, at deploy) are kept. */
  public readonly retention: number;
  /** The time a dump or restore gets: its Job's deadline, after the backup Jobs' waits (`PostgresBackupProps.timeLimit`). */
  public readonly timeLimit: Duration;
  /** Channels the restore Job NOTIFYs once a restore has committed. */
  public readonly notifyAfterRestore: readonly string[];
  /** Labels of the backup pods (scheduled and at deploy), which the database's NetworkPolicy admits. */
  public readonly clientPodLabels: Record<string, string>;
  /**
   * The labels of the restore Job's pods, which the database's NetworkPolicy admits. Not the stack's instance label:
   * a Job created by hand must not look like part of the stage, or `kubectl apply --prune -l <instance>` deletes it.
   */
  public readonly restorePodLabels: Record<string, string>;
  /** The PersistentVolumeClaim `<database>-backups`: the volume the dumps are kept on. */
  public readonly persistentVolumeClaim: ApiObject;
  /** The CronJob `<database>-backup` that takes the scheduled dumps. */
  public readonly cronJob: ApiObject;
  /**
   * A dump taken when the stage is deployed or its backup changes (the image, on a database upgrade): it proves the
   * backups work at deploy time rather than at the first schedule, and it binds the backup claim at once — a claim
   * of a WaitForFirstConsumer storage class stays Pending until a pod uses it, which Argo CD shows as Progressing
   * and Flux's `wait` as not ready. Named after a hash of its spec, which the API server will not let change.
   */
  public readonly deployJob: ApiObject;
  private readonly resources: Resources;

  /** What is wrong with `props`, each problem naming the prop, the value and the fix; empty when all is well. */
  public static checkProps(
    props: Omit<PostgresBackupProps, 'database'> & { readonly database: { readonly name: string } },
  ): PropProblem[] {
    return checkResolved(PostgresBackup.resolve(props), props.database.name);
  }

  /** `props` (but its database) with `POSTGRES_BACKUP_DEFAULTS` applied. */
  public static resolve(props: Omit<PostgresBackupProps, 'database'>): ResolvedPostgresBackupProps {
    return {
      schedule: props.schedule ?? POSTGRES_BACKUP_DEFAULTS.schedule,
      retention: props.retention ?? POSTGRES_BACKUP_DEFAULTS.retention,
      storageSize: props.storageSize ?? POSTGRES_BACKUP_DEFAULTS.storageSize,
      storageClassName: props.storageClassName,
      timeLimit: props.timeLimit ?? POSTGRES_BACKUP_DEFAULTS.timeLimit,
      resources: props.resources ?? POSTGRES_BACKUP_DEFAULTS.resources,
      notifyAfterRestore: props.notifyAfterRestore ?? [],
    };
  }

  constructor(scope: Construct, id: string, unresolved: PostgresBackupProps) {
    super(scope, id);
    const props = PostgresBackup.resolve(unresolved);
    throwIfInvalid(this, checkResolved(props, unresolved.database.name));
    this.database = unresolved.database;
    this.namespace = unresolved.database.namespace;
    this.schedule = props.schedule;
    this.retention = props.retention;
    this.timeLimit = props.timeLimit;
    this.notifyAfterRestore = [...props.notifyAfterRestore];
    this.resources = props.resources;
    this.clientPodLabels = selectorLabels(this, this.identity);
    const partOf = Chart.of(this).labels[PART_OF_LABEL];
    this.restorePodLabels = {
      [NAME_LABEL]: this.database.name,
      [COMPONENT_LABEL]: 'restore',
      ...(partOf ? { [PART_OF_LABEL]: partOf } : {}),
    };
    const name = `${this.database.name}${CRON_JOB_SUFFIX}`;

    this.persistentVolumeClaim = new k8s.KubePersistentVolumeClaim(this, 'Claim', {
      metadata: { name: `${this.database.name}-backups` },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: props.storageClassName,
        volumeMode: 'Filesystem',
        resources: { requests: { storage: k8s.Quantity.fromString(sizeToQuantity(props.storageSize)) } },
      },
    });

    const labels = componentLabels(this, this.identity);
    // The scheduled dumps and the deploy-time ones are kept apart (a name suffix), each kind pruned to the newest
    // `retention` of its own: a day of merges never prunes the scheduled history.
    // Under kubectl or Flux (no sync waves) the deploy-time dump starts with the roles Job, which makes the backup
    // role within its deadline or fails for good: each of its pods waits that long and a little more for the server
    // and the role (scripts/wait.sh); a scheduled pod waits only for a restart. A wait that gives up fails the Job
    // at once (podFailurePolicy): what it waited for did not come in time, and a retry would only wait again.
    // backoffLimit 2 is for the dump itself (a dropped connection, a lost node), and a retry waits again; the
    // deadline is the wait plus the time limit, so a dump that had to wait still gets all of it, and it bounds the
    // Job however often it retries.
    const backupJobSpec = (wait: Duration, env: Record<string, string>): k8s.JobSpec => ({
      backoffLimit: 2,
      activeDeadlineSeconds: wait.toSeconds() + this.timeLimit.toSeconds(),
      template: this.podTemplate(withWaits(BACKUP_SCRIPT), DatabaseRole.BACKUP, {
        [WAIT_SECONDS_ENV]: String(wait.toSeconds()),
        BACKUP_RETAIN: String(this.retention),
        ...env,
      }),
    });
    const jobSpec = backupJobSpec(SCHEDULED_BACKUP_WAIT, {});
    const deployJobSpec = backupJobSpec(DEPLOY_BACKUP_WAIT, { [BACKUP_SUFFIX_ENV]: DEPLOY_DUMP_SUFFIX });
    this.cronJob = new k8s.KubeCronJob(this, 'Resource', {
      metadata: { name },
      spec: {
        schedule: this.schedule,
        timeZone: 'Etc/UTC',
        // Never two dumps at once; a run missed while the controller was down still starts within the hour.
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: { metadata: { labels }, spec: jobSpec },
      },
    });
    this.cronJob.addJsonPatch(JsonPatch.add('/spec/jobTemplate/spec/podFailurePolicy', waitPodFailurePolicy()));
    const deploySpecHash = checksum({
      ...k8s.toJson_JobSpec(deployJobSpec),
      podFailurePolicy: waitPodFailurePolicy(),
    });
    this.deployJob = new k8s.KubeJob(this, 'AtDeploy', {
      metadata: { name: `${name}-${deploySpecHash.slice(0, 8)}` },
      spec: deployJobSpec,
    });
    this.deployJob.addJsonPatch(JsonPatch.add('/spec/podFailurePolicy', waitPodFailurePolicy()));
    this.database.allowClient(this);
    this.database.allowClient(new RestoreClient(this, 'RestoreClient', this.namespace, this.restorePodLabels));
    labelAllObjects(this, labels);
  }

  /**
   * The Job that restores a dump (env `RESTORE_DUMP`: a file name in the backup volume, or `latest`), built in
   * `scope`: a chart that is never applied with the stack. People create it by hand, so it has a `generateName`.
   */
  public restoreJob(scope: Construct, id: string): ApiObject {
    const labels = {
      ...this.restorePodLabels,
      [MANAGED_BY_LABEL]: 'cdk8s',
      [VERSION_LABEL]: componentLabels(this, this.identity)[VERSION_LABEL],
    };
    const job = new k8s.KubeJob(scope, id, {
      metadata: { labels },
      spec: {
        // A failed restore is for a person to read, not to repeat.
        backoffLimit: 0,
        activeDeadlineSeconds: this.timeLimit.toSeconds(),
        ttlSecondsAfterFinished: 7 * 24 * 3600,
        template: this.podTemplate(
          jobScript(RESTORE_SCRIPT),
          DatabaseRole.OWNER,
          {
            [RESTORE_DUMP_ENV]: 'latest',
            ...(this.notifyAfterRestore.length > 0 ? { [NOTIFY_CHANNELS_ENV]: this.notifyAfterRestore.join(' ') } : {}),
          },
          labels,
        ),
      },
    });
    job.addJsonPatch(
      JsonPatch.remove('/metadata/name'),
      JsonPatch.add('/metadata/generateName', `${this.database.name}-restore-`),
      JsonPatch.add('/metadata/namespace', this.namespace),
    );
    return job;
  }

  // Named after its database, as the database's own pods are: its policy then admits this database's backups only.
  private get identity(): ComponentLabels {
    return { name: this.database.name, component: 'backup', version: imageVersion(this.database.image) };
  }

  /** A pod that runs `script` logged in as `role`: the backup role reads every table, the owner restores them. */
  private podTemplate(
    script: string,
    role: DatabaseRole,
    env: Record<string, string>,
    labels = componentLabels(this, this.identity),
  ): k8s.PodTemplateSpec {
    const db = this.database;
    return {
      metadata: { labels },
      spec: restrictedPodSpec({
        restartPolicy: 'Never',
        // The database image's postgres user, which its /etc/passwd names; fsGroup makes the backup volume writable.
        runAs: POSTGRES_UID,
        fsGroup: true,
        container: {
          name: 'pg-dump',
          image: db.image,
          command: ['/bin/sh', '-c', script],
          env: [
            ...libpqClientEnv(db, { value: db.roleNames[role] }, db.rolePassword(role)),
            { name: 'BACKUP_DIR', value: BACKUP_MOUNT_PATH },
            ...Object.entries(env).map(([key, value]) => ({ name: key, value })),
          ],
          resources: resourceRequirements(this.resources),
          volumeMounts: [{ name: 'backups', mountPath: BACKUP_MOUNT_PATH }],
        },
        volumes: [{ name: 'backups', persistentVolumeClaim: { claimName: this.persistentVolumeClaim.name } }],
        scratch: [tmpDirectory('64Mi')],
      }),
    };
  }
}

/** The restore Job's pods, as a client of the database (they are created by hand, outside the stack). */
class RestoreClient extends Construct implements IDatabaseClient {
  constructor(
    scope: Construct,
    id: string,
    public readonly namespace: string,
    public readonly clientPodLabels: Record<string, string>,
  ) {
    super(scope, id);
  }
}

/** What is wrong with resolved props, each problem naming the prop, the value and the fix. */
function checkResolved(props: ResolvedPostgresBackupProps, databaseName: string): PropProblem[] {
  const checks = new PropChecks();
  // Only the length: the database checks its name's form, with its own workload's rules, and a second, other rule
  // for the same name would contradict it. The limit is said of the database's name, the part the user chooses.
  const maxNameLength = CRON_JOB_NAME_MAX_LENGTH - CRON_JOB_SUFFIX.length;
  if (typeof databaseName === 'string' && databaseName.length > maxNameLength) {
    checks.add(
      'name',
      databaseName,
      `must be at most ${maxNameLength} characters: the CronJob is named '<database name>${CRON_JOB_SUFFIX}', ` +
        'and its Jobs add up to 11 characters to a label value of at most 63',
    );
  }
  const schedule = cronScheduleProblem(props.schedule);
  if (schedule) {
    checks.add('schedule', props.schedule, schedule);
  }
  checks.integer(
    'retention',
    props.retention,
    1,
    1000,
    'must be a whole number of dumps to keep, from 1 to 1000, such as 7',
  );
  checks.size('storageSize', props.storageSize, 'Size.gibibytes(10)');
  checks.storageClassName('storageClassName', props.storageClassName);
  const seconds = props.timeLimit.toSeconds();
  checks.integer(
    'timeLimit',
    seconds,
    60,
    7 * 24 * 3600,
    'must be whole seconds from one minute to a week, such as Duration.hours(1)',
  );
  checkResources(checks, 'resources', props.resources);
  // Spliced into the restore script's NOTIFY unquoted: a lower-case SQL identifier, nothing else.
  for (const channel of props.notifyAfterRestore) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) {
      checks.add(
        'notifyAfterRestore',
        channel,
        'must be a lower-case SQL identifier (a letter or _, then letters, digits or _, at most 63 characters): the channel the clients LISTEN on',
      );
    }
  }
  return checks.problems;
}
