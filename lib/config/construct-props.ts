import { imageVersion } from '@stateful-todo/kube-conventions';
import { Construct } from 'constructs';

import { AppNetworkPolicyProps } from '../app/app-network-policy';
import { AppPreset, TodoAppPreset } from '../app/todo-app-preset';
import { TodoAppProps } from '../app/todo-app-props';
import { IDatabaseServer } from '../database/database';
import { DatabaseCredentials } from '../database/database-credentials';
import { PostgresBackupProps } from '../database/postgres-backup';
import { PostgresCluster } from '../database/postgres-cluster';
import { PostgresClusterProps } from '../database/postgres-cluster-props';
import { PostgresDeployment, PostgresDeploymentProps } from '../database/postgres-deployment';
import { PostgresStatefulSet, PostgresStatefulSetProps } from '../database/postgres-stateful-set';
import { ArgoCdApplicationProps } from '../gitops/argo-cd-application';
import { FluxGitRepositoryProps } from '../gitops/flux-git-repository';
import { FluxKustomizationProps } from '../gitops/flux-kustomization';
import { IBridgeBackend, IngressBridgeProps, IngressTls } from '../ingress/ingress-bridge';
import { PropProblem } from '../kube/prop-checks';

import { DatabaseWorkload, IngressTlsConfig, StackConfig } from './stack-config';

// How the config maps onto the constructs' props: the charts build the constructs from these, and the config checks
// the very same props with the constructs' own `checkProps` before anything is built.

/** The props of the database construct, discriminated by the workload that runs it: each gets only its own. */
export type DatabaseWorkloadProps =
  | { readonly workload: DatabaseWorkload.STATEFUL_SET; readonly props: PostgresStatefulSetProps }
  | { readonly workload: DatabaseWorkload.DEPLOYMENT; readonly props: PostgresDeploymentProps }
  | { readonly workload: DatabaseWorkload.CLOUDNATIVE_PG; readonly props: PostgresClusterProps };

// Switches over the union without a default: a new DatabaseWorkload does not compile until it is handled here.

/** What the workload's construct finds wrong with its props. */
export function checkDatabaseProps(database: DatabaseWorkloadProps): PropProblem[] {
  switch (database.workload) {
    case DatabaseWorkload.STATEFUL_SET:
      return PostgresStatefulSet.checkProps(database.props);
    case DatabaseWorkload.DEPLOYMENT:
      return PostgresDeployment.checkProps(database.props);
    case DatabaseWorkload.CLOUDNATIVE_PG:
      return PostgresCluster.checkProps(database.props);
  }
}

/** The database construct of the workload `database` names. */
export function createDatabase(scope: Construct, id: string, database: DatabaseWorkloadProps): IDatabaseServer {
  switch (database.workload) {
    case DatabaseWorkload.STATEFUL_SET:
      return new PostgresStatefulSet(scope, id, database.props);
    case DatabaseWorkload.DEPLOYMENT:
      return new PostgresDeployment(scope, id, database.props);
    case DatabaseWorkload.CLOUDNATIVE_PG:
      return new PostgresCluster(scope, id, database.props);
  }
}

/** The credentials object the config describes; one instance serves the database and every client. */
export function databaseCredentials(config: StackConfig): DatabaseCredentials {
  const credentials = config.database.credentials;
  return credentials.source === 'dev-generated'
    ? DatabaseCredentials.forDevelopment(credentials.password)
    : DatabaseCredentials.fromClusterSecrets({
        databaseSecretName: credentials.databaseSecretName,
        clientSecretName: credentials.appSecretName,
        rolesSecretName: credentials.rolesSecretName,
        migrationSecretName: credentials.migrationSecretName,
      });
}

/** The props of the database construct, whichever workload the config names. */
export function databaseProps(
  config: StackConfig,
  credentials: DatabaseCredentials = databaseCredentials(config),
): DatabaseWorkloadProps {
  const db = config.database;
  const common = {
    credentials,
    name: db.name,
    image: db.image,
    databaseName: db.databaseName,
    user: db.user,
    storageClassName: db.storageClassName,
    storageSize: db.storageSize,
    resources: db.resources,
    podDisruptionBudget: db.podDisruptionBudget,
    clusterDomain: config.clusterDomain,
  };
  // CloudNativePG's instances serve metrics themselves; the other workloads run an exporter beside PostgreSQL.
  const metricsExporterImage = config.monitoring.enabled ? config.monitoring.exporterImage : undefined;
  switch (db.workload) {
    case DatabaseWorkload.STATEFUL_SET:
      return { workload: db.workload, props: { ...common, metricsExporterImage, replicas: db.replicas } };
    case DatabaseWorkload.DEPLOYMENT:
      return {
        workload: db.workload,
        props: { ...common, metricsExporterImage, staticVolumeHostPath: db.staticVolumeHostPath },
      };
    case DatabaseWorkload.CLOUDNATIVE_PG:
      return {
        workload: db.workload,
        props: {
          ...common,
          instances: db.replicas,
          podAntiAffinity: db.cloudNativePG.podAntiAffinity,
          operatorNamespace: db.cloudNativePG.operatorNamespace,
          backup:
            db.backup.enabled && db.backup.objectStore !== undefined
              ? {
                  objectStore: db.backup.objectStore,
                  serverName: db.backup.serverName,
                  schedule: db.backup.schedule,
                  retentionPolicy: db.backup.retentionPolicy,
                }
              : undefined,
          recovery: db.recovery,
        },
      };
  }
}

/** The props of the database's PostgresBackup (StatefulSet and Deployment), but its database. */
export function backupProps(config: StackConfig): Omit<PostgresBackupProps, 'database'> {
  const db = config.database;
  const dumps: Partial<Pick<PostgresBackupProps, 'retention' | 'storageSize' | 'storageClassName'>> =
    db.workload === DatabaseWorkload.CLOUDNATIVE_PG ? {} : db.backup;
  return {
    schedule: db.backup.schedule,
    retention: dumps.retention,
    storageSize: dumps.storageSize,
    storageClassName: dumps.storageClassName,
    notifyAfterRestore: TodoAppPreset.of(config.app.preset).changeChannels,
  };
}

/** The props of the TodoApp, but its database. */
export function todoAppProps(config: StackConfig): Omit<TodoAppProps, 'database'> {
  const app = config.app;
  return {
    preset: TodoAppPreset.of(app.preset),
    name: app.name,
    image: app.image,
    port: app.port,
    replicas: app.replicas,
    migrationCommand: app.migrationCommand,
    autoscaling: app.autoscaling,
    resources: app.resources,
    taskListCache: app.preset === AppPreset.NODE_SERVICE ? app.taskListCache : undefined,
  };
}

/** The props of the app's NetworkPolicies, but the app and the database they connect. */
export function appNetworkPolicyProps(config: StackConfig): Omit<AppNetworkPolicyProps, 'app' | 'database'> {
  return {
    ingressControllerNamespace: config.ingress.controllerNamespace,
    // Prometheus scrapes the app only when monitoring is on and the preset's image serves metrics.
    prometheusNamespace:
      config.monitoring.enabled && TodoAppPreset.of(config.app.preset).metricsPath !== undefined
        ? config.monitoring.prometheusNamespace
        : undefined,
    dns: config.app.dns,
  };
}

/** The props of the IngressBridge, exposing `backend`. */
export function ingressBridgeProps(config: StackConfig, backend: IBridgeBackend): IngressBridgeProps {
  const ingress = config.ingress;
  return {
    backend,
    host: ingress.host,
    path: ingress.path,
    serviceName: ingress.serviceName,
    ingressName: ingress.name,
    ingressClassName: ingress.ingressClassName,
    tls: ingressTls(ingress.tls),
    clusterDomain: config.clusterDomain,
    // The bridge's objects change with the app they expose.
    version: imageVersion(config.app.image),
  };
}

/** Where a stage's apply folder is in the repository, relative to its root. */
export function stagePath(config: StackConfig): string {
  return `dist/${config.stage}`;
}

/** The props of the stage's Argo CD Application. */
export function argoCdApplicationProps(config: StackConfig): ArgoCdApplicationProps {
  return {
    name: gitOpsName(config),
    repoUrl: config.gitops.repoUrl,
    targetRevision: config.gitops.branch,
    path: stagePath(config),
  };
}

/** The props of the stage's Flux GitRepository. */
export function fluxGitRepositoryProps(config: StackConfig): FluxGitRepositoryProps {
  return { name: gitOpsName(config), url: config.gitops.repoUrl, branch: config.gitops.branch };
}

/** The props of the stage's Flux Kustomization, but its source. */
export function fluxKustomizationProps(config: StackConfig): Omit<FluxKustomizationProps, 'source'> {
  return { name: gitOpsName(config), path: `./${stagePath(config)}`, dependsOn: config.gitops.fluxDependsOn };
}

function gitOpsName(config: StackConfig): string {
  return `${config.stackName}-${config.stage}`;
}

function ingressTls(tls: IngressTlsConfig | undefined): IngressTls | undefined {
  if (tls === undefined) {
    return undefined;
  }
  return tls.source === 'existing-secret'
    ? IngressTls.fromSecret(tls.secretName)
    : IngressTls.fromClusterIssuer(tls.clusterIssuer, tls.secretName);
}
