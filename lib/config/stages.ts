import { AppPreset, DatabaseWorkload, StackOverrides } from './stack-config';

/**
 * The stages the stack ships, each a set of overrides of the tutorial's defaults. `npm run synth` writes every
 * one of them to `dist/<stage>/`.
 */
export const STAGES: Readonly<Record<string, StackOverrides>> = {
  // A single-node cluster (kind, minikube, k3d): part 1's Deployment on the cluster's default storage class, a
  // generated password that only a development cluster should ever see, and our own service (app/), built and
  // loaded into the cluster locally (README, "The todo service").
  dev: {
    database: {
      workload: DatabaseWorkload.DEPLOYMENT,
      storageClassName: 'standard',
      storageSize: '1Gi',
      credentials: { source: 'dev-generated', password: 'dev-only-password-not-for-production' },
    },
    app: {
      preset: AppPreset.NODE_SERVICE,
      image: 'ghcr.io/stateful-todo/todo-service:0.1.0',
      replicas: 1,
    },
  },
  // The tutorial's DigitalOcean cluster: part 2's StatefulSet, Secrets created out of band, an autoscaled app
  // behind TLS.
  prod: {
    database: {
      workload: DatabaseWorkload.STATEFUL_SET,
      storageClassName: 'do-block-storage',
      storageSize: '5Gi',
      credentials: {
        source: 'cluster-provided',
        databaseSecretName: 'postgres-credentials',
        appSecretName: 'stateful-flask-db-credentials',
      },
    },
    app: {
      replicas: 2,
      autoscaling: { minReplicas: 2, maxReplicas: 5, cpuUtilizationPercent: 70 },
    },
    ingress: {
      tlsSecretName: 'drexii-me-tls',
    },
    gitops: {
      // The ingress controller and cert-manager (which issues drexii-me-tls), in Flux's conventional layout.
      fluxDependsOn: ['infrastructure'],
    },
  },
};
