import { Size } from 'cdk8s';
import { AppPreset } from '../app/todo-app-preset';
import { Resources } from '../kube/resources';

/**
 * Which workload runs PostgreSQL.
 */
export enum DatabaseWorkload {
  /** Part 2 of the tutorial: a StatefulSet with volumeClaimTemplates and a headless Service. */
  STATEFUL_SET = 'StatefulSet',
  /**
   * Part 1 of the tutorial: a Deployment (Recreate) with one `ReadWriteOncePod` claim. Only for storage whose CSI
   * driver supports ReadWriteOncePod: that access mode is what keeps a replacement pod from starting while the old
   * one still runs on the same data directory.
   */
  DEPLOYMENT = 'Deployment',
  /**
   * A CloudNativePG `Cluster`: a primary and streaming replicas that the operator fails over, continuous backup to
   * an object store. Only on clusters where the CloudNativePG operator is installed (the stack does not install it).
   */
  CLOUDNATIVE_PG = 'CloudNativePG',
}


/**
 * Where the database password comes from.
 *
 * - `dev-generated`: the stack emits Secrets with a fixed development-only password (never for real clusters).
 * - `cluster-provided`: the Secrets are created in the cluster out of band (see README "Deploying"); the
 *   synthesized manifests only reference them, so no password is ever committed.
 */
export type CredentialsConfig =
  | { readonly source: 'dev-generated'; readonly password: string }
  | {
    readonly source: 'cluster-provided';
    /** The database's namespace: the bootstrap superuser's `POSTGRES_PASSWORD` (CloudNativePG: the owner's basic-auth Secret). */
    readonly databaseSecretName: string;
    /** The app's namespace: the server's `DB_PASSWORD` (the service role's; CloudNativePG: the owner's, for the migration too). */
    readonly appSecretName: string;
    /** StatefulSet, Deployment: the database's namespace, every role's password (`OWNER_PASSWORD`, …). */
    readonly rolesSecretName?: string;
    /** StatefulSet, Deployment: the app's namespace, the migration Job's `DB_PASSWORD` (the owner role's). */
    readonly migrationSecretName?: string;
  };

/** A container's resources as a stage writes them: Kubernetes quantities, parsed into `Resources` once. */
export interface ResourcesSettings {
  /** CPU request, a Kubernetes quantity such as `250m`. */
  readonly cpuRequest: string;
  /** Memory request, a Kubernetes quantity such as `256Mi`. */
  readonly memoryRequest: string;
  /** Memory limit, a Kubernetes quantity such as `512Mi`; no CPU limit, so the pod is never throttled. */
  readonly memoryLimit: string;
}

export interface DatabaseSettings {
  readonly workload: DatabaseWorkload;
  /** Namespace of the database (`postgres` in the tutorial). */
  readonly namespace: string;
  /** Base name of the database objects; the client Service carries it. */
  readonly name: string;
  /** PostgreSQL image, pinned to a tag of a current major (16 or 17, Debian based: uid 999). */
  readonly image: string;
  /** `POSTGRES_DB`. */
  readonly databaseName: string;
  /** `POSTGRES_USER`. */
  readonly user: string;
  /**
   * StatefulSet and Deployment: must be 1 (their replicas of plain PostgreSQL would be independent databases, not
   * replicas). CloudNativePG: the number of instances, a primary and streaming replicas (3 for high availability).
   */
  readonly replicas: number;
  /**
   * Storage class of the data volume (`do-block-storage` in the tutorial's prod).
   * @default - unset: the cluster's default storage class
   */
  readonly storageClassName?: string;
  /** Size of the data volume, a Kubernetes quantity such as `5Gi`. */
  readonly storageSize: string;
  /**
   * With the Deployment workload only: a static hostPath PersistentVolume that binds to the claim, for clusters
   * with no dynamic provisioner. Omit it to let the storage class provision the volume.
   */
  readonly staticVolumeHostPath?: string;
  readonly resources: ResourcesSettings;
  readonly credentials: CredentialsConfig;
  /**
   * A PodDisruptionBudget (`minAvailable: 1`) that makes a node drain wait for an operator, who takes the database
   * down on purpose (README, "Draining the database's node"). Off: a drain evicts the pod unattended.
   */
  readonly podDisruptionBudget: boolean;
  /** Scheduled backups and the restore Job (README, "Backups and restore"). */
  readonly backup: BackupSettings;
  /** Settings of the CloudNativePG workload only. */
  readonly cloudNativePG: CloudNativePGSettings;
  /**
   * CloudNativePG only: create the cluster from a backup in `backup.objectStore` instead of an empty database
   * (README, "Recovering a CloudNativePG cluster"). Read once, when the Cluster is created.
   * @default - a new, empty database (`bootstrap.initdb`)
   */
  readonly recovery?: RecoverySettings;
}

export interface CloudNativePGSettings {
  /** Namespace of the CloudNativePG operator, which the database's NetworkPolicy lets reach the instances. */
  readonly operatorNamespace: string;
  /**
   * `required`: an instance stays Pending rather than share a node with another. `preferred`: instances share
   * nodes when they must.
   */
  readonly podAntiAffinity: 'required' | 'preferred';
}

export interface RecoverySettings {
  /** The folder (server name) under `backup.objectStore.destinationPath` holding the backup to recover. */
  readonly serverName: string;
  /** Point-in-time recovery up to this RFC 3339 time stamp; @default - up to the last archived WAL */
  readonly targetTime?: string;
}

/** An S3-compatible object store (CloudNativePG backups). */
export interface ObjectStoreSettings {
  /** Bucket and folder, such as `s3://todo-backups/postgres`. */
  readonly destinationPath: string;
  /** The S3 endpoint for stores other than AWS S3; @default - AWS S3 */
  readonly endpointUrl?: string;
  /** A Secret in the database's namespace, provided by the cluster, with `ACCESS_KEY_ID` and `ACCESS_SECRET_KEY`. */
  readonly credentialsSecretName: string;
}

/**
 * Backups. StatefulSet and Deployment: scheduled logical backups (`pg_dump --format=custom`) kept on a volume of
 * their own. CloudNativePG: continuous WAL archiving and a scheduled base backup to an object store. A stage that
 * sets `backup` replaces it whole; a field it leaves out takes the construct's default.
 */
export interface BackupSettings {
  /** Off: no backups (and no restore Job). */
  readonly enabled: boolean;
  /** Cron schedule, in UTC, such as `0 3 * * *` (daily at 03:00). */
  readonly schedule?: string;
  /** StatefulSet and Deployment: how many dumps to keep; older ones are deleted after each successful dump. */
  readonly retention?: number;
  /** StatefulSet and Deployment: size of the backup volume, a Kubernetes quantity such as `10Gi`. */
  readonly storageSize?: string;
  /** StatefulSet and Deployment: storage class of the backup volume; @default - the cluster's default class */
  readonly storageClassName?: string;
  /** CloudNativePG (required there): where base backups and the WAL archive go. */
  readonly objectStore?: ObjectStoreSettings;
  /** CloudNativePG: the folder of this cluster's backups under the store's path; @default - the database's name */
  readonly serverName?: string;
  /** CloudNativePG: how long backups and WAL are kept, such as `7d`, `4w`, `3m`; @default '7d' */
  readonly retentionPolicy?: string;
}

export interface AutoscalingConfig {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Target average CPU utilization, percent of the CPU request. */
  readonly cpuUtilizationPercent: number;
}

export interface AppSettings {
  /** The todo image the stack runs, and everything the stack must know about its contract. */
  readonly preset: AppPreset;
  /** Namespace of the app (`stateful-namespace` in the tutorial). */
  readonly namespace: string;
  /** Name of the Deployment and its ClusterIP Service (`stateful-flask` in the tutorial). */
  readonly name: string;
  readonly image: string;
  /** Container port the app listens on (5000 in the tutorial). */
  readonly port: number;
  /** Replicas when no autoscaling is set; with autoscaling, the HPA owns the count. */
  readonly replicas: number;
  /** Command of the migration Job; @default - the preset's command */
  readonly migrationCommand?: string[];
  /** @default - no HorizontalPodAutoscaler */
  readonly autoscaling?: AutoscalingConfig;
  readonly resources: ResourcesSettings;
  /**
   * `false`: every `GET /tasks` reads the database (a client always sees its own write, whichever pod it reaches);
   * `true` or unset: the list is kept in memory while the pod listens for changes. `node-service` only.
   * @default - the image's default (on)
   */
  readonly taskListCache?: boolean;
}

export interface IngressConfig {
  /** Namespace of the ingress controller's objects (`default` in the tutorial). */
  readonly namespace: string;
  /** Namespace of the ingress controller's pods, which the app's NetworkPolicy lets reach the app's port. */
  readonly controllerNamespace: string;
  /** Name of the ExternalName Service that aliases the app Service. */
  readonly serviceName: string;
  /** Name of the Ingress. */
  readonly name: string;
  readonly ingressClassName: string;
  /** Host name, without a scheme (`drexii.me` in the tutorial). */
  readonly host: string;
  /** Path prefix routed to the app (`/tasks` in the tutorial). */
  readonly path: string;
  /** TLS for `host`; @default - no TLS (plain HTTP) */
  readonly tls?: IngressTlsConfig;
}

/**
 * Where the Ingress's TLS certificate comes from.
 *
 * - `existing-secret`: a `kubernetes.io/tls` Secret that someone puts in the ingress namespace.
 * - `cert-manager`: cert-manager issues it into `secretName` from a ClusterIssuer (annotation
 *   `cert-manager.io/cluster-issuer`), which must exist in the cluster.
 */
export type IngressTlsConfig =
  | { readonly source: 'existing-secret'; readonly secretName: string }
  | { readonly source: 'cert-manager'; readonly clusterIssuer: string; readonly secretName?: string };

export interface GitOpsConfig {
  /** The Git repository Argo CD and Flux read `dist/` from. */
  readonly repoUrl: string;
  /** The branch to deploy. */
  readonly branch: string;
  /** Namespace of Argo CD's Applications. */
  readonly argoCdNamespace: string;
  /** Namespace of Flux's Kustomizations and GitRepository. */
  readonly fluxNamespace: string;
  /**
   * Flux Kustomizations (in `fluxNamespace`) that must be ready before this stage is applied, such as the
   * cluster's `infrastructure` (ingress controller, cert-manager); an empty list for none.
   */
  readonly fluxDependsOn: readonly string[];
}

/**
 * Prometheus metrics: the todo service always serves `/metrics`; with `enabled`, the database pod runs a
 * postgres_exporter sidecar and the stack emits Prometheus Operator PodMonitors for both (the cluster must have the
 * operator's CRDs: an apply fails on a PodMonitor otherwise).
 */
export interface MonitoringConfig {
  readonly enabled: boolean;
  /** Namespace of Prometheus, which the database's NetworkPolicy lets reach the exporter's port. */
  readonly prometheusNamespace: string;
  /** The postgres_exporter image, pinned. */
  readonly exporterImage: string;
}

/**
 * Everything that differs between two deployments of the stack, as a stage writes it (quantities as strings).
 * `resolveConfig` merges a stage's overrides into the defaults and parses the result into a `StackConfig`.
 */
export interface StackSettings {
  /** Stage name; the output folder is `dist/<stage>/`. */
  readonly stage: string;
  /** `app.kubernetes.io/part-of` of every object, and the stack's prune label value. */
  readonly stackName: string;
  /** The cluster's DNS domain (kubelet's `--cluster-domain`), under which every Service name is written. */
  readonly clusterDomain: string;
  readonly database: DatabaseSettings;
  readonly app: AppSettings;
  readonly ingress: IngressConfig;
  readonly gitops: GitOpsConfig;
  readonly monitoring: MonitoringConfig;
}

/** A partial StackSettings, as a stage writes it: only what differs from the defaults. */
export type StackOverrides = {
  readonly [K in keyof StackSettings]?: StackSettings[K] extends string ? string : Partial<StackSettings[K]>;
};

/** The database settings, parsed: sizes and resources are typed values. */
export interface DatabaseConfig extends Omit<DatabaseSettings, 'storageSize' | 'resources' | 'backup'> {
  readonly storageSize: Size;
  readonly resources: Resources;
  readonly backup: BackupConfig;
}

/** The backup settings, parsed: the volume's size is a typed value. */
export interface BackupConfig extends Omit<BackupSettings, 'storageSize'> {
  readonly storageSize?: Size;
}

/** The app settings, parsed: resources are typed values. */
export interface AppConfig extends Omit<AppSettings, 'resources'> {
  readonly resources: Resources;
}

/** Everything that differs between two deployments of the stack: parsed and checked once, read by every chart. */
export interface StackConfig extends Omit<StackSettings, 'database' | 'app'> {
  readonly database: DatabaseConfig;
  readonly app: AppConfig;
}
