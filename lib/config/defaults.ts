import { APP_NETWORK_POLICY_DEFAULTS } from '../app/app-network-policy';
import { TODO_APP_DEFAULTS } from '../app/todo-app';
import { POSTGRES_BACKUP_DEFAULTS } from '../database/postgres-backup';
import { POSTGRES_CLUSTER_DEFAULTS } from '../database/postgres-cluster';
import { POSTGRES_DEFAULTS } from '../database/postgres-database';
import { POSTGRES_STATEFUL_SET_DEFAULTS } from '../database/postgres-stateful-set';
import { INGRESS_BRIDGE_DEFAULTS } from '../ingress/ingress-bridge';
import { resourcesToQuantities } from '../kube/resources';
import { DEFAULT_CLUSTER_DOMAIN } from '../kube/service-dns';
import { sizeToQuantity } from '../kube/size';
import { DatabaseWorkload, StackSettings } from './stack-config';

/**
 * The tutorial's values, with its mistakes corrected: the password lives in a Secret, not in the ConfigMap, and
 * the database runs as part 2 built it (a StatefulSet with a 5Gi claim per pod, on the cluster's default storage
 * class unless a stage names one, as prod names the tutorial's `do-block-storage`).
 *
 * No password here: credentials are `cluster-provided` unless a stage says otherwise. What a construct has a default
 * for is read off that construct's defaults, so each default is written once; stages override them.
 */
export const TUTORIAL_DEFAULTS: StackSettings = {
  stage: 'default',
  stackName: 'stateful-todo',
  clusterDomain: DEFAULT_CLUSTER_DOMAIN,
  database: {
    workload: DatabaseWorkload.STATEFUL_SET,
    namespace: 'postgres',
    name: POSTGRES_DEFAULTS.name,
    image: POSTGRES_DEFAULTS.image,
    databaseName: POSTGRES_DEFAULTS.databaseName,
    user: POSTGRES_DEFAULTS.user,
    replicas: POSTGRES_STATEFUL_SET_DEFAULTS.replicas,
    storageSize: sizeToQuantity(POSTGRES_DEFAULTS.storageSize),
    resources: resourcesToQuantities(POSTGRES_DEFAULTS.resources),
    credentials: {
      source: 'cluster-provided',
      databaseSecretName: 'postgres-credentials',
      appSecretName: 'stateful-flask-db-credentials',
      rolesSecretName: 'postgres-roles',
      migrationSecretName: 'stateful-flask-migration-credentials',
    },
    podDisruptionBudget: POSTGRES_DEFAULTS.podDisruptionBudget,
    // The rest of the backup settings depend on the workload: each construct's defaults stand in for them.
    backup: {
      enabled: true,
      schedule: POSTGRES_BACKUP_DEFAULTS.schedule,
    },
    cloudNativePG: {
      operatorNamespace: POSTGRES_CLUSTER_DEFAULTS.operatorNamespace,
      podAntiAffinity: POSTGRES_CLUSTER_DEFAULTS.podAntiAffinity,
    },
  },
  app: {
    preset: TODO_APP_DEFAULTS.preset.name,
    namespace: 'stateful-namespace',
    name: TODO_APP_DEFAULTS.name,
    image: TODO_APP_DEFAULTS.preset.defaultImage,
    port: TODO_APP_DEFAULTS.port,
    replicas: TODO_APP_DEFAULTS.replicas,
    resources: resourcesToQuantities(TODO_APP_DEFAULTS.resources),
  },
  ingress: {
    namespace: 'default',
    controllerNamespace: APP_NETWORK_POLICY_DEFAULTS.ingressControllerNamespace,
    serviceName: 'stateful-flask-external',
    name: 'stateful-flask',
    ingressClassName: INGRESS_BRIDGE_DEFAULTS.ingressClassName,
    host: 'drexii.me',
    path: '/tasks',
  },
  gitops: {
    // Replace with the repository that holds this project (README, "Deploying").
    repoUrl: 'https://github.com/example/stateful-todo.git',
    branch: 'main',
    argoCdNamespace: 'argocd',
    fluxNamespace: 'flux-system',
    fluxDependsOn: [],
  },
  monitoring: {
    enabled: false,
    prometheusNamespace: 'monitoring',
    // postgres_exporter's own image (Prometheus community), pinned.
    exporterImage: 'quay.io/prometheuscommunity/postgres-exporter:v0.17.1',
  },
};
