// The library's entry point: what the README documents ("Using the constructs in your own cdk8s app"), and nothing
// else. Every name here is a promise to another cdk8s app (see examples/), and api/stateful-todo-stack.api.md
// records them: a test fails when this surface changes and the report was not updated. The modules behind it are
// free to move; constants, env var names and helpers that only the constructs share stay behind it.

import * as k8s from '../imports/k8s';

// The database: the interfaces clients depend on, the credentials and roles, and the workloads that implement them.
export { IDatabase, IDatabaseClient, IDatabaseServer } from './database/database';
export {
  ClientCredentials,
  ClientRole,
  ClusterSecretNames,
  DatabaseCredentials,
  DatabaseRole,
  SecretKeyReference,
} from './database/database-credentials';
export { PostgresServerBase } from './database/postgres-server-base';
export { POSTGRES_DEFAULTS, PostgresDatabase, PostgresDatabaseProps } from './database/postgres-database';
export {
  POSTGRES_STATEFUL_SET_DEFAULTS,
  PostgresStatefulSet,
  PostgresStatefulSetProps,
} from './database/postgres-stateful-set';
export { PostgresDeployment, PostgresDeploymentProps } from './database/postgres-deployment';
export {
  BackupDatabase,
  POSTGRES_BACKUP_DEFAULTS,
  PostgresBackup,
  PostgresBackupProps,
} from './database/postgres-backup';
export { PostgresCluster } from './database/postgres-cluster';
export {
  ObjectStore,
  PodAntiAffinity,
  POSTGRES_CLUSTER_DEFAULTS,
  PostgresClusterBackupProps,
  PostgresClusterProps,
  PostgresClusterRecoveryProps,
} from './database/postgres-cluster-props';
export { PostgresRoles, PostgresRolesProps, RolesDatabase } from './database/postgres-roles';
export {
  DatabaseNetworkPolicy,
  DatabaseNetworkPolicyProps,
  NetworkPolicyPeerRule,
} from './database/database-network-policy';
// The todo service, the images it knows how to run, and the NetworkPolicies of its namespace.
export { TodoApp } from './app/todo-app';
export { TODO_APP_DEFAULTS, TodoAppAutoscaling, TodoAppProps } from './app/todo-app-props';
export { AppPreset, ListenPort, TodoAppPreset } from './app/todo-app-preset';
export {
  APP_NETWORK_POLICY_DEFAULTS,
  AppNetworkPolicy,
  AppNetworkPolicyProps,
  ClusterDns,
} from './app/app-network-policy';
// Exposing a Service of another namespace through an Ingress.
export {
  BridgeBackend,
  IBridgeBackend,
  INGRESS_BRIDGE_DEFAULTS,
  IngressBridge,
  IngressBridgeProps,
  IngressTls,
} from './ingress/ingress-bridge';
// One stage's Argo CD and Flux objects.
export { ArgoCdApplication, ArgoCdApplicationProps } from './gitops/argo-cd-application';
export { FluxGitRepository, FluxGitRepositoryProps } from './gitops/flux-git-repository';
export { FluxKustomization, FluxKustomizationProps } from './gitops/flux-kustomization';
// The whole stack of one stage: a cdk8s App with one chart per namespace, built from the stage's settings.
export { TodoStack, TodoStackProps } from './charts/todo-stack';
export { NamespaceChart, NamespaceChartProps } from './charts/namespace-chart';
export { DatabaseChart, DatabaseChartProps } from './charts/database-chart';
export { AppChart, AppChartProps } from './charts/app-chart';
export { IngressChart, IngressChartProps } from './charts/ingress-chart';
export { DatabaseWorkload, STACK_SCHEMA, StackConfig, StackOverrides } from './config/stack-config';
// The Kubernetes 1.27 bindings: cdk8s-plus-27's own `k8s` (imports/k8s.ts re-exports it), named here because a few
// members take or return their plain data types (`NetworkPolicyPeerRule.from`, a preset's probes). Objects the
// constructs make are typed `ApiObject`, as cdk8s-plus types its own: the generated classes add nothing to it.
export { k8s };
// The typed values and the errors that constructs' props use.
export { Resources } from './kube/resources';
export { ComponentLabels } from './kube/labels';
// Prometheus Operator objects the database and the app use to be scraped.
export { PodMetrics, PodMetricsProps } from './monitoring/pod-monitor';
export { InvalidPropsError, PropProblem } from './kube/prop-checks';
// What each construct's static resolve(props) returns: its props with every default applied (its public fields).
export { ResolvedAppNetworkPolicyProps } from './app/app-network-policy';
export { ResolvedTodoAppAutoscaling, ResolvedTodoAppProps } from './app/todo-app-props';
export { ResolvedPostgresBackupProps } from './database/postgres-backup';
export { ResolvedPostgresClusterBackupProps, ResolvedPostgresClusterProps } from './database/postgres-cluster-props';
export { ResolvedPostgresCommonProps, ResolvedPostgresDatabaseProps } from './database/postgres-database';
export { ResolvedPostgresServerProps } from './database/postgres-server-base';
export { ResolvedArgoCdApplicationProps } from './gitops/argo-cd-application';
export { ResolvedFluxGitRepositoryProps } from './gitops/flux-git-repository';
export { ResolvedFluxKustomizationProps } from './gitops/flux-kustomization';
export { ResolvedIngressBridgeProps } from './ingress/ingress-bridge';
export { ResolvedPodMetricsProps } from './monitoring/pod-monitor';
export { ResolvedPostgresDeploymentProps } from './database/postgres-deployment';
export { ResolvedPostgresStatefulSetProps } from './database/postgres-stateful-set';
