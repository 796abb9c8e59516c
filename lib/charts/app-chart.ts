import { imageVersion } from '@stateful-todo/kube-conventions';
import { Construct } from 'constructs';
import { TodoApp } from '../app/todo-app';
import { StackConfig, todoAppProps } from '../config';
import { IDatabase } from '../database/database';
import { NamespaceChart } from './namespace-chart';

export interface AppChartProps {
  readonly config: StackConfig;
  /** The database the app connects to. */
  readonly database: IDatabase;
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
      providedSecrets: database.providedClientSecret ? [database.providedClientSecret] : [],
    });
    this.app = new TodoApp(this, 'TodoApp', { ...todoAppProps(config), database });
  }
}
