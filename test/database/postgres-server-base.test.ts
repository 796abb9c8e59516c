import { Size } from 'cdk8s';
import { Construct } from 'constructs';

import * as k8s from '../../imports/k8s';
import { IDatabaseClient } from '../../lib/database/database';
import { DatabaseCredentials, DatabaseRole, SecretKeyReference } from '../../lib/database/database-credentials';
import { BackupDatabase, PostgresBackup } from '../../lib/database/postgres-backup';
import { PostgresCluster } from '../../lib/database/postgres-cluster';
import { POSTGRES_CLUSTER_DEFAULTS } from '../../lib/database/postgres-cluster-props';
import { POSTGRES_DEFAULTS } from '../../lib/database/postgres-database';
import { PostgresDeployment } from '../../lib/database/postgres-deployment';
import { PostgresStatefulSet } from '../../lib/database/postgres-stateful-set';
import { namespacedChart, only, synth } from '../support/manifests';

const devCredentials = () => DatabaseCredentials.forDevelopment('dev-password');
const clusterCredentials = DatabaseCredentials.fromClusterSecrets({
  databaseSecretName: 'postgres-owner-credentials',
  clientSecretName: 'app-db-credentials',
});
const store = { destinationPath: 's3://todo-backups/postgres', credentialsSecretName: 'backup-store' };

// What the stack reads off any database (keep-data, sync waves, dumps) instead of asking for its class.
describe('IDatabaseServer: what each workload tells the stack', () => {
  test('a StatefulSet: its roles Job, no data objects of its own (it retains its claims), and itself as the dump source', () => {
    const database = new PostgresStatefulSet(namespacedChart('postgres'), 'Postgres', {
      credentials: devCredentials(),
    });
    expect(database.dataObjects).toEqual([]);
    expect(database.rolesJob).toBe(database.roles.job);
    expect(database.backupObjects).toEqual([]);
    expect(database.dumpSource).toBe(database);
  });

  test('a Deployment: its claim and its static volume hold the data', () => {
    const database = new PostgresDeployment(namespacedChart('postgres'), 'Postgres', {
      credentials: devCredentials(),
      staticVolumeHostPath: '/mnt/data',
    });
    expect(database.dataObjects).toEqual([database.persistentVolumeClaim, database.persistentVolume]);
    const withoutVolume = new PostgresDeployment(namespacedChart('postgres'), 'Postgres', {
      credentials: devCredentials(),
    });
    expect(withoutVolume.dataObjects).toEqual([withoutVolume.persistentVolumeClaim]);
  });

  test('a CloudNativePG Cluster: the Cluster holds the data, its ScheduledBackup is its backup, no roles Job and no dumps', () => {
    const database = new PostgresCluster(namespacedChart('postgres'), 'Postgres', {
      credentials: clusterCredentials,
      backup: { objectStore: store },
    });
    expect(database.dataObjects).toEqual([database.cluster]);
    expect(database.backupObjects).toEqual([database.scheduledBackup]);
    expect(database.rolesJob).toBeUndefined();
    expect(database.dumpSource).toBeUndefined();
  });
});

describe('resolve(props): every default applied once, from the *_DEFAULTS constants', () => {
  test('PostgresStatefulSet.resolve fills every prop a StatefulSet reads', () => {
    const credentials = devCredentials();
    expect(PostgresStatefulSet.resolve({ credentials })).toEqual({
      ...POSTGRES_DEFAULTS,
      credentials,
      replicas: 1,
      storageClassName: undefined,
      metricsExporterImage: undefined,
    });
  });

  test("PostgresCluster.resolve fills the backup's defaults, its folder being the cluster's name", () => {
    const resolved = PostgresCluster.resolve({
      credentials: clusterCredentials,
      name: 'orders',
      backup: { objectStore: store },
    });
    expect(resolved.backup).toEqual({
      objectStore: store,
      serverName: 'orders',
      schedule: POSTGRES_CLUSTER_DEFAULTS.schedule,
      retentionPolicy: POSTGRES_CLUSTER_DEFAULTS.retentionPolicy,
    });
    expect(resolved.walStorageSize).toBe(POSTGRES_CLUSTER_DEFAULTS.walStorageSize);
    expect(resolved.image).toBe(POSTGRES_CLUSTER_DEFAULTS.image);
  });

  test('the constructor assigns what resolve returns', () => {
    const database = new PostgresCluster(namespacedChart('postgres'), 'Postgres', {
      credentials: clusterCredentials,
      walStorageSize: Size.gibibytes(3),
    });
    expect(database.walStorageSize.toGibibytes()).toBe(3);
    expect(database.instances).toBe(POSTGRES_CLUSTER_DEFAULTS.instances);
  });
});

// A database another team runs beside ours, with its own ConfigMap and roles Secret: PostgresBackup needs no PostgresDatabase.
class ForeignDatabase extends Construct implements BackupDatabase {
  public readonly name = 'orders';
  public readonly namespace = 'postgres';
  public readonly image = 'postgres:17.6-bookworm';
  public readonly host = 'orders.postgres.svc.cluster.local';
  public readonly port = 5432;
  public readonly configMap: k8s.KubeConfigMap;
  public readonly roleNames = {
    owner: 'orders_owner',
    service: 'orders_service',
    exporter: 'orders_exporter',
    backup: 'orders_backup',
  };
  public readonly clients: IDatabaseClient[] = [];

  constructor(scope: Construct) {
    super(scope, 'Foreign');
    this.configMap = new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: 'orders-config' },
      data: { POSTGRES_DB: 'orders' },
    });
  }

  public rolePassword(role: DatabaseRole): SecretKeyReference {
    return { secretName: 'orders-roles', key: role };
  }

  public allowClient(client: IDatabaseClient): void {
    this.clients.push(client);
  }
}

test('PostgresBackup dumps any BackupDatabase: the role, password and host come from the interface', () => {
  const chart = namespacedChart('postgres');
  const database = new ForeignDatabase(chart);
  const backup = new PostgresBackup(chart, 'Backup', { database });
  const env = only(synth(chart), 'CronJob').spec.jobTemplate.spec.template.spec.containers[0].env;
  expect(env).toEqual(
    expect.arrayContaining([
      { name: 'PGHOST', value: database.host },
      { name: 'PGUSER', value: 'orders_backup' },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'orders-roles', key: 'backup' } } },
    ]),
  );
  expect(database.clients[0]).toBe(backup);
});
