import { imageVersion } from '@stateful-todo/kube-conventions';
import { Construct } from 'constructs';
import { backupProps, databaseCredentials, databaseProps, databaseWorkload, StackConfig } from '../config';
import { PostgresBackup } from '../database/postgres-backup';
import { PostgresDatabase } from '../database/postgres-database';
import { NamespaceChart } from './namespace-chart';

export interface DatabaseChartProps {
  readonly config: StackConfig;
}

/** The database's namespace: PostgreSQL on the workload the config chooses. */
export class DatabaseChart extends NamespaceChart {
  public readonly database: PostgresDatabase;
  /** Present when `database.backup.enabled`. */
  public readonly backup?: PostgresBackup;

  constructor(scope: Construct, id: string, props: DatabaseChartProps) {
    const { config } = props;
    const credentials = databaseCredentials(config);
    super(scope, id, {
      config,
      namespace: config.database.namespace,
      version: imageVersion(config.database.image),
      providedSecrets: credentials.providedDatabaseSecret ? [credentials.providedDatabaseSecret] : [],
    });
    this.database = databaseWorkload(config).create(this, 'Postgres', databaseProps(config, credentials));
    if (config.database.backup.enabled) {
      this.backup = new PostgresBackup(this, 'Backup', { ...backupProps(config), database: this.database });
    }
  }
}
