import { AppPreset } from '../app/todo-app-preset';

import { DatabaseWorkload, StackOverrides } from './stack-config';

// The tutorial's DigitalOcean cluster: part 2's StatefulSet, Secrets created out of band, an autoscaled app
// behind TLS that cert-manager issues. It runs our service, not the tutorial's Flask image (which serves
// Werkzeug's debugger on any error): build and push it, then set `app.image` to your registry (README, "The
// image prod runs").
const PROD: StackOverrides = {
  database: {
    workload: DatabaseWorkload.STATEFUL_SET,
    storageClassName: 'do-block-storage',
    storageSize: '5Gi',
    credentials: {
      source: 'cluster-provided',
      databaseSecretName: 'postgres-credentials',
      appSecretName: 'stateful-flask-db-credentials',
      rolesSecretName: 'postgres-roles',
      migrationSecretName: 'stateful-flask-migration-credentials',
    },
  },
  app: {
    preset: AppPreset.NODE_SERVICE,
    image: 'ghcr.io/stateful-todo/todo-service:0.1.0',
    replicas: 2,
    autoscaling: { minReplicas: 2, maxReplicas: 5, cpuUtilizationPercent: 70 },
  },
  ingress: {
    tls: { source: 'cert-manager', clusterIssuer: 'letsencrypt-prod' },
  },
  gitops: {
    // The ingress controller and cert-manager (with its letsencrypt-prod ClusterIssuer), in Flux's conventional
    // layout.
    fluxDependsOn: ['infrastructure'],
  },
  // The cluster runs the Prometheus Operator (kube-prometheus-stack) in `monitoring`.
  monitoring: { enabled: true },
};

/**
 * The stages the stack ships, each a set of overrides of the tutorial's defaults. `npm run synth` writes every
 * one of them to `dist/<stage>/`.
 */
export const STAGES: Readonly<Record<string, StackOverrides>> = {
  // A development cluster (kind, minikube, k3d): the StatefulSet on the cluster's default storage class (kind's and
  // k3d's `standard`/`local-path` alike), a generated password that only a development cluster should ever see,
  // our own service (app/), built and loaded into the cluster locally (README, "The todo service"), and no
  // disruption budget, so that a drain of a laptop cluster never waits for anyone.
  dev: {
    database: {
      workload: DatabaseWorkload.STATEFUL_SET,
      storageSize: '1Gi',
      credentials: { source: 'dev-generated', password: 'dev-only-password-not-for-production' },
      podDisruptionBudget: false,
    },
    app: {
      preset: AppPreset.NODE_SERVICE,
      image: 'ghcr.io/stateful-todo/todo-service:0.1.0',
      replicas: 1,
    },
  },
  prod: PROD,
  // The prod cluster with CloudNativePG installed: the same stack, its database a CloudNativePG Cluster of three
  // instances on three nodes (a primary and two streaming replicas, failed over by the operator), backed up
  // continuously to a DigitalOcean Spaces bucket. The owner's basic-auth Secret, the app's Secret and the bucket's
  // keys are created out of band (README, "The CloudNativePG workload").
  ha: {
    ...PROD,
    database: {
      ...PROD.database,
      workload: DatabaseWorkload.CLOUDNATIVE_PG,
      // CloudNativePG's operand image of prod's PostgreSQL major, its latest minor on Debian trixie (README, "The image").
      image: 'ghcr.io/cloudnative-pg/postgresql:17.11-standard-trixie',
      replicas: 3,
      credentials: {
        source: 'cluster-provided',
        databaseSecretName: 'postgres-owner-credentials',
        appSecretName: 'stateful-flask-db-credentials',
      },
      backup: {
        enabled: true,
        schedule: '0 3 * * *',
        objectStore: {
          destinationPath: 's3://stateful-todo-backups/ha',
          endpointUrl: 'https://fra1.digitaloceanspaces.com',
          credentialsSecretName: 'postgres-backup-store',
        },
        retentionPolicy: '7d',
      },
    },
  },
};
