import { Chart, Duration, Size } from 'cdk8s';

import { DatabaseCredentials } from '../../lib/database/database-credentials';
import { jobScript } from '../../lib/database/job-script';
import { POSTGRES_BACKUP_DEFAULTS, PostgresBackup, PostgresBackupProps } from '../../lib/database/postgres-backup';
import { PostgresStatefulSet } from '../../lib/database/postgres-stateful-set';
import BACKUP_SCRIPT from '../../lib/database/scripts/backup.sh';
import RESTORE_SCRIPT from '../../lib/database/scripts/restore.sh';
import WAIT_SCRIPT from '../../lib/database/scripts/wait.sh';
import { cronScheduleProblem } from '../../lib/kube/cron-schedule';
import { InvalidPropsError } from '../../lib/kube/prop-checks';
import { Manifest, namespacedChart, only, synth, testApp } from '../support/manifests';

const credentials = DatabaseCredentials.fromClusterSecrets({
  databaseSecretName: 'postgres-credentials',
  rolesSecretName: 'postgres-roles',
  clientSecretName: 'app-db-credentials',
  migrationSecretName: 'app-migration-credentials',
});

function build(props: Partial<Omit<PostgresBackupProps, 'database'>> = {}, image?: string) {
  const chart = namespacedChart('postgres');
  const database = new PostgresStatefulSet(chart, 'Postgres', { credentials, image });
  const backup = new PostgresBackup(chart, 'Backup', { database, ...props });
  return { backup, database, manifests: synth(chart) };
}

const backupPodOf = (manifests: Manifest[]) => only(manifests, 'CronJob').spec.jobTemplate.spec.template.spec;
const deployJobOf = (manifests: Manifest[]) =>
  only(
    manifests.filter(m => m.metadata.labels?.['app.kubernetes.io/component'] === 'backup'),
    'Job',
  );

describe('PostgresBackup', () => {
  test('a daily CronJob in UTC, never two at once, with bounded runs and history', () => {
    const cronJob = only(build().manifests, 'CronJob');
    expect(cronJob.metadata.name).toBe('postgres-backup');
    expect(cronJob.spec).toMatchObject({
      schedule: '0 3 * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    // A scheduled pod waits up to 10 minutes for the server (a restart, or a reschedule after its node was lost:
    // the 5-minute unreachable toleration, then a volume attach) and the backup role, which exists since the
    // deploy. The deadline adds the wait to the dump's own hour, and bounds the retries too.
    expect(cronJob.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 600 + 3600 });
    const env = cronJob.spec.jobTemplate.spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'WAIT_SECONDS', value: '600' });
    expect(
      only(build({ timeLimit: Duration.minutes(30) }).manifests, 'CronJob').spec.jobTemplate.spec.activeDeadlineSeconds,
    ).toBe(600 + 1800);
  });

  test('each backup Job outlives its wait by the time limit: a dump that waited its full bound still gets all of it', () => {
    for (const timeLimit of [Duration.minutes(1), Duration.hours(1), Duration.days(7)]) {
      const { manifests } = build({ timeLimit });
      const specs = [only(manifests, 'CronJob').spec.jobTemplate.spec, deployJobOf(manifests).spec];
      for (const spec of specs) {
        const wait = Number(spec.template.spec.containers[0].env.find((e: any) => e.name === 'WAIT_SECONDS').value);
        expect(wait).toBeGreaterThan(0);
        expect(spec.activeDeadlineSeconds).toBe(wait + timeLimit.toSeconds());
        expect(spec.activeDeadlineSeconds).toBeGreaterThan(wait);
      }
    }
  });

  test('a wait that gave up (75) or cannot be met (64) fails the Job at once, in the CronJob and at deploy: no retry waits again', () => {
    const { manifests } = build();
    const policy = {
      rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [64, 75] } }],
    };
    for (const spec of [only(manifests, 'CronJob').spec.jobTemplate.spec, deployJobOf(manifests).spec]) {
      expect(spec.podFailurePolicy).toEqual(policy);
      // What podFailurePolicy requires of the pods.
      expect(spec.template.spec.restartPolicy).toBe('Never');
    }
    expect(WAIT_SCRIPT).toContain('exit 75');
    expect(WAIT_SCRIPT).toContain('exit 64');
  });

  test('its script waits for the server, then for the backup role to log in, with the waits the roles Job shares', () => {
    const script: string = backupPodOf(build().manifests).containers[0].command[2];
    expect(script).toBe(`${jobScript(WAIT_SCRIPT)}\n${jobScript(BACKUP_SCRIPT)}`);
    expect(deployJobOf(build().manifests).spec.template.spec.containers[0].command[2]).toBe(script);
    expect(BACKUP_SCRIPT).toMatch(/\nwait_for_server backup\nwait_for_login backup\n/);
    expect(BACKUP_SCRIPT.indexOf('wait_for_login backup')).toBeLessThan(BACKUP_SCRIPT.indexOf('pg_dump'));
  });

  test('pg_dump runs from the database image, as its uid 999, under the restricted profile, onto its own claim', () => {
    const { manifests, database } = build({ storageSize: Size.gibibytes(20), storageClassName: 'backup-class' });
    const pod = backupPodOf(manifests);
    const container = pod.containers[0];
    expect(container.image).toBe(database.image);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 999,
      runAsGroup: 999,
      fsGroup: 999,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.automountServiceAccountToken).toBe(false);
    const claim = only(manifests, 'PersistentVolumeClaim', 'postgres-backups');
    expect(claim.spec).toMatchObject({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'backup-class',
      resources: { requests: { storage: '20Gi' } },
    });
    expect(pod.volumes).toContainEqual({ name: 'backups', persistentVolumeClaim: { claimName: 'postgres-backups' } });
    expect(container.volumeMounts).toContainEqual({ name: 'backups', mountPath: '/backups' });
  });

  test('it connects with libpq variables, as the backup role (read-only), its password from the roles Secret, never in the manifest', () => {
    const container = backupPodOf(build({ retention: 14 }).manifests).containers[0];
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toEqual({
      PGHOST: 'postgres.postgres.svc.cluster.local',
      PGPORT: '5432',
      PGDATABASE: { configMapKeyRef: { name: 'postgres-config', key: 'POSTGRES_DB' } },
      PGUSER: 'todo_backup',
      PGPASSWORD: { secretKeyRef: { name: 'postgres-roles', key: 'BACKUP_PASSWORD' } },
      PGCONNECT_TIMEOUT: '10',
      BACKUP_DIR: '/backups',
      WAIT_SECONDS: '600',
      BACKUP_RETAIN: '14',
    });
  });

  test('the restore Job logs in as the owner (it drops and creates the objects), never as the superuser', () => {
    const { backup } = build();
    const chart = new Chart(testApp(), 'restore', { namespace: 'postgres' });
    backup.restoreJob(chart, 'Restore');
    const env = only(synth(chart), 'Job').spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'PGUSER', value: 'todo_owner' });
    expect(env).toContainEqual({
      name: 'PGPASSWORD',
      valueFrom: { secretKeyRef: { name: 'postgres-roles', key: 'OWNER_PASSWORD' } },
    });
  });

  test("the database's NetworkPolicy admits the backup pods and the restore pods, on its port only", () => {
    const { manifests, backup } = build();
    const policy = only(manifests, 'NetworkPolicy');
    const selectors = policy.spec.ingress.map((rule: any) => rule.from[0].podSelector.matchLabels);
    expect(selectors).toContainEqual(backup.clientPodLabels);
    expect(selectors).toContainEqual(backup.restorePodLabels);
    const backupLabels = only(manifests, 'CronJob').spec.jobTemplate.spec.template.metadata.labels;
    expect(backupLabels).toMatchObject(backup.clientPodLabels);
    for (const rule of policy.spec.ingress) {
      expect(rule.ports).toEqual([{ port: 5432, protocol: 'TCP' }]);
    }
  });

  test("the deploy-time dump runs the CronJob's pod, its dumps named -deploy; its name changes with its spec (immutable), and only then", () => {
    const first = build().manifests;
    const dumpJob = (manifests: Manifest[]) =>
      only(
        manifests.filter(m => m.metadata.labels?.['app.kubernetes.io/component'] === 'backup'),
        'Job',
      );
    const job = dumpJob(first);
    // The CronJob's pod, plus the suffix that keeps the deploy-time dumps' pruning apart from the scheduled ones',
    // and a longer wait: under kubectl or Flux it may start before the roles Job has made its role (its deadline,
    // 600 s, and 2 minutes for its pod), which a scheduled dump never does.
    const scheduled = only(first, 'CronJob').spec.jobTemplate.spec;
    const env = job.spec.template.spec.containers[0].env;
    expect(env).toEqual([
      ...scheduled.template.spec.containers[0].env.map((e: any) =>
        e.name === 'WAIT_SECONDS' ? { name: 'WAIT_SECONDS', value: '720' } : e,
      ),
      { name: 'BACKUP_SUFFIX', value: '-deploy' },
    ]);
    expect(job.spec.activeDeadlineSeconds).toBe(720 + 3600);
    const withoutWait = (spec: any) =>
      JSON.parse(
        JSON.stringify(spec, (key, value) => (key === 'env' || key === 'activeDeadlineSeconds' ? undefined : value)),
      );
    expect(withoutWait(job.spec)).toEqual(withoutWait(scheduled));
    expect(job.metadata.name).toMatch(/^postgres-backup-[0-9a-f]{8}$/);
    expect(dumpJob(build().manifests).metadata.name).toBe(job.metadata.name);
    expect(dumpJob(build({}, 'postgres:17.7-bookworm').manifests).metadata.name).not.toBe(job.metadata.name);
  });

  test('the restore Job: generateName for `kubectl create`, the restore pod labels, no stack instance label, never retried', () => {
    const { backup } = build();
    const chart = new Chart(testApp(), 'restore', { namespace: 'postgres' });
    backup.restoreJob(chart, 'Restore');
    const job = only(synth(chart), 'Job');
    expect(job.metadata.name).toBeUndefined();
    expect((job.metadata as any).generateName).toBe('postgres-restore-');
    expect(job.metadata.namespace).toBe('postgres');
    expect(job.spec.template.metadata.labels).toMatchObject(backup.restorePodLabels);
    expect(job.spec.template.metadata.labels['app.kubernetes.io/instance']).toBeUndefined();
    expect(job.spec.backoffLimit).toBe(0);
    const env = job.spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'RESTORE_DUMP', value: 'latest' });
    expect(job.spec.template.spec.containers[0].command[2]).toContain('--single-transaction');
    // Its script without its comment lines, as every Job's (a reworded comment changes no manifest).
    expect(job.spec.template.spec.containers[0].command[2]).toBe(jobScript(RESTORE_SCRIPT));
    expect(RESTORE_SCRIPT).toMatch(/^\s*# /m);
    // Nothing to notify unless asked.
    expect(env.map((e: any) => e.name)).not.toContain('NOTIFY_CHANNELS');
  });

  test('notifyAfterRestore: the restore Job NOTIFYs those channels once the restore has committed', () => {
    const { backup } = build({ notifyAfterRestore: ['tasks_changed', 'other_cache'] });
    const chart = new Chart(testApp(), 'restore', { namespace: 'postgres' });
    backup.restoreJob(chart, 'Restore');
    const container = only(synth(chart), 'Job').spec.template.spec.containers[0];
    expect(container.env).toContainEqual({ name: 'NOTIFY_CHANNELS', value: 'tasks_changed other_cache' });
    const script: string = container.command[2];
    expect(script.indexOf('NOTIFY $channel')).toBeGreaterThan(
      script.indexOf('pg_restore --no-password --exit-on-error --clean'),
    );
    expect(script.indexOf('NOTIFY $channel')).toBeLessThan(script.indexOf('echo "restore: restored'));
    const problems = PostgresBackup.checkProps({
      database: { name: 'postgres' },
      notifyAfterRestore: ['ok_channel', 'tasks; DROP TABLE tasks', 'Upper'],
    });
    expect(problems.map(p => [p.prop, p.value])).toEqual([
      ['notifyAfterRestore', 'tasks; DROP TABLE tasks'],
      ['notifyAfterRestore', 'Upper'],
    ]);
    expect(problems[0].message).toContain('must be a lower-case SQL identifier');
  });

  test('bad props: every one named with its value and the fix, nothing built', () => {
    expect(() =>
      build({ schedule: '0 25 * * *', retention: 0, storageSize: Size.kibibytes(0), timeLimit: Duration.seconds(5) }),
    ).toThrow(InvalidPropsError);
    try {
      build({ schedule: '0 25 * * *', retention: 0, storageSize: Size.kibibytes(0), timeLimit: Duration.seconds(5) });
    } catch (error) {
      expect((error as InvalidPropsError).problems.map(p => p.prop)).toEqual([
        'schedule',
        'retention',
        'storageSize',
        'timeLimit',
      ]);
    }
    const problems = PostgresBackup.checkProps({
      database: { name: 'a'.repeat(50) },
      schedule: 'daily',
      retention: 1.5,
      storageClassName: 'Bad_Class',
    });
    expect(problems.map(p => p.prop)).toEqual(['name', 'schedule', 'retention', 'storageClassName']);
    expect(problems[0].message).toContain("the CronJob is named '<database name>-backup'");
    // The limit is said of the database's name, which is what the user sets: 45 + '-backup' is the CronJob's 52.
    expect(problems[0].message).toContain('at most 45 characters');
    expect(problems[0].value).toBe('a'.repeat(50));
    const nameProblems = (name: string) =>
      PostgresBackup.checkProps({ database: { name } }).filter(problem => problem.prop === 'name');
    expect(nameProblems('a'.repeat(45))).toEqual([]);
    expect(nameProblems('a'.repeat(46))).toHaveLength(1);
    expect(problems[1].message).toContain('must have five fields');
  });
});

describe('cron schedules, as the CronJob controller reads them', () => {
  test.each([
    '0 3 * * *',
    '*/15 * * * *',
    '0 0 1,15 * *',
    '30 2 * jan-mar mon-fri',
    '0 4 * * 0',
    '@daily',
    '@hourly',
    '@every 1h30m',
    '0 0 ? * SUN',
    '5/15 * * * *',
  ])('%s is a schedule', schedule => {
    expect(cronScheduleProblem(schedule)).toBeUndefined();
  });

  test.each([
    ['', /must be a cron schedule/],
    ['0 3 * *', /must have five fields/],
    ['60 3 * * *', /bad minute field '60'/],
    ['0 24 * * *', /bad hour field '24'/],
    ['0 3 0 * *', /bad day of month field '0'/],
    ['0 3 * 13 *', /bad month field '13'/],
    ['0 3 * * 8', /bad day of week field '8'/],
    // robfig/cron's day of week is 0-6: the API server refuses 7, which some crons read as Sunday.
    ['0 4 * * 7', /bad day of week field '7'/],
    ['0 5-3 * * *', /from low to high/],
    ['*/0 * * * *', /step must be at least 1/],
    ['@every 1 hour', /'@every' takes a duration/],
    ['@fortnightly', /must be one of @yearly/],
    ['TZ=Europe/Paris 0 3 * * *', /must not set a time zone/],
    ['CRON_TZ=UTC 0 3 * * *', /must not set a time zone/],
  ])('%j is not', (schedule, message) => {
    expect(cronScheduleProblem(schedule)).toMatch(message);
  });
});

test('PostgresBackup.resolve applies POSTGRES_BACKUP_DEFAULTS once; what is set stays', () => {
  expect(PostgresBackup.resolve({ retention: 3 })).toEqual({
    ...POSTGRES_BACKUP_DEFAULTS,
    retention: 3,
    storageClassName: undefined,
    notifyAfterRestore: [],
  });
});
