import { imageVersion } from '@stateful-todo/kube-conventions';
import { Construct } from 'constructs';

import {
  backupProps,
  createDatabase,
  databaseCredentials,
  databaseProps,
  DatabaseWorkload,
  StackConfig,
} from '../config';
import { IDatabaseServer } from '../database/database';
import { PostgresBackup } from '../database/postgres-backup';
import { PodMetrics } from '../monitoring/pod-monitor';

import { NamespaceChart } from './namespace-chart';

/** Props of a `DatabaseChart`: the stage's settings. */
export interface DatabaseChartProps {
  /** The stage's settings, which the chart maps onto its constructs' props. */
  readonly config: StackConfig;
}

/** The database's namespace: PostgreSQL on the workload the config chooses. */
export class DatabaseChart extends NamespaceChart {
  /** PostgreSQL, on the workload `database.workload` names. */
  public readonly database: IDatabaseServer;
  /** Present when `database.backup.enabled` on the StatefulSet and Deployment workloads (CloudNativePG backs itself up). */
  public readonly backup?: PostgresBackup;
  /** Present when `monitoring.enabled`: the PodMonitor of the database's exporter. */
  public readonly metrics?: PodMetrics;

  constructor(scope: Construct, id: string, props: DatabaseChartProps) {
    const { config } = props;
    const credentials = databaseCredentials(config);
    super(scope, id, {
      config,
      namespace: config.database.namespace,
      version: imageVersion(config.database.image),
      providedSecrets: [
        credentials.providedDatabaseSecret,
        // CloudNativePG makes its own roles; the others' roles Job reads their passwords.
        config.database.workload === DatabaseWorkload.CLOUDNATIVE_PG ? undefined : credentials.providedRolesSecret,
        objectStoreSecret(config),
      ].filter((name): name is string => name !== undefined),
    });
    this.database = createDatabase(this, 'Postgres', databaseProps(config, credentials));
    if (config.monitoring.enabled) {
      this.database.allowMetricsScraper(config.monitoring.prometheusNamespace);
      this.metrics = new PodMetrics(this, 'Metrics', {
        name: this.database.name,
        selector: this.database.selector,
        portName: this.database.metricsPortName,
        identity: { name: 'postgresql', component: 'database', version: imageVersion(config.database.image) },
      });
    }
    const dumpSource = this.database.dumpSource;
    if (config.database.backup.enabled && dumpSource) {
      this.backup = new PostgresBackup(this, 'Backup', { ...backupProps(config), database: dumpSource });
    }
  }
}

/** The object store's credentials Secret, which the cluster provides in the database's namespace (CloudNativePG). */
function objectStoreSecret(config: StackConfig): string | undefined {
  const database = config.database;
  return database.workload === DatabaseWorkload.CLOUDNATIVE_PG && database.backup.enabled
    ? database.backup.objectStore?.credentialsSecretName
    : undefined;
}
