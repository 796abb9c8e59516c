import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { Construct } from 'constructs';

import { IDatabaseClient } from '../../lib/database/database';
import { DatabaseCredentials, DatabaseRole } from '../../lib/database/database-credentials';
import { PostgresCluster } from '../../lib/database/postgres-cluster';
import { PodAntiAffinity, PostgresClusterProps } from '../../lib/database/postgres-cluster-props';
import { InvalidPropsError } from '../../lib/kube/prop-checks';
import { namespacedChart, only, synth } from '../support/manifests';

const clusterCredentials = DatabaseCredentials.fromClusterSecrets({
  databaseSecretName: 'postgres-owner-credentials',
  clientSecretName: 'app-db-credentials',
});
const store = {
  destinationPath: 's3://todo-backups/postgres',
  endpointUrl: 'https://fra1.digitaloceanspaces.com',
  credentialsSecretName: 'backup-store',
};

function build(props: Partial<PostgresClusterProps> = {}) {
  const chart = namespacedChart('postgres');
  const database = new PostgresCluster(chart, 'Postgres', { credentials: clusterCredentials, ...props });
  return { chart, database, manifests: () => synth(chart) };
}

function problemsOf(props: Partial<PostgresClusterProps>): string[] {
  return PostgresCluster.checkProps({ credentials: clusterCredentials, ...props }).map(p => `${p.prop}: ${p.message}`);
}

class Client extends Construct implements IDatabaseClient {
  constructor(
    scope: Construct,
    public readonly namespace: string,
    public readonly clientPodLabels: Record<string, string>,
  ) {
    super(scope, 'Client');
  }
}

describe('PostgresCluster', () => {
  test('a CloudNativePG Cluster of three instances on three nodes, the primary upgraded last by a switchover', () => {
    const cluster = only(build().manifests(), 'Cluster', 'postgres');
    expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(cluster.spec).toMatchObject({
      instances: 3,
      imageName: 'ghcr.io/cloudnative-pg/postgresql:17.11-standard-trixie',
      affinity: { enablePodAntiAffinity: true, topologyKey: 'kubernetes.io/hostname', podAntiAffinityType: 'required' },
      primaryUpdateStrategy: 'unsupervised',
      primaryUpdateMethod: 'switchover',
      enablePDB: true,
      enableSuperuserAccess: false,
    });
  });

  test('one instance is allowed (no replica to switch over to: the primary restarts in place)', () => {
    const cluster = only(
      build({ instances: 1, podAntiAffinity: PodAntiAffinity.PREFERRED, podDisruptionBudget: false }).manifests(),
      'Cluster',
    );
    expect(cluster.spec).toMatchObject({ instances: 1, primaryUpdateMethod: 'restart', enablePDB: false });
    expect(cluster.spec.affinity.podAntiAffinityType).toBe('preferred');
  });

  test('storage, class and resources as given: CPU and memory requests, a memory limit and no CPU limit', () => {
    const cluster = only(
      build({
        storageSize: Size.gibibytes(20),
        storageClassName: 'fast-ssd',
        resources: { cpuRequest: Cpu.millis(500), memoryRequest: Size.mebibytes(512), memoryLimit: Size.gibibytes(1) },
      }).manifests(),
      'Cluster',
    );
    expect(cluster.spec.storage).toEqual({ size: '20Gi', storageClass: 'fast-ssd' });
    expect(cluster.spec.walStorage).toEqual({ size: '2Gi', storageClass: 'fast-ssd' });
    expect(cluster.spec.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } });
  });

  test('a separate WAL volume of its own size, so that WAL which cannot be archived never fills the data volume', () => {
    const { database, manifests } = build({ walStorageSize: Size.gibibytes(8) });
    expect(only(manifests(), 'Cluster').spec.walStorage).toEqual({ size: '8Gi' });
    expect(database.walStorageSize.toGibibytes()).toBe(8);
    expect(build().database.walStorageSize.toGibibytes()).toBe(2);
  });

  test('bootstrap.initdb creates our database and owner, whose password is the cluster-provided basic-auth Secret', () => {
    const { database, manifests } = build({ databaseName: 'tasks', user: 'tasks_owner' });
    const all = manifests();
    expect(only(all, 'Cluster').spec.bootstrap).toEqual({
      initdb: { database: 'tasks', owner: 'tasks_owner', secret: { name: 'postgres-owner-credentials' } },
    });
    expect(all.filter(m => m.kind === 'Secret')).toEqual([]);
    expect(database.ownerSecretName).toBe('postgres-owner-credentials');
    // The app and its migration both log in as the owner, from one Secret; CloudNativePG needs no roles Secret.
    expect(database.providedClientSecrets([DatabaseRole.SERVICE, DatabaseRole.OWNER])).toEqual(['app-db-credentials']);
    expect(database.bindClient(namespacedChart('app'), 'app-migration', DatabaseRole.OWNER)).toEqual({
      user: 'tasks_owner',
      password: { secretName: 'app-db-credentials', key: 'DB_PASSWORD' },
    });
  });

  test('with development credentials, the owner Secret is emitted as kubernetes.io/basic-auth, and the client gets the same password', () => {
    const { chart, database } = build({ credentials: DatabaseCredentials.forDevelopment('a-dev-password-1') });
    const appChart = namespacedChart('app', chart.node.scope as any);
    const client = database.bindClient(appChart, 'app-db', DatabaseRole.SERVICE);
    const owner = only(synth(chart), 'Secret', 'postgres-owner');
    expect(owner.type).toBe('kubernetes.io/basic-auth');
    // CloudNativePG reloads only labelled Secrets: a rotated password reaches the database.
    expect(owner.metadata.labels?.['cnpg.io/reload']).toBe('true');
    expect(Buffer.from(owner.data.username, 'base64').toString()).toBe('todo');
    expect(Buffer.from(owner.data.password, 'base64').toString()).toBe('a-dev-password-1');
    const clientSecret = only(synth(appChart), 'Secret', client.password.secretName);
    expect(Buffer.from(clientSecret.data[client.password.key], 'base64').toString()).toBe('a-dev-password-1');
    // The Cluster's owner, which is no superuser (enableSuperuserAccess: false).
    expect(client.user).toBe('todo');
    expect(only(synth(chart), 'Cluster').spec.enableSuperuserAccess).toBe(false);
  });

  test('clients reach the -rw Service, which CloudNativePG keeps on the primary; the operand image has pg_isready', () => {
    const { database } = build({ name: 'orders', clusterDomain: 'corp.internal' });
    expect(database.host).toBe('orders-rw.postgres.svc.corp.internal');
    expect(database.port).toBe(5432);
    expect(database.clientToolsImage).toBe(database.image);
  });

  test('the NetworkPolicy admits the operator (8000, 5432), the instances among themselves, the clients (5432) and Prometheus (9187 only)', () => {
    const { chart, database } = build({ operatorNamespace: 'operators' });
    database.allowClient(new Client(chart, 'app', { 'app.kubernetes.io/name': 'todo' }));
    database.allowMetricsScraper('monitoring');
    const policy = only(synth(chart), 'NetworkPolicy', 'postgres-clients');
    const tcp = (...ports: number[]) => ports.map(port => ({ port, protocol: 'TCP' }));
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'cnpg.io/cluster': 'postgres' } });
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'operators' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } },
          },
        ],
        ports: tcp(8000, 5432),
      },
      { from: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'postgres' } } }], ports: tcp(5432, 8000) },
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'app' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'todo' } },
          },
        ],
        ports: tcp(5432),
      },
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: tcp(9187),
      },
    ]);
  });

  test("it makes no Service, PodDisruptionBudget or workload of its own: those are the operator's", () => {
    const kinds = build({ backup: { objectStore: store } })
      .manifests()
      .map(m => m.kind)
      .sort();
    expect(kinds).toEqual(['Cluster', 'NetworkPolicy', 'ObjectStore', 'ScheduledBackup']);
  });

  test('backup: an ObjectStore of the Barman Cloud plugin with the store, compression, retention and the S3 checksum settings', () => {
    const { database, manifests } = build({ backup: { objectStore: store, retentionPolicy: '4w' } });
    const objectStore = only(manifests(), 'ObjectStore', 'postgres-backups');
    expect(objectStore.apiVersion).toBe('barmancloud.cnpg.io/v1');
    // Applied with the Cluster (the database's sync wave), whose instances need it to start archiving.
    expect(objectStore.metadata.labels?.['app.kubernetes.io/component']).toBe('database');
    expect(objectStore.spec).toEqual({
      configuration: {
        destinationPath: 's3://todo-backups/postgres',
        endpointURL: 'https://fra1.digitaloceanspaces.com',
        s3Credentials: {
          accessKeyId: { name: 'backup-store', key: 'ACCESS_KEY_ID' },
          secretAccessKey: { name: 'backup-store', key: 'ACCESS_SECRET_KEY' },
        },
        wal: { compression: 'gzip' },
        data: { compression: 'gzip' },
      },
      retentionPolicy: '4w',
      instanceSidecarConfiguration: {
        env: [
          { name: 'AWS_REQUEST_CHECKSUM_CALCULATION', value: 'when_required' },
          { name: 'AWS_RESPONSE_CHECKSUM_VALIDATION', value: 'when_required' },
        ],
      },
    });
    expect(database.objectStore?.name).toBe('postgres-backups');
    expect(only(build({ backup: { objectStore: store } }).manifests(), 'ObjectStore').spec.retentionPolicy).toBe('7d');
  });

  test('backup: the Cluster archives WAL through the plugin into its own folder, and has no in-tree backup section', () => {
    const cluster = only(build({ name: 'orders', backup: { objectStore: store } }).manifests(), 'Cluster');
    expect(cluster.spec.plugins).toEqual([
      {
        name: 'barman-cloud.cloudnative-pg.io',
        isWALArchiver: true,
        parameters: { barmanObjectName: 'orders-backups', serverName: 'orders' },
      },
    ]);
    expect(cluster.spec).not.toHaveProperty('backup');
    expect(cluster.spec.bootstrap).toHaveProperty('initdb');
    expect(cluster.spec).not.toHaveProperty('externalClusters');
    const moved = only(
      build({ backup: { objectStore: store, serverName: 'postgres-archive' } }).manifests(),
      'Cluster',
    );
    expect(moved.spec.plugins[0].parameters.serverName).toBe('postgres-archive');
  });

  test('no backup: no ObjectStore, no plugin, no ScheduledBackup', () => {
    const all = build().manifests();
    expect(all.map(m => m.kind).sort()).toEqual(['Cluster', 'NetworkPolicy']);
    expect(only(all, 'Cluster').spec).not.toHaveProperty('plugins');
  });

  test("the ScheduledBackup: through the plugin, the CronJob schedule with CloudNativePG's leading seconds field, a first backup right away", () => {
    const scheduled = only(
      build({ backup: { objectStore: store, schedule: '30 1 * * 0', retentionPolicy: '4w' } }).manifests(),
      'ScheduledBackup',
    );
    expect(scheduled.metadata.name).toBe('postgres-base-backup');
    expect(scheduled.metadata.labels?.['app.kubernetes.io/component']).toBe('backup');
    expect(scheduled.spec).toEqual({
      cluster: { name: 'postgres' },
      schedule: '0 30 1 * * 0',
      method: 'plugin',
      pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' },
      immediate: true,
      backupOwnerReference: 'self',
    });
  });

  test('recovery: bootstrap.recovery through the plugin from the named folder of the same store, up to a time, archiving into a new folder', () => {
    const cluster = only(
      build({
        backup: { objectStore: store, serverName: 'postgres-2' },
        recovery: { serverName: 'postgres', targetTime: '2026-11-23T10:00:00Z' },
      }).manifests(),
      'Cluster',
    );
    expect(cluster.spec.bootstrap).toEqual({
      recovery: {
        source: 'backup-origin',
        database: 'todo',
        owner: 'todo',
        secret: { name: 'postgres-owner-credentials' },
        recoveryTarget: { targetTime: '2026-11-23T10:00:00Z' },
      },
    });
    expect(cluster.spec.externalClusters).toEqual([
      {
        name: 'backup-origin',
        plugin: {
          name: 'barman-cloud.cloudnative-pg.io',
          parameters: { barmanObjectName: 'postgres-backups', serverName: 'postgres' },
        },
      },
    ]);
    expect(cluster.spec.plugins[0].parameters).toEqual({
      barmanObjectName: 'postgres-backups',
      serverName: 'postgres-2',
    });
  });

  test.each<[string, Partial<PostgresClusterProps>, RegExp]>([
    [
      'the Docker library image (uid 999)',
      { image: 'postgres:17.11-trixie' },
      new RegExp(
        String.raw`^image: is the Docker library image: its postgres user is uid 999, not CloudNativePG's 26; use a ` +
          String.raw`CloudNativePG operand image of the same version, such as ` +
          String.raw`'ghcr.io\/cloudnative-pg\/postgresql:17.11-standard-trixie'`,
      ),
    ],
    ['the same, spelled out', { image: 'docker.io/library/postgres:17.11' }, /^image: is the Docker library image/],
    [
      "a 'system' image (deprecated with the in-tree backups)",
      { image: 'ghcr.io/cloudnative-pg/postgresql:17.11-system-trixie' },
      new RegExp(
        String.raw`^image: is a 'system' image, deprecated with the in-tree Barman Cloud support it carried: backups ` +
          String.raw`run in the Barman Cloud plugin's sidecar now; use the 'standard' \(or 'minimal'\) image`,
      ),
    ],
    [
      'an image on Debian bookworm, no longer rebuilt',
      { image: 'ghcr.io/cloudnative-pg/postgresql:17.6-standard-bookworm' },
      /^image: is built on Debian bookworm, whose CloudNativePG images get no more security fixes; use the trixie image/,
    ],
    ['a WAL volume of no size', { walStorageSize: Size.gibibytes(0) }, /^walStorageSize: /],
    ['no instances', { instances: 0 }, /^instances: must be a whole number from 1 to 9/],
    ['a fraction of an instance', { instances: 2.5 }, /^instances: must be a whole number from 1 to 9/],
    ['a name over 50 characters', { name: 'a'.repeat(51) }, /^name: .*50.*CloudNativePG derives its Services/],
    [
      'an unknown anti-affinity',
      { podAntiAffinity: 'sometimes' as PodAntiAffinity },
      /^podAntiAffinity: must be one of 'required', 'preferred'/,
    ],
    [
      'a store path that is not S3',
      { backup: { objectStore: { ...store, destinationPath: 'https://bucket/path' } } },
      /^backup\.objectStore\.destinationPath: must be an S3 bucket and folder/,
    ],
    [
      'an endpoint that is not a URL',
      { backup: { objectStore: { ...store, endpointUrl: 'fra1.digitaloceanspaces.com' } } },
      /^backup\.objectStore\.endpointUrl: must be an http\(s\) URL/,
    ],
    [
      'a retention CloudNativePG does not read',
      { backup: { objectStore: store, retentionPolicy: '7 days' } },
      /^backup\.retentionPolicy: must be a number and d, w or m/,
    ],
    [
      'a macro schedule, which has no seconds field to add',
      { backup: { objectStore: store, schedule: '@daily' } },
      /^backup\.schedule: must be five fields/,
    ],
    [
      'a schedule a CronJob would refuse',
      { backup: { objectStore: store, schedule: '0 25 * * *' } },
      /^backup\.schedule: /,
    ],
    ['recovery without a store', { recovery: { serverName: 'postgres' } }, /^recovery: needs backup\.objectStore/],
    [
      'recovery archiving into the folder it recovers from',
      { backup: { objectStore: store }, recovery: { serverName: 'postgres' } },
      new RegExp(
        String.raw`^backup\.serverName: must differ from recovery\.serverName \('postgres'\): CloudNativePG refuses ` +
          String.raw`to archive into a folder that already holds a WAL archive; set backup\.serverName to a new ` +
          String.raw`folder, such as 'postgres-2'`,
      ),
    ],
    [
      'a recovery time without a zone',
      {
        backup: { objectStore: store, serverName: 'postgres-2' },
        recovery: { serverName: 'postgres', targetTime: '2026-11-23 10:00' },
      },
      /^recovery\.targetTime: must be an RFC 3339 time stamp with a zone/,
    ],
  ])('refuses %s, naming the prop, the value and the fix', (_what, props, message) => {
    const problems = problemsOf(props);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
    expect(() => build(props)).toThrow(InvalidPropsError);
  });

  test('the shipped defaults pass their own checks', () => {
    expect(problemsOf({})).toEqual([]);
    expect(problemsOf({ backup: { objectStore: store }, instances: 1 })).toEqual([]);
    // Backups run in the plugin's sidecar: the image needs no barman-cloud of its own.
    expect(
      problemsOf({ backup: { objectStore: store }, image: 'ghcr.io/cloudnative-pg/postgresql:17.11-minimal-trixie' }),
    ).toEqual([]);
    expect(
      problemsOf({ image: 'ghcr.io/cloudnative-pg/postgresql:17.11-standard-trixie@sha256:' + 'a'.repeat(64) }),
    ).toEqual([]);
  });
});
