import { Chart, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';

import { DatabaseCredentials } from '../../lib/database/database-credentials';
import { PostgresStatefulSet, PostgresStatefulSetProps } from '../../lib/database/postgres-stateful-set';
import { Manifest, namespacedChart, only, synth, testApp } from '../support/manifests';

const credentials = DatabaseCredentials.forDevelopment('test-password-123');

function build(props: Partial<PostgresStatefulSetProps> = {}): { db: PostgresStatefulSet; manifests: Manifest[] } {
  const chart = namespacedChart('postgres');
  const db = new PostgresStatefulSet(chart, 'Postgres', { credentials, ...props });
  return { db, manifests: synth(chart) };
}

describe('PostgresStatefulSet', () => {
  test('defaults match the snapshot', () => {
    expect(build().manifests).toMatchSnapshot();
  });

  test('serviceName is its own headless Service, which publishes not-ready pods on a named port', () => {
    const { db, manifests } = build();
    const sts = only(manifests, 'StatefulSet');
    const headless = only(manifests, 'Service', 'postgres-headless');
    expect(sts.spec.serviceName).toBe(headless.metadata.name);
    expect(db.headlessService.name).toBe('postgres-headless');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(headless.spec.ports).toEqual([
      { name: 'tcp-postgresql', port: 5432, targetPort: 'tcp-postgresql', protocol: 'TCP' },
    ]);
    expect(headless.spec.selector).toEqual(sts.spec.selector.matchLabels);
  });

  test('clients get a separate ClusterIP Service with a different name', () => {
    const { db, manifests } = build();
    const services = manifests.filter(m => m.kind === 'Service');
    expect(services.map(s => s.metadata.name).sort()).toEqual(['postgres', 'postgres-headless']);
    const client = only(manifests, 'Service', 'postgres');
    expect(client.spec.type).toBe('ClusterIP');
    expect(client.spec.clusterIP).toBeUndefined();
    expect(db.host).toBe('postgres.postgres.svc.cluster.local');
  });

  test('volumeClaimTemplates request ReadWriteOnce with the storage class and size given', () => {
    const { manifests } = build({ storageClassName: 'do-block-storage', storageSize: Size.gibibytes(5) });
    const sts = only(manifests, 'StatefulSet');
    expect(sts.spec.volumeClaimTemplates).toHaveLength(1);
    const claim = sts.spec.volumeClaimTemplates[0];
    expect(claim.metadata.name).toBe('data');
    expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(claim.spec.storageClassName).toBe('do-block-storage');
    expect(claim.spec.resources.requests.storage).toBe('5Gi');
    const mount = sts.spec.template.spec.containers[0].volumeMounts.find((m: any) => m.name === 'data');
    expect(mount.mountPath).toBe('/var/lib/postgresql/data');
  });

  test('a size that is not a whole number of GiB is written exactly', () => {
    const sts = only(build({ storageSize: Size.mebibytes(1536) }).manifests, 'StatefulSet');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('1536Mi');
  });

  test('no storage class means the cluster default (the field is omitted)', () => {
    const sts = only(build().manifests, 'StatefulSet');
    expect(sts.spec.volumeClaimTemplates[0].spec).not.toHaveProperty('storageClassName');
  });

  test('claim templates carry only labels that never change: the API server rejects any change to them', () => {
    const sts = only(build({ image: 'postgres:17.7-bookworm' }).manifests, 'StatefulSet');
    expect(sts.spec.volumeClaimTemplates[0].metadata.labels).toEqual(sts.spec.selector.matchLabels);
    expect(sts.spec.volumeClaimTemplates[0].metadata.labels).not.toHaveProperty(['app.kubernetes.io/version']);
    const other = only(build({ image: 'postgres:17.6-bookworm' }).manifests, 'StatefulSet');
    expect(other.spec.volumeClaimTemplates).toEqual(sts.spec.volumeClaimTemplates);
  });

  test('no preStop hook: the image stops PostgreSQL fast on SIGINT (its STOPSIGNAL); a hook on PID 1 fails every time', () => {
    const pod = only(build().manifests, 'StatefulSet').spec.template.spec;
    expect(pod.containers[0]).not.toHaveProperty('lifecycle');
    expect(pod.terminationGracePeriodSeconds).toBe(60);
  });

  test('claims are retained when the set is deleted or scaled down', () => {
    const sts = only(build().manifests, 'StatefulSet');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  test('settings: user and database in a ConfigMap, the password only in a Secret', () => {
    const { manifests } = build({ databaseName: 'tasks', user: 'flask' });
    const config = only(manifests, 'ConfigMap');
    expect(config.data).toEqual({
      POSTGRES_DB: 'tasks',
      POSTGRES_USER: 'flask',
      PGDATA: '/var/lib/postgresql/data/pgdata',
    });
    expect(JSON.stringify(config)).not.toContain('test-password-123');
    const secret = only(manifests, 'Secret', 'postgres-credentials');
    expect(Buffer.from(secret.data.POSTGRES_PASSWORD, 'base64').toString()).toBe('test-password-123');
    const env = only(manifests, 'StatefulSet').spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'POSTGRES_PASSWORD').valueFrom.secretKeyRef).toEqual({
      name: secret.metadata.name,
      key: 'POSTGRES_PASSWORD',
    });
    expect(env.filter((e: any) => e.value !== undefined)).toEqual([]);
  });

  test('cluster-provided credentials emit no Secret and reference the named one', () => {
    const { manifests } = build({
      credentials: DatabaseCredentials.fromClusterSecrets({
        databaseSecretName: 'pg-secret',
        rolesSecretName: 'pg-roles',
        clientSecretName: 'app-secret',
        migrationSecretName: 'app-owner',
      }),
    });
    expect(manifests.filter(m => m.kind === 'Secret')).toEqual([]);
    const env = only(manifests, 'StatefulSet').spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'POSTGRES_PASSWORD').valueFrom.secretKeyRef).toEqual({
      name: 'pg-secret',
      key: 'POSTGRES_PASSWORD',
    });
  });

  test('the image is pinned and PGDATA is a subdirectory of the volume', () => {
    const { db, manifests } = build();
    const container = only(manifests, 'StatefulSet').spec.template.spec.containers[0];
    expect(db.image).toBe('postgres:17.6-bookworm');
    expect(container.image).toBe('postgres:17.6-bookworm');
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(only(manifests, 'ConfigMap').data.PGDATA).toBe('/var/lib/postgresql/data/pgdata');
  });

  test('pg_isready startup, readiness and liveness probes', () => {
    const container = only(build().manifests, 'StatefulSet').spec.template.spec.containers[0];
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(container[probe].exec.command.join(' ')).toMatch(/pg_isready -U "\$POSTGRES_USER" -d "\$POSTGRES_DB"/);
    }
    expect(container.startupProbe.failureThreshold * container.startupProbe.periodSeconds).toBeGreaterThanOrEqual(300);
  });

  test('requests CPU and memory, and limits memory', () => {
    const { manifests } = build({
      resources: { cpuRequest: Cpu.millis(500), memoryRequest: Size.gibibytes(1), memoryLimit: Size.gibibytes(2) },
    });
    const container = only(manifests, 'StatefulSet').spec.template.spec.containers[0];
    expect(container.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } });
  });

  test('security passes the restricted Pod Security Standard', () => {
    const pod = only(build().manifests, 'StatefulSet').spec.template.spec;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 999,
      runAsGroup: 999,
      fsGroup: 999,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0].securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
  });

  test('PostgreSQL writes only to its volume and emptyDirs; /dev/shm is memory-backed', () => {
    const pod = only(build().manifests, 'StatefulSet').spec.template.spec;
    const mounts = Object.fromEntries(pod.containers[0].volumeMounts.map((m: any) => [m.mountPath, m.name]));
    expect(mounts).toEqual({
      '/var/lib/postgresql/data': 'data',
      '/var/run/postgresql': 'run',
      '/tmp': 'tmp',
      '/dev/shm': 'dshm',
    });
    const dshm = pod.volumes.find((v: any) => v.name === 'dshm');
    expect(dshm.emptyDir.medium).toBe('Memory');
  });

  test('a PodDisruptionBudget covers the database pod', () => {
    const { manifests } = build();
    const pdb = only(manifests, 'PodDisruptionBudget');
    expect(pdb.spec.selector.matchLabels).toEqual(only(manifests, 'StatefulSet').spec.selector.matchLabels);
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
  });

  test('the NetworkPolicy denies everything until a client is allowed, then only that client on 5432', () => {
    const chart = namespacedChart('postgres');
    const db = new PostgresStatefulSet(chart, 'Postgres', { credentials });
    // Only its own roles Job, from its own namespace.
    const roles = {
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'postgres' } },
          podSelector: { matchLabels: db.roles.clientPodLabels },
        },
      ],
      ports: [{ port: 5432, protocol: 'TCP' }],
    };
    expect(only(synth(chart), 'NetworkPolicy').spec.ingress).toEqual([roles]);
    const client = { namespace: 'apps', clientPodLabels: { 'app.kubernetes.io/name': 'todo' }, node: db.node };
    db.allowClient(client as any);
    const policy = only(synth(chart), 'NetworkPolicy');
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.podSelector.matchLabels).toEqual(db.selector);
    expect(policy.spec.ingress).toEqual([
      roles,
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'todo' } },
          },
        ],
        ports: [{ port: 5432, protocol: 'TCP' }],
      },
    ]);
  });

  test('exposes typed members for its clients', () => {
    const { db } = build({ name: 'pg', databaseName: 'tasks', user: 'flask' });
    expect(db.host).toBe('pg.postgres.svc.cluster.local');
    expect(db.port).toBe(5432);
    expect(db.databaseName).toBe('tasks');
    expect(db.user).toBe('flask');
    expect(db.service.name).toBe('pg');
    expect(db.passwordSecret).toEqual({ secretName: 'pg-credentials', key: 'POSTGRES_PASSWORD' });
    expect(db.replicas).toBe(1);
  });

  test('every object carries the six recommended labels', () => {
    for (const manifest of build().manifests) {
      expect(Object.keys(manifest.metadata.labels ?? {})).toEqual(
        expect.arrayContaining([
          'app.kubernetes.io/name',
          'app.kubernetes.io/instance',
          'app.kubernetes.io/component',
          'app.kubernetes.io/part-of',
          'app.kubernetes.io/managed-by',
          'app.kubernetes.io/version',
        ]),
      );
    }
  });

  test('fails on replicas other than 1, naming the prop, the value and the fix', () => {
    expect(() => build({ replicas: 3 })).toThrow(
      /'replicas' must be 1 for a single-primary PostgreSQL without replication.*CloudNativePG.*got 3/,
    );
    expect(() => build({ replicas: 0 })).toThrow(/got 0/);
  });

  test('fails on bad props with one error naming every prop, its value and the fix', () => {
    expect(() =>
      build({
        name: 'a'.repeat(53),
        databaseName: 'Todo-DB',
        storageSize: Size.kibibytes(0),
        storageClassName: 'Fast SSD',
        resources: { cpuRequest: Cpu.millis(0), memoryRequest: Size.mebibytes(512), memoryLimit: Size.mebibytes(256) },
        credentials: DatabaseCredentials.forDevelopment('short'),
      }),
    ).toThrow(
      new RegExp(
        [
          'postgres/Postgres: invalid props:',
          '  - \'name\' must be a DNS-1035 label .*at most 52 characters.*controller-revision-hash.*got "a{53}"',
          '  - \'databaseName\' must be a lower-case PostgreSQL identifier.*got "Todo-DB"',
          '  - \'storageSize\' must be a whole number of KiB, more than zero, such as Size.gibibytes\\(5\\), got "0Ki"',
          "  - 'storageClassName' must be a DNS-1123 subdomain .*or leave it unset for the cluster's default class, got \"Fast SSD\"",
          '  - \'resources.cpuRequest\' must be more than zero, such as Cpu.millis\\(250\\), got "0m"',
          '  - \'resources.memoryLimit\' must be at least the memory request \\(512Mi\\).*got "256Mi"',
          "  - 'credentials.password' must be a string of at least 12 characters, got a string of 5 characters \\(not shown: a password\\)",
        ].join('\n'),
      ),
    );
    // The longest name that fits: the pods' controller-revision-hash label stays within 63 characters.
    expect(build({ name: 'a'.repeat(52) }).db.name).toHaveLength(52);
    expect(() => build({ image: 'postgres:latest' })).toThrow(/'image' must pin a version tag, not 'latest'/);
    expect(() =>
      build({
        credentials: DatabaseCredentials.fromClusterSecrets({
          databaseSecretName: 'pg',
          rolesSecretName: 'pg-roles',
          clientSecretName: 'Bad_Name',
          migrationSecretName: 'app-owner',
        }),
      }),
    ).toThrow(/'credentials.clientSecretName' must be a DNS-1123 subdomain.*got "Bad_Name"/);
    // The roles' passwords and the migration's have no default name: the cluster provides them.
    expect(() =>
      build({
        credentials: DatabaseCredentials.fromClusterSecrets({ databaseSecretName: 'pg', clientSecretName: 'app' }),
      }),
    ).toThrow(
      new RegExp(
        String.raw`'credentials.rolesSecretName' must name the Secret of the roles' ` +
          String.raw`passwords.*\n.*'credentials.migrationSecretName' must name the migration Job's Secret`,
      ),
    );
  });

  test('refuses a PostgreSQL older than 15, whose psql cannot run the roles Job (\\getenv); 15 and digests pass', () => {
    expect(() => build({ image: 'postgres:14.13-bookworm' })).toThrow(
      /'image' is PostgreSQL 14: the roles Job needs psql 15 or later .*, got "postgres:14\.13-bookworm"/,
    );
    expect(() => build({ image: 'postgres:15.10-bookworm' })).not.toThrow();
    expect(() => build({ image: 'postgres@sha256:' + 'a'.repeat(64) })).not.toThrow();
  });

  test('the cluster domain is a prop: host is written under it', () => {
    expect(build().db.host).toBe('postgres.postgres.svc.cluster.local');
    expect(build({ clusterDomain: 'corp.internal' }).db.host).toBe('postgres.postgres.svc.corp.internal');
    expect(() => build({ clusterDomain: 'Not A Domain' })).toThrow(/'clusterDomain' must be a DNS-1123 subdomain/);
  });

  test('fails outside a namespaced chart', () => {
    const chart = new Chart(testApp(), 'no-namespace');
    expect(() => new PostgresStatefulSet(chart, 'Postgres', { credentials })).toThrow(
      /must be created in a Chart with a 'namespace'/,
    );
  });

  test('all props: the compiler forces this test to set every prop', () => {
    const all: Required<PostgresStatefulSetProps> = {
      credentials,
      name: 'db',
      image: 'postgres:16.4-bookworm',
      databaseName: 'app',
      user: 'owner',
      storageSize: Size.gibibytes(20),
      storageClassName: 'fast',
      resources: { cpuRequest: Cpu.units(1), memoryRequest: Size.gibibytes(2), memoryLimit: Size.gibibytes(4) },
      replicas: 1,
      podDisruptionBudget: false,
      clusterDomain: 'cluster.example',
      metricsExporterImage: 'quay.io/prometheuscommunity/postgres-exporter:v0.17.1',
    };
    const { db, manifests } = build(all);
    const sts = only(manifests, 'StatefulSet', 'db');
    expect(sts.spec.template.spec.containers[0].image).toBe('postgres:16.4-bookworm');
    expect(sts.spec.serviceName).toBe('db-headless');
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({
      storageClassName: 'fast',
      resources: { requests: { storage: '20Gi' } },
    });
    expect(sts.metadata.labels?.['app.kubernetes.io/version']).toBe('16.4-bookworm');
    expect(only(manifests, 'ConfigMap', 'db-config').data).toMatchObject({
      POSTGRES_DB: 'app',
      POSTGRES_USER: 'owner',
    });
    expect(manifests.filter(m => m.kind === 'PodDisruptionBudget')).toEqual([]);
    expect(db.host).toBe('db.postgres.svc.cluster.example');
    expect(sts.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['postgres', 'metrics']);
  });

  test("metrics: a postgres_exporter sidecar on the pod's loopback as the exporter role, restricted, never gating readiness", () => {
    const chart = namespacedChart('postgres');
    const db = new PostgresStatefulSet(chart, 'Postgres', {
      credentials,
      metricsExporterImage: 'quay.io/prometheuscommunity/postgres-exporter:v0.17.1',
    });
    db.allowMetricsScraper('monitoring');
    const manifests = synth(chart);
    const pod = only(manifests, 'StatefulSet').spec.template.spec;
    const exporter = pod.containers[1];
    expect(exporter).toMatchObject({
      name: 'metrics',
      image: 'quay.io/prometheuscommunity/postgres-exporter:v0.17.1',
      args: ['--web.listen-address=:9187'],
      ports: [{ name: 'metrics', containerPort: 9187, protocol: 'TCP' }],
      securityContext: {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      },
    });
    expect(exporter.readinessProbe).toBeUndefined();
    expect(exporter.env).toEqual([
      { name: 'DATA_SOURCE_URI', value: '127.0.0.1:5432/todo?sslmode=disable' },
      { name: 'DATA_SOURCE_USER', value: 'todo_exporter' },
      { name: 'DATA_SOURCE_PASS', valueFrom: { secretKeyRef: { name: 'postgres-roles', key: 'EXPORTER_PASSWORD' } } },
    ]);
    // Prometheus's namespace reaches port 9187, and nothing else of the pod.
    const rules = only(manifests, 'NetworkPolicy').spec.ingress;
    expect(rules).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      ports: [{ port: 9187, protocol: 'TCP' }],
    });
    expect(() => build().db.allowMetricsScraper('monitoring')).toThrow(/needs a metricsExporterImage/);
  });
});
