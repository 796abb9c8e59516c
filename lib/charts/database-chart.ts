import { Construct } from 'constructs';
import { DatabaseWorkload, StackConfig } from '../config';
import { DatabaseCredentials } from '../database/database-credentials';
import { PostgresDatabase } from '../database/postgres-database';
import { PostgresDeployment } from '../database/postgres-deployment';
import { PostgresStatefulSet } from '../database/postgres-stateful-set';
import { imageVersion } from '@stateful-todo/kube-conventions';
import { sizeFromQuantity } from '../kube/size';
import { NamespaceChart } from './namespace-chart';

/** The database's namespace: PostgreSQL as a StatefulSet or as a Deployment, as the config chooses. */
export class DatabaseChart extends NamespaceChart {
  public readonly database: PostgresDatabase;

  constructor(scope: Construct, id: string, config: StackConfig) {
    const credentials = credentialsFrom(config);
    super(scope, id, {
      config,
      namespace: config.database.namespace,
      version: imageVersion(config.database.image),
      providedSecrets: credentials.providedDatabaseSecret ? [credentials.providedDatabaseSecret] : [],
    });
    const db = config.database;
    const props = {
      credentials,
      name: db.name,
      image: db.image,
      databaseName: db.databaseName,
      user: db.user,
      storageClassName: db.storageClassName,
      storageSize: sizeFromQuantity(db.storageSize)!,  // validated by the config
      resources: db.resources,
      podDisruptionBudget: db.podDisruptionBudget,
    };
    this.database = db.workload === DatabaseWorkload.DEPLOYMENT
      ? new PostgresDeployment(this, 'Postgres', { ...props, staticVolumeHostPath: db.staticVolumeHostPath })
      : new PostgresStatefulSet(this, 'Postgres', { ...props, replicas: db.replicas });
  }
}

/** The credentials object the config describes; one instance serves the database and every client. */
export function credentialsFrom(config: StackConfig): DatabaseCredentials {
  const credentials = config.database.credentials;
  return credentials.source === 'dev-generated'
    ? DatabaseCredentials.forDevelopment(credentials.password)
    : DatabaseCredentials.fromClusterSecrets(credentials.databaseSecretName, credentials.appSecretName);
}
