import { Duration } from 'cdk8s';

import { DatabaseCredentials, DatabaseRole } from '../../lib/database/database-credentials';
import { jobScript } from '../../lib/database/job-script';
import { PostgresStatefulSet, PostgresStatefulSetProps } from '../../lib/database/postgres-stateful-set';
import ROLES_SCRIPT from '../../lib/database/scripts/roles.sh';
import WAIT_SCRIPT from '../../lib/database/scripts/wait.sh';
import { Manifest, namespacedChart, only, synth } from '../support/manifests';

function build(props: Partial<PostgresStatefulSetProps> = {}): { db: PostgresStatefulSet; manifests: Manifest[] } {
  const chart = namespacedChart('postgres');
  const db = new PostgresStatefulSet(chart, 'Postgres', {
    credentials: DatabaseCredentials.forDevelopment('test-password-123'),
    ...props,
  });
  return { db, manifests: synth(chart) };
}

const rolesJob = (manifests: Manifest[]) =>
  only(
    manifests.filter(m => m.metadata.labels?.['app.kubernetes.io/component'] === 'roles'),
    'Job',
  );

describe('PostgresRoles (the roles Job of every PostgresDatabase)', () => {
  test('one role per kind of client, named after the database, none of them the bootstrap superuser', () => {
    const { db } = build({ databaseName: 'tasks', user: 'postgres' });
    expect(db.roleNames).toEqual({
      owner: 'tasks_owner',
      service: 'tasks_service',
      exporter: 'tasks_exporter',
      backup: 'tasks_backup',
    });
    expect(() => build({ databaseName: 'tasks', user: 'tasks_owner' })).toThrow(
      new RegExp(
        String.raw`'user' is the name of one of the database's own roles \(tasks_owner, tasks_service, ` +
          String.raw`tasks_exporter, tasks_backup\); the bootstrap superuser needs another name.*got "tasks_owner"`,
      ),
    );
    expect(() => build({ databaseName: 'a'.repeat(55) })).toThrow(
      /'databaseName' must be at most 54 characters: the roles are '<databaseName>_owner' … '<databaseName>_exporter'/,
    );
  });

  test("it runs as the database image's postgres user, logged in as the superuser, with each role's name and password from the roles Secret", () => {
    const { db, manifests } = build();
    const job = rolesJob(manifests);
    const pod = job.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, runAsNonRoot: true });
    const [container] = pod.containers;
    expect(container.image).toBe(db.image);
    expect(container.command).toEqual(['/bin/sh', '-c', `${jobScript(WAIT_SCRIPT)}\n${jobScript(ROLES_SCRIPT)}`]);
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toEqual({
      PGHOST: 'postgres.postgres.svc.cluster.local',
      PGPORT: '5432',
      PGDATABASE: { configMapKeyRef: { name: 'postgres-config', key: 'POSTGRES_DB' } },
      PGUSER: { configMapKeyRef: { name: 'postgres-config', key: 'POSTGRES_USER' } },
      PGPASSWORD: { secretKeyRef: { name: 'postgres-credentials', key: 'POSTGRES_PASSWORD' } },
      PGCONNECT_TIMEOUT: '10',
      // How long it waits for the database to accept connections (scripts/wait.sh).
      WAIT_SECONDS: '480',
      ...Object.fromEntries(
        Object.values(DatabaseRole).flatMap(role => [
          [`${role.toUpperCase()}_ROLE`, `todo_${role}`],
          [
            `${role.toUpperCase()}_PASSWORD`,
            { secretKeyRef: { name: 'postgres-roles', key: `${role.toUpperCase()}_PASSWORD` } },
          ],
        ]),
      ),
    });
    // The roles Secret holds one password per role, none of them the superuser's.
    const secret = only(manifests, 'Secret', 'postgres-roles');
    const passwords = Object.values(secret.data as Record<string, string>).map(v =>
      Buffer.from(v, 'base64').toString(),
    );
    expect(new Set(passwords).size).toBe(4);
    expect(passwords).not.toContain('test-password-123');
  });

  test("its name hashes its spec (a Job's template is immutable): the same spec keeps it, a new image renames it", () => {
    const name = rolesJob(build().manifests).metadata.name;
    expect(name).toMatch(/^postgres-roles-[0-9a-f]{4}$/);
    expect(rolesJob(build().manifests).metadata.name).toBe(name);
    expect(rolesJob(build({ image: 'postgres:17.7-bookworm' }).manifests).metadata.name).not.toBe(name);
    // A StatefulSet's longest name (52) still gives a Job name that fits a label value.
    expect(rolesJob(build({ name: 'a'.repeat(52) }).manifests).metadata.name).toHaveLength(63);
  });

  test("it is bounded, kept a day, labelled as roles, and let through the database's NetworkPolicy", () => {
    const { db, manifests } = build();
    const job = rolesJob(manifests);
    expect(job.spec).toMatchObject({
      backoffLimit: 4,
      activeDeadlineSeconds: 600,
      ttlSecondsAfterFinished: Duration.days(1).toSeconds(),
    });
    // A pod that waited its full bound for the server and gave up (75), or whose connection parameters are bad (64),
    // fails the Job at once: a retry would wait again, past the deadline.
    expect(job.spec.podFailurePolicy).toEqual({
      rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [64, 75] } }],
    });
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    // Named after its database (as its backup pods are), so another database's policy admits none of its pods.
    expect(job.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': db.name,
      'app.kubernetes.io/component': 'roles',
    });
    expect(job.spec.template.metadata.labels).toMatchObject(db.roles.clientPodLabels);
    expect(only(manifests, 'NetworkPolicy').spec.ingress).toContainEqual({
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'postgres' } },
          podSelector: { matchLabels: db.roles.clientPodLabels },
        },
      ],
      ports: [{ port: 5432, protocol: 'TCP' }],
    });
  });

  test('its deadline leaves a pod that waited its full bound time to start and do the work: the give-up is logged', () => {
    const job = rolesJob(build().manifests);
    const wait = Number(job.spec.template.spec.containers[0].env.find((e: any) => e.name === 'WAIT_SECONDS').value);
    // Most of the deadline: a pod that gives up fails the Job for good (podFailurePolicy, and the Job keeps its
    // name), so a slow first start must fit in it.
    expect(wait).toBe(480);
    // Two minutes beyond the wait: for the pod to be scheduled and start (the deadline counts from the Job's start)
    // and the roles' work (seconds).
    expect(job.spec.activeDeadlineSeconds - wait).toBe(120);
    expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(wait);
  });

  // test/shell-scripts.test.ts runs shellcheck on it, as on every .sh file.
  test('its script (scripts/roles.sh) sets a password only when a login with it fails', () => {
    expect(ROLES_SCRIPT).toMatch(
      /if PGUSER="\$name" PGPASSWORD=\$\(printenv "\$\{role\}_PASSWORD"\) psql [^\n]*; then\n\s+echo "roles: \$name: password unchanged"/,
    );
  });
});
