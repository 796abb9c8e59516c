import { Construct } from 'constructs';
import { AppPreset, StackConfig } from '../config';
import { PostgresDatabase } from '../database/postgres-database';
import { imageVersion } from '@stateful-todo/kube-conventions';
import { TodoApp } from '../app/todo-app';
import { TodoAppPreset } from '../app/todo-app-preset';
import { NamespaceChart } from './namespace-chart';

export interface AppChartProps {
  readonly config: StackConfig;
  readonly database: PostgresDatabase;
}

/** The app's namespace: the todo service, wired to the database it is given. */
export class AppChart extends NamespaceChart {
  public readonly app: TodoApp;

  constructor(scope: Construct, id: string, props: AppChartProps) {
    const { config, database } = props;
    super(scope, id, {
      config,
      namespace: config.app.namespace,
      version: imageVersion(config.app.image),
      providedSecrets: database.credentials.providedClientSecret ? [database.credentials.providedClientSecret] : [],
    });
    const app = config.app;
    this.app = new TodoApp(this, 'TodoApp', {
      database,
      preset: app.preset === AppPreset.NODE_SERVICE ? TodoAppPreset.NODE_SERVICE : TodoAppPreset.FLASK,
      name: app.name,
      image: app.image,
      port: app.port,
      replicas: app.replicas,
      migrationCommand: app.migrationCommand,
      autoscaling: app.autoscaling,
      resources: app.resources,
    });
  }
}
