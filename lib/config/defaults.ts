import { AppPreset, DatabaseWorkload, StackConfig } from './stack-config';

/**
 * The tutorial's values, with its mistakes corrected: the password lives in a Secret, not in the ConfigMap, and
 * the database runs as part 2 built it (a StatefulSet with a 5Gi claim per pod, on the cluster's default storage
 * class unless a stage names one, as prod names the tutorial's `do-block-storage`).
 *
 * No password here: credentials are `cluster-provided` unless a stage says otherwise. The one place defaults live:
 * stages override them, and the constructs' own `@default`s are the same values for callers without a config.
 */
export const TUTORIAL_DEFAULTS: StackConfig = {
  stage: 'default',
  stackName: 'stateful-todo',
  database: {
    workload: DatabaseWorkload.STATEFUL_SET,
    namespace: 'postgres',
    name: 'postgres',
    // A current major on Debian (uid/gid 999). Not 18: its image moved PGDATA to /var/lib/postgresql/18/docker.
    image: 'postgres:17.6-bookworm',
    databaseName: 'todo',
    user: 'todo',
    replicas: 1,
    storageSize: '5Gi',
    resources: { cpuRequest: '250m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
    credentials: {
      source: 'cluster-provided',
      databaseSecretName: 'postgres-credentials',
      appSecretName: 'stateful-flask-db-credentials',
    },
    podDisruptionBudget: true,
  },
  app: {
    preset: AppPreset.FLASK,
    namespace: 'stateful-namespace',
    name: 'stateful-flask',
    image: 'daredrexel/stateful-flask:v0',
    port: 5000,
    replicas: 1,
    resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
  },
  ingress: {
    namespace: 'default',
    serviceName: 'stateful-flask-external',
    name: 'stateful-flask',
    ingressClassName: 'nginx',
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
};
