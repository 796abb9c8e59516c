import { imageVersion } from '@stateful-todo/kube-conventions';
import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';

import * as k8s from '../../imports/k8s';
import { checksum } from '../kube/checksum';
import { ComponentLabels, componentLabels, labelAllObjects, selectorLabels } from '../kube/labels';
import { restrictedPodSpec, tmpDirectory } from '../kube/restricted-pod';

import { IDatabaseClient } from './database';
import { DatabaseRole, SecretKeyReference, secretKeyEnv } from './database-credentials';
import { waitPodFailurePolicy, WAIT_SECONDS_ENV, withWaits } from './job-script';
import type { BackupDatabase } from './postgres-backup';
import { CONFIG_KEYS, libpqClientEnv, POSTGRES_UID } from './postgres-pod';
// The roles Job's script (POSIX sh, in the database image), run as the bootstrap superuser. Idempotent: it changes
// only what differs from what it grants, so a second run changes nothing in the catalog. A password is set only when
// a login with it fails, so that an unchanged password keeps its stored SCRAM verifier (a new one has a new salt).
import ROLES_SCRIPT from './scripts/roles.sh';

/** What the roles Job reads off its database (a PostgresDatabase): what a backup reads, and the superuser's password. */
export interface RolesDatabase extends BackupDatabase {
  /** The bootstrap superuser's password. */
  readonly passwordSecret: SecretKeyReference;
}

/** Props of a `PostgresRoles`: the database whose roles it makes, and how long its finished Job is kept. */
export interface PostgresRolesProps {
  /** The database whose roles the Job makes, as its bootstrap superuser. */
  readonly database: RolesDatabase;
  /**
   * How long a finished Job is kept before Kubernetes deletes it (as the migration Job's).
   * @default POSTGRES_ROLES_DEFAULTS.ttl
   */
  readonly ttl?: Duration;
}

/** The defaults of a PostgresRoles. */
export const POSTGRES_ROLES_DEFAULTS = {
  ttl: Duration.days(1),
} as const;

/**
 * How long the roles Job runs at most. A Job that logs in as a role it makes (the backup, the migration) waits this
 * long for it, and more.
 */
export const ROLES_JOB_DEADLINE = Duration.minutes(10);
// How long the roles Job's pod waits for the database to accept connections: most of the Job's deadline, since a pod
// that gives up fails the Job at once (podFailurePolicy) and the Job keeps its name, so nothing runs it again until
// its spec changes. A first start can be slow (a volume provisioned, an image pulled, a node added). The two
// minutes left are for the pod to be scheduled and to start, and for the roles' work (seconds).
const ROLES_SERVER_WAIT = Duration.seconds(ROLES_JOB_DEADLINE.toSeconds() - 120);

/** The hex digits of the spec's hash in the roles Job's name. */
export const ROLES_JOB_HASH_LENGTH = 4;

/** The env var of the roles Job holding `role`'s name: `OWNER_ROLE`, `SERVICE_ROLE`, … */
export function roleNameEnv(role: DatabaseRole): string {
  return `${role.toUpperCase()}_ROLE`;
}

/**
 * The step that makes a database's login roles and grants their rights (README, "Database roles"): a Job in the
 * database's namespace, from its own image, logged in as the bootstrap superuser — one of the two containers that
 * ever do, with PostgreSQL's own. An initdb script would run on a first start only, never on a database an earlier
 * release created, so this runs on every deploy, before the migration: its name hashes its spec (a Job's template is
 * immutable), as the migration Job's does, and it is an Argo CD Sync hook of its own wave.
 */
export class PostgresRoles extends Construct implements IDatabaseClient {
  /** The database's namespace, where the Job runs. */
  public readonly namespace: string;
  /** Labels of the Job's pods, which the database's NetworkPolicy admits. */
  public readonly clientPodLabels: Record<string, string>;
  /** The Job `<database>-roles-<hash of its spec>`: a new one whenever its spec changes. */
  public readonly job: ApiObject;
  private readonly databaseName: string;

  /** `props` with `POSTGRES_ROLES_DEFAULTS` applied. */
  public static resolve(props: PostgresRolesProps): Required<PostgresRolesProps> {
    return { database: props.database, ttl: props.ttl ?? POSTGRES_ROLES_DEFAULTS.ttl };
  }

  constructor(scope: Construct, id: string, unresolved: PostgresRolesProps) {
    super(scope, id);
    const props = PostgresRoles.resolve(unresolved);
    const db = props.database;
    this.namespace = db.namespace;
    this.databaseName = db.name;
    this.clientPodLabels = selectorLabels(this, this.identity(db.image));
    const jobSpec: k8s.JobSpec = {
      backoffLimit: 4,
      activeDeadlineSeconds: ROLES_JOB_DEADLINE.toSeconds(),
      ttlSecondsAfterFinished: props.ttl.toSeconds(),
      template: {
        metadata: { labels: componentLabels(this, this.identity(db.image)) },
        spec: restrictedPodSpec({
          restartPolicy: 'Never',
          runAs: POSTGRES_UID,
          fsGroup: true,
          container: {
            name: 'roles',
            image: db.image,
            command: ['/bin/sh', '-c', withWaits(ROLES_SCRIPT)],
            env: [
              // The bootstrap superuser, whose name is in the database's ConfigMap.
              ...libpqClientEnv(
                db,
                { valueFrom: { configMapKeyRef: { name: db.configMap.name, key: CONFIG_KEYS.user } } },
                db.passwordSecret,
              ),
              { name: WAIT_SECONDS_ENV, value: String(ROLES_SERVER_WAIT.toSeconds()) },
              ...Object.values(DatabaseRole).flatMap(role => [
                { name: roleNameEnv(role), value: db.roleNames[role] },
                secretKeyEnv(`${role.toUpperCase()}_PASSWORD`, db.rolePassword(role)),
              ]),
            ],
            resources: {
              requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('32Mi') },
              limits: { memory: k8s.Quantity.fromString('64Mi') },
            },
          },
          scratch: [tmpDirectory('16Mi')],
        }),
      },
    };
    const specHash = checksum({ ...k8s.toJson_JobSpec(jobSpec), podFailurePolicy: waitPodFailurePolicy() });
    this.job = new k8s.KubeJob(this, 'Resource', {
      // Four hex digits (not the migration Job's eight), so that a StatefulSet's longest name (52) still fits a
      // label value of 63: the name only has to differ from the previous run's.
      metadata: { name: `${db.name}-roles-${specHash.slice(0, ROLES_JOB_HASH_LENGTH)}` },
      spec: jobSpec,
    });
    // A give-up (exit 75) or a check no wait satisfies (64) fails the Job at once: a retry would wait again.
    this.job.addJsonPatch(JsonPatch.add('/spec/podFailurePolicy', waitPodFailurePolicy()));
    db.allowClient(this);
  }

  /** Puts the roles' own labels back on the Job, over the database's (which label everything under it). */
  public labelObjects(image: string): void {
    labelAllObjects(this, componentLabels(this, this.identity(image)));
  }

  // Named after its database, as the database's own pods are: its policy then admits this database's roles Job only.
  private identity(image: string): ComponentLabels {
    return { name: this.databaseName, component: 'roles', version: imageVersion(image) };
  }
}
