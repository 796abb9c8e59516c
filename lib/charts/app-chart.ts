import { imageVersion } from '@stateful-todo/kube-conventions';
import { Construct } from 'constructs';

import { AppNetworkPolicy } from '../app/app-network-policy';
import { TodoApp } from '../app/todo-app';
import { appNetworkPolicyProps, StackConfig, todoAppProps } from '../config';
import { IDatabase } from '../database/database';
import { DatabaseRole } from '../database/database-credentials';
import { PodMetrics } from '../monitoring/pod-monitor';

import { NamespaceChart } from './namespace-chart';

/** Props of an `AppChart`: the stage's settings and the database the app uses. */
export interface AppChartProps {
  /** The stage's settings, which the chart maps onto its constructs' props. */
  readonly config: StackConfig;
  /** The database the app connects to. */
  readonly database: IDatabase;
}

/** The app's namespace: the todo service, wired to the database it is given. */
export class AppChart extends NamespaceChart {
  /** The todo service. */
  public readonly app: TodoApp;
  /** Default-deny for the namespace, and what the app's pods are let through. */
  public readonly networkPolicy: AppNetworkPolicy;
  /** Present when `monitoring.enabled` and the app's preset serves metrics: the PodMonitor of its server pods. */
  public readonly metrics?: PodMetrics;

  constructor(scope: Construct, id: string, props: AppChartProps) {
    const { config, database } = props;
    super(scope, id, {
      config,
      namespace: config.app.namespace,
      version: imageVersion(config.app.image),
      providedSecrets: database.providedClientSecrets([DatabaseRole.SERVICE, DatabaseRole.OWNER]),
    });
    this.app = new TodoApp(this, 'TodoApp', { ...todoAppProps(config), database });
    const metricsPath = this.app.preset.metricsPath;
    this.networkPolicy = new AppNetworkPolicy(this, 'NetworkPolicy', {
      ...appNetworkPolicyProps(config),
      app: this.app,
      database,
    });
    if (config.monitoring.enabled && metricsPath !== undefined) {
      this.metrics = new PodMetrics(this, 'Metrics', {
        name: this.app.name,
        selector: this.app.serverSelector,
        portName: this.app.httpPortName,
        path: metricsPath,
        identity: { name: this.app.name, component: 'server', version: imageVersion(config.app.image) },
      });
    }
  }
}
