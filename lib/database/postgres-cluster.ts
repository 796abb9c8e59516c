import { imageVersion } from '@stateful-todo/kube-conventions';
import { ApiObject, Size } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';

import * as barman from '../../imports/barman-cloud-objectstore-barmancloud.cnpg.io';
import * as cnpg from '../../imports/cnpg-cluster-postgresql.cnpg.io';
import * as cnpgBackup from '../../imports/cnpg-scheduledbackup-postgresql.cnpg.io';
import { ComponentLabels, componentLabels, labelAllObjects } from '../kube/labels';
import { PropProblem } from '../kube/prop-checks';
import { resourcesToQuantities } from '../kube/resources';
import { serviceFqdn } from '../kube/service-dns';
import { sizeToQuantity } from '../kube/size';

import { IDatabaseClient } from './database';
import { ClientCredentials, ClientRole } from './database-credentials';
import { DatabaseNetworkPolicy, namespaceNamed } from './database-network-policy';
import {
  checkPostgresClusterProps,
  ObjectStore,
  PostgresClusterProps,
  ResolvedPostgresClusterProps,
  resolvePostgresClusterProps,
} from './postgres-cluster-props';
import { METRICS_PORT } from './postgres-pod';
import { PostgresServerBase } from './postgres-server-base';

/** The pod labels CloudNativePG sets (docs/src/labels_annotations.md of cloudnative-pg/cloudnative-pg). */
export const CNPG_CLUSTER_LABEL = 'cnpg.io/cluster';
const CNPG_POD_ROLE_LABEL = 'cnpg.io/podRole';
/** The instance manager's status endpoint, which the operator polls (docs/src/instance_manager.md). */
export const CNPG_STATUS_PORT = 8000;
/** The label of the operator's pods, as its release manifest and Helm chart set it. */
const CNPG_OPERATOR_POD_LABELS = { 'app.kubernetes.io/name': 'cloudnative-pg' };
/** The Barman Cloud plugin's name, as it registers itself with CloudNativePG (plugin-barman-cloud's docs/usage). */
export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';
/** The label that makes CloudNativePG reload a Secret it uses when it changes (docs/src/labels_annotations.md). */
export const CNPG_RELOAD_LABEL = 'cnpg.io/reload';
/** The keys CloudNativePG's documentation uses for S3 credentials (docs/src/appendixes/object_stores.md). */
export const OBJECT_STORE_KEYS = { accessKeyId: 'ACCESS_KEY_ID', secretAccessKey: 'ACCESS_SECRET_KEY' } as const;
const RECOVERY_SOURCE = 'backup-origin';

/**
 * PostgreSQL run by the CloudNativePG operator, which must be installed in the cluster (this construct does not
 * install it): a `postgresql.cnpg.io/v1` Cluster of `instances` (a primary and streaming replicas on different
 * nodes, failed over by the operator), its database and owner created by `bootstrap.initdb` from a Secret, and,
 * with `backup`, continuous WAL archiving to an object store through the Barman Cloud plugin (an `ObjectStore`) plus
 * a daily `ScheduledBackup`. Services, probes and disruption budgets are the operator's: the construct adds only
 * what the operator does not make, a NetworkPolicy.
 *
 * @see https://cloudnative-pg.io/documentation/current/
 */
export class PostgresCluster extends PostgresServerBase {
  /** PostgreSQL instances: one primary and its streaming replicas. */
  public readonly instances: number;
  /** The CloudNativePG Cluster (`postgresql.cnpg.io/v1`), named `name`. */
  public readonly cluster: ApiObject;
  /** The CloudNativePG ScheduledBackup `<name>-base-backup` of the base backups; present with `backup`. */
  public readonly scheduledBackup?: ApiObject;
  /**
   * The Barman Cloud plugin's ObjectStore `<name>-backups` (`barmancloud.cnpg.io/v1`): the object store, its
   * retention policy and sidecar settings; present with `backup`.
   */
  public readonly objectStore?: ApiObject;
  /** Each instance's WAL volume. */
  public readonly walStorageSize: Size;
  /** The NetworkPolicy `<name>-clients` of the instance pods: it admits the clients, the operator and the instances. */
  public readonly networkPolicy: DatabaseNetworkPolicy;
  /** Labels of the PostgreSQL instance pods (what a PodMonitor selects). */
  public readonly selector: Record<string, string>;
  /** The basic-auth Secret `bootstrap.initdb` reads the owner from. */
  public readonly ownerSecretName: string;
  /** The Cluster: CloudNativePG deletes its claims with it. */
  public readonly dataObjects: readonly ApiObject[];
  /** The ScheduledBackup, with `backup`. */
  public readonly backupObjects: readonly IConstruct[];
  /** None: CloudNativePG makes the owner, the only role. */
  public readonly rolesJob = undefined;
  /** None: CloudNativePG backs the cluster up itself, to the object store. */
  public readonly dumpSource = undefined;

  /** What is wrong with `props`, each problem naming the prop, the value and the fix; empty when all is well. */
  public static checkProps(props: PostgresClusterProps): PropProblem[] {
    return checkPostgresClusterProps(resolvePostgresClusterProps(props));
  }

  /** `props` with `POSTGRES_DEFAULTS` and `POSTGRES_CLUSTER_DEFAULTS` applied. */
  public static resolve(props: PostgresClusterProps): ResolvedPostgresClusterProps {
    return resolvePostgresClusterProps(props);
  }

  constructor(scope: Construct, id: string, unresolved: PostgresClusterProps) {
    const props = PostgresCluster.resolve(unresolved);
    super(scope, id, props, checkPostgresClusterProps(props));
    this.instances = props.instances;
    this.walStorageSize = props.walStorageSize;
    this.selector = { [CNPG_CLUSTER_LABEL]: this.name, [CNPG_POD_ROLE_LABEL]: 'instance' };

    this.ownerSecretName = this.credentials.bindOwner(this, `${this.name}-owner`, this.user);
    labelOwnerSecret(this, this.ownerSecretName);
    const resources = resourcesToQuantities(props.resources);
    const backup = props.backup;
    if (backup) {
      this.objectStore = new barman.ObjectStore(this, 'ObjectStore', {
        metadata: { name: `${this.name}-backups` },
        spec: {
          configuration: barmanObjectStore(backup.objectStore),
          retentionPolicy: backup.retentionPolicy,
          instanceSidecarConfiguration: {
            // boto3 1.36+ sends and checks CRC checksums that S3-compatible stores such as DigitalOcean Spaces and
            // older MinIO reject; these restore its earlier behaviour (CloudNativePG's object-store docs, "S3").
            env: [
              { name: 'AWS_REQUEST_CHECKSUM_CALCULATION', value: 'when_required' },
              { name: 'AWS_RESPONSE_CHECKSUM_VALIDATION', value: 'when_required' },
            ],
          },
        },
      });
    }
    const objectStoreName = this.objectStore?.name;

    this.cluster = new cnpg.Cluster(this, 'Resource', {
      metadata: { name: this.name },
      spec: {
        instances: this.instances,
        imageName: this.image,
        // Replicas are upgraded first; the primary last, by a switchover to an upgraded replica rather than a restart.
        primaryUpdateStrategy: cnpg.ClusterSpecPrimaryUpdateStrategy.UNSUPERVISED,
        primaryUpdateMethod:
          this.instances > 1
            ? cnpg.ClusterSpecPrimaryUpdateMethod.SWITCHOVER
            : cnpg.ClusterSpecPrimaryUpdateMethod.RESTART,
        storage: {
          size: sizeToQuantity(props.storageSize),
          storageClass: props.storageClassName,
        },
        walStorage: {
          size: sizeToQuantity(this.walStorageSize),
          storageClass: props.storageClassName,
        },
        resources: {
          requests: {
            cpu: cnpg.ClusterSpecResourcesRequests.fromString(resources.cpuRequest),
            memory: cnpg.ClusterSpecResourcesRequests.fromString(resources.memoryRequest),
          },
          limits: { memory: cnpg.ClusterSpecResourcesLimits.fromString(resources.memoryLimit) },
        },
        affinity: {
          enablePodAntiAffinity: true,
          topologyKey: 'kubernetes.io/hostname',
          podAntiAffinityType: props.podAntiAffinity,
        },
        enablePdb: props.podDisruptionBudget,
        // Clients log in as the owner; nobody needs the postgres superuser's password, so it gets none.
        enableSuperuserAccess: false,
        bootstrap:
          props.recovery === undefined
            ? { initdb: { database: this.databaseName, owner: this.user, secret: { name: this.ownerSecretName } } }
            : {
                recovery: {
                  source: RECOVERY_SOURCE,
                  // The owner keeps the name it had in the backup; this sets its password from our Secret.
                  database: this.databaseName,
                  owner: this.user,
                  secret: { name: this.ownerSecretName },
                  recoveryTarget:
                    props.recovery.targetTime === undefined ? undefined : { targetTime: props.recovery.targetTime },
                },
              },
        // Recovery reads the same object store, in the folder of the backup it recovers.
        externalClusters:
          props.recovery === undefined || objectStoreName === undefined
            ? undefined
            : [
                {
                  name: RECOVERY_SOURCE,
                  plugin: {
                    name: BARMAN_CLOUD_PLUGIN,
                    parameters: { barmanObjectName: objectStoreName, serverName: props.recovery.serverName },
                  },
                },
              ],
        plugins:
          objectStoreName === undefined
            ? undefined
            : [
                {
                  name: BARMAN_CLOUD_PLUGIN,
                  isWalArchiver: true,
                  // The plugin's parameter, not the ObjectStore's `serverName`, which its docs say to leave empty.
                  parameters: { barmanObjectName: objectStoreName, serverName: backup!.serverName },
                },
              ],
      },
    });

    if (backup) {
      this.scheduledBackup = new cnpgBackup.ScheduledBackup(this, 'ScheduledBackup', {
        metadata: { name: `${this.name}-base-backup` },
        spec: {
          cluster: { name: this.name },
          // CloudNativePG's schedule has a leading seconds field (robfig/cron with seconds), unlike a CronJob's.
          schedule: `0 ${backup.schedule}`,
          method: cnpgBackup.ScheduledBackupSpecMethod.PLUGIN,
          pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
          // A first base backup right away: until one exists, there is nothing to recover from.
          immediate: true,
          // The Backup objects go with the ScheduledBackup; the backups themselves stay in the object store.
          backupOwnerReference: cnpgBackup.ScheduledBackupSpecBackupOwnerReference.SELF,
        },
      });
    }

    this.networkPolicy = new DatabaseNetworkPolicy(this, 'NetworkPolicy', {
      name: `${this.name}-clients`,
      podSelector: { [CNPG_CLUSTER_LABEL]: this.name },
      databasePort: this.port,
      metricsPort: METRICS_PORT,
    });
    // What CloudNativePG needs, per its networking guide (docs/src/networking.md): "ensure the operator can reach
    // every cluster pod on ports 8000 and 5432, and that pods can connect to each other". Its sample policy
    // (docs/src/samples/networkpolicy-example.yaml) selects the operator as below. The instance manager serves its
    // status on 8000 (docs/src/instance_manager.md); the operator also connects to PostgreSQL on 5432.
    this.networkPolicy.allowPeers({
      from: [
        {
          namespaceSelector: namespaceNamed(props.operatorNamespace),
          podSelector: { matchLabels: CNPG_OPERATOR_POD_LABELS },
        },
      ],
      ports: [CNPG_STATUS_PORT, this.port],
    });
    // Replicas stream from the primary and clone it with pg_basebackup (join Jobs) on 5432, and instances read each
    // other's status on 8000 during a failover; all of them carry the cluster label.
    this.networkPolicy.allowPeers({
      from: [{ podSelector: { matchLabels: { [CNPG_CLUSTER_LABEL]: this.name } } }],
      ports: [this.port, CNPG_STATUS_PORT],
    });

    this.dataObjects = [this.cluster];
    this.backupObjects = this.scheduledBackup ? [this.scheduledBackup] : [];
    labelAllObjects(this, componentLabels(this, this.identity));
    // The ObjectStore stays with the database: the Cluster's instances need it to start archiving, so it is applied
    // with the Cluster, before the backups.
    if (this.scheduledBackup) {
      labelAllObjects(this.scheduledBackup, componentLabels(this, { ...this.identity, component: 'backup' }));
    }
  }

  /** The `-rw` Service CloudNativePG keeps pointed at the primary. */
  public get host(): string {
    return serviceFqdn(`${this.name}-rw`, this.namespace, this.clusterDomain);
  }

  // Every client logs in as the Cluster's owner, which is no superuser: CloudNativePG makes no other role for it.
  /**
   * The Secret the cluster must provide in a client's namespace (the owner's password), whatever the roles; empty
   * when the credentials are emitted (`forDevelopment()`).
   */
  public providedClientSecrets(_roles?: readonly ClientRole[]): string[] {
    return this.credentials.providedClientSecrets([undefined]);
  }

  /** What a client logs in as, whatever the role: the owner, its password in a Secret of `scope`'s namespace. */
  public bindClient(scope: Construct, secretName: string, _role?: ClientRole): ClientCredentials {
    return { user: this.user, password: this.credentials.bindClient(scope, secretName) };
  }

  /** Lets the pods of `client` (and only them, in their namespace) reach the database port. */
  public allowClient(client: IDatabaseClient): void {
    this.networkPolicy.allowClient(client);
  }

  /** Lets the pods of `namespace` (Prometheus's) reach the instances' metrics port, and only that port. */
  public allowMetricsScraper(namespace: string): void {
    this.networkPolicy.allowMetricsScraper(namespace);
  }

  // Labels of the objects only: the operator selects the pods by `cnpg.io/cluster: <name>`, which is this cluster's own.
  private get identity(): ComponentLabels {
    return { name: 'postgresql', component: 'database', version: imageVersion(this.image) };
  }
}

// The in-tree `backup.barmanObjectStore` as it was, field for field: a cluster that moves to the plugin keeps
// writing the same archive.
function barmanObjectStore(store: ObjectStore): barman.ObjectStoreSpecConfiguration {
  return {
    destinationPath: store.destinationPath,
    endpointUrl: store.endpointUrl,
    s3Credentials: {
      accessKeyId: { name: store.credentialsSecretName, key: OBJECT_STORE_KEYS.accessKeyId },
      secretAccessKey: { name: store.credentialsSecretName, key: OBJECT_STORE_KEYS.secretAccessKey },
    },
    wal: { compression: barman.ObjectStoreSpecConfigurationWalCompression.GZIP },
    data: { compression: barman.ObjectStoreSpecConfigurationDataCompression.GZIP },
  };
}

// CloudNativePG watches only the Secrets with this label: a new password in the owner's Secret then reaches the
// database without a restart. A Secret the cluster provides is labelled by whoever creates it (README).
function labelOwnerSecret(scope: Construct, secretName: string): void {
  for (const child of scope.node.findAll()) {
    if (child instanceof ApiObject && child.kind === 'Secret' && child.name === secretName) {
      child.metadata.addLabel(CNPG_RELOAD_LABEL, 'true');
    }
  }
}
