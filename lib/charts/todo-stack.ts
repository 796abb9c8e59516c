import { App, AppProps } from 'cdk8s';

import { StackConfig } from '../config';
import { assignSyncWaves, keepData, markAsSyncHook, SyncWave } from '../gitops/sync-annotations';

import { AppChart } from './app-chart';
import { DatabaseChart } from './database-chart';
import { IngressChart } from './ingress-chart';

/** Props of a `TodoStack`: a cdk8s App's props, and the stage to build. */
export interface TodoStackProps extends AppProps {
  /** The stage to build. */
  readonly config: StackConfig;
}

/**
 * The whole system of the tutorial for one stage: a cdk8s App of one chart per namespace, wired by object: the app
 * reads its database settings off the database construct and the ingress bridge reads the app Service off the app.
 * Chart dependencies order the output files (`0000-database`, `0001-app`, `0002-ingress`) so that
 * `kubectl apply -f` in file order works on an empty cluster; Argo CD sync waves give the same order to a sync.
 */
export class TodoStack extends App {
  /** The stage it builds. */
  public readonly config: StackConfig;
  /** The database's namespace (`0000-database`). */
  public readonly databaseChart: DatabaseChart;
  /** The app's namespace (`0001-app`). */
  public readonly appChart: AppChart;
  /** The ingress controller's namespace (`0002-ingress`). */
  public readonly ingressChart: IngressChart;

  constructor(props: TodoStackProps) {
    super(props);
    const { config } = props;
    this.config = config;
    this.databaseChart = new DatabaseChart(this, 'database', { config });
    this.appChart = new AppChart(this, 'app', { config, database: this.databaseChart.database });
    this.ingressChart = new IngressChart(this, 'ingress', { config, backend: this.appChart.app });
    this.appChart.addDependency(this.databaseChart);
    this.ingressChart.addDependency(this.appChart);

    assignSyncWaves(this.databaseChart, SyncWave.DATABASE);
    assignSyncWaves(this.appChart, SyncWave.APP);
    assignSyncWaves(this.ingressChart, SyncWave.INGRESS);
    markAsSyncHook(this.appChart.app.migrationJob, SyncWave.MIGRATION);
    const database = this.databaseChart.database;
    if (database.rolesJob) {
      markAsSyncHook(database.rolesJob, SyncWave.ROLES);
    }
    const backup = this.databaseChart.backup;
    if (backup) {
      // The claim binds only once the deploy-time dump uses it: in one wave, so that Argo CD does not wait for it first.
      assignSyncWaves(backup, SyncWave.BACKUP);
      markAsSyncHook(backup.deployJob, SyncWave.BACKUP);
    }
    for (const workloadBackup of database.backupObjects) {
      // After the database is healthy (Argo CD's built-in health check for a CloudNativePG Cluster), as the dumps.
      assignSyncWaves(workloadBackup, SyncWave.BACKUP);
    }
    // The database's namespace holds its claims; a namespace with Secrets the cluster provides holds what no
    // sync can restore. Neither may go with a prune or with the Argo CD Application or Flux Kustomization.
    keepData(
      this.databaseChart.namespaceObject,
      ...(this.appChart.providedSecrets.length > 0 ? [this.appChart.namespaceObject] : []),
      ...database.dataObjects,
      this.databaseChart.backup?.persistentVolumeClaim,
    );
  }
}
