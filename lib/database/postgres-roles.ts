import { Duration } from 'cdk8s';
import { imageVersion } from '@stateful-todo/kube-conventions';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { checksum } from '../kube/checksum';
import { ComponentLabels, componentLabels, labelAllObjects, selectorLabels } from '../kube/labels';
import { restrictedPodSpec, tmpDirectory } from '../kube/restricted-pod';
import { IDatabaseClient } from './database';
import { DatabaseRole, SecretKeyReference } from './database-credentials';
import type { BackupDatabase } from './postgres-backup';
import { CONFIG_KEYS, libpqClientEnv, POSTGRES_UID } from './postgres-pod';

/** What the roles Job reads off its database (a PostgresDatabase): what a backup reads, and the superuser's password. */
export interface RolesDatabase extends BackupDatabase {
  /** The bootstrap superuser's password. */
  readonly passwordSecret: SecretKeyReference;
}

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

/** The hex digits of the spec's hash in the roles Job's name. */
export const ROLES_JOB_HASH_LENGTH = 4;

/** The env var of the roles Job holding `role`'s name: `OWNER_ROLE`, `SERVICE_ROLE`, … */
export function roleNameEnv(role: DatabaseRole): string {
  return `${role.toUpperCase()}_ROLE`;
}

/**
 * The roles Job's script (POSIX sh, in the database image), run as the bootstrap superuser. Idempotent: it changes
 * only what differs from what it grants, so a second run changes nothing in the catalog. A password is set only when
 * a login with it fails, so that an unchanged password keeps its stored SCRAM verifier (a new one has a new salt).
 */
export const ROLES_SCRIPT = `set -eu
tries=0
until pg_isready --quiet; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then echo "roles: $PGHOST:$PGPORT does not accept connections" >&2; exit 1; fi
  sleep 5
done
# The image's entrypoint creates the database on a first start only; a database dropped since is created again,
# empty, for the migration (or a restore) to fill.
psql --no-password --quiet --dbname=postgres --set=ON_ERROR_STOP=1 <<'SQL'
\\getenv db PGDATABASE
SELECT format('CREATE DATABASE %I', :'db') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')
\\gexec
SQL
psql --no-password --quiet --set=ON_ERROR_STOP=1 <<'SQL'
\\getenv db PGDATABASE
\\getenv owner OWNER_ROLE
\\getenv service SERVICE_ROLE
\\getenv exporter EXPORTER_ROLE
\\getenv backup BACKUP_ROLE
BEGIN;
SELECT format('CREATE ROLE %I LOGIN', name) FROM unnest(ARRAY[:'owner', :'service', :'exporter', :'backup']) AS name
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name)
\\gexec
-- What none of them may do, whatever an earlier hand gave it.
SELECT format('ALTER ROLE %I LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', rolname) FROM pg_roles
  WHERE rolname IN (:'owner', :'service', :'exporter', :'backup')
    AND (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls OR NOT rolcanlogin OR NOT rolinherit)
\\gexec
-- The exporter is a member of pg_monitor, and no role is a member of anything else.
SELECT format('REVOKE %I FROM %I', granted.rolname, member.rolname) FROM pg_auth_members m
  JOIN pg_roles granted ON granted.oid = m.roleid JOIN pg_roles member ON member.oid = m.member
  WHERE member.rolname IN (:'owner', :'service', :'exporter', :'backup')
    AND NOT (member.rolname = :'exporter' AND granted.rolname = 'pg_monitor')
\\gexec
SELECT format('GRANT pg_monitor TO %I', :'exporter') WHERE NOT EXISTS (SELECT FROM pg_auth_members m
  WHERE m.roleid = 'pg_monitor'::regrole AND m.member = (SELECT oid FROM pg_roles WHERE rolname = :'exporter'))
\\gexec
-- Only the roles connect (PostgreSQL grants CONNECT and TEMP to PUBLIC by default); the superuser needs no grant.
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"owner", :"service", :"exporter", :"backup";
-- The owner owns the schema and everything in it, including what the superuser created in earlier releases.
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"service", :"backup";
SELECT format('ALTER %s %s OWNER TO %I', CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
    WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, c.oid::regclass, :'owner')
  FROM pg_class c
  WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = :'owner')
    -- An identity or serial column's sequence follows its table.
    AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
\\gexec
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'owner') FROM pg_proc p
  WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = :'owner')
\\gexec
-- The service reads and writes rows; the backup reads them. Default privileges cover what migrations create later.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"service";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"service";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"backup";
GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO :"backup";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"service";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"service";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON TABLES TO :"backup";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON SEQUENCES TO :"backup";
COMMIT;
SQL
for role in OWNER SERVICE EXPORTER BACKUP; do
  name=$(printenv "\${role}_ROLE")
  if PGUSER="$name" PGPASSWORD=$(printenv "\${role}_PASSWORD") psql --no-password --quiet --command='' >/dev/null 2>&1; then
    echo "roles: $name: password unchanged"
  else
    psql --no-password --quiet --set=ON_ERROR_STOP=1 --set=name="$name" --set=variable="\${role}_PASSWORD" <<'SQL'
\\getenv password :variable
ALTER ROLE :"name" PASSWORD :'password';
SQL
    echo "roles: $name: password set"
  fi
done
echo "roles: $(printenv OWNER_ROLE), $(printenv SERVICE_ROLE), $(printenv EXPORTER_ROLE) and $(printenv BACKUP_ROLE) are in place in $PGDATABASE"
`;

/**
 * The step that makes a database's login roles and grants their rights (README, "Database roles"): a Job in the
 * database's namespace, from its own image, logged in as the bootstrap superuser — one of the two containers that
 * ever do, with PostgreSQL's own. An initdb script would run on a first start only, never on a database an earlier
 * release created, so this runs on every deploy, before the migration: its name hashes its spec (a Job's template is
 * immutable), as the migration Job's does, and it is an Argo CD Sync hook of its own wave.
 */
export class PostgresRoles extends Construct implements IDatabaseClient {
  public readonly namespace: string;
  public readonly clientPodLabels: Record<string, string>;
  public readonly job: k8s.KubeJob;
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
    const fromSecret = (name: string, ref: SecretKeyReference): k8s.EnvVar => ({ name, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } });
    const jobSpec: k8s.JobSpec = {
      backoffLimit: 4,
      activeDeadlineSeconds: 600,
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
            command: ['/bin/sh', '-c', ROLES_SCRIPT],
            env: [
              // The bootstrap superuser, whose name is in the database's ConfigMap.
              ...libpqClientEnv(db, { valueFrom: { configMapKeyRef: { name: db.configMap.name, key: CONFIG_KEYS.user } } }, db.passwordSecret),
              ...Object.values(DatabaseRole).flatMap(role => [
                { name: roleNameEnv(role), value: db.roleNames[role] },
                fromSecret(`${role.toUpperCase()}_PASSWORD`, db.rolePassword(role)),
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
    this.job = new k8s.KubeJob(this, 'Resource', {
      // Four hex digits (not the migration Job's eight), so that a StatefulSet's longest name (52) still fits a
      // label value of 63: the name only has to differ from the previous run's.
      metadata: { name: `${db.name}-roles-${checksum(k8s.toJson_JobSpec(jobSpec)).slice(0, ROLES_JOB_HASH_LENGTH)}` },
      spec: jobSpec,
    });
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
