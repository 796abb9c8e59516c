import { imageVersion } from '@stateful-todo/kube-conventions';
import { Construct } from 'constructs';
import { TodoApp } from '../app/todo-app';
import { StackConfig, todoAppProps } from '../config';
import { IDatabase } from '../database/database';
import { PodMetrics } from '../monitoring/pod-monitor';
import { NamespaceChart } from './namespace-chart';

export interface AppChartProps {
  readonly config: StackConfig;
  /** The database the app connects to. */
  readonly database: IDatabase;
}

/** The app's namespace: the todo service, wired to the database it is given. */
export class AppChart extends NamespaceChart {
  public readonly app: TodoApp;
  /** Present when `monitoring.enabled` and the app's preset serves metrics: the PodMonitor of its server pods. */
  public readonly metrics?: PodMetrics;

  constructor(scope: Construct, id: string, props: AppChartProps) {
    const { config, database } = props;
    super(scope, id, {
      config,
      namespace: config.app.namespace,
      version: imageVersion(config.app.image),
      providedSecrets: database.providedClientSecret ? [database.providedClientSecret] : [],
    });
    this.app = new TodoApp(this, 'TodoApp', { ...todoAppProps(config), database });
    const metricsPath = this.app.preset.metricsPath;
    if (config.monitoring.enabled && metricsPath !== undefined) {
      this.metrics = new PodMetrics(this, 'Metrics', {
        name: this.app.name, selector: this.app.serverSelector, portName: this.app.httpPortName, path: metricsPath,
        identity: { name: this.app.name, component: 'server', version: imageVersion(config.app.image) },
      });
    }
  }
}
