import { Lazy, Size } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { requireNamespace } from '../kube/chart-namespace';
import { imageVersion } from '@stateful-todo/kube-conventions';
import { ComponentLabels, componentLabels, labelAllObjects, selectorLabels } from '../kube/labels';
import { sizeToQuantity } from '../kube/size';
import { DatabaseCredentials, SecretKeyReference } from './database-credentials';
import { CONFIG_KEYS, PGDATA, POSTGRES_PORT, POSTGRES_PORT_NAME, postgresPodTemplate } from './postgres-pod';

/** Something that connects to the database: its pods are let through the database's NetworkPolicy. */
export interface IDatabaseClient extends IConstruct {
  /** Namespace of the client's pods. */
  readonly namespace: string;
  /** Labels that every pod of the client carries (server and migration Job alike). */
  readonly clientPodLabels: Record<string, string>;
}

/** The CPU and memory of a container, as Kubernetes quantities. */
export interface ContainerResources {
  /** @default '250m' */
  readonly cpuRequest: string;
  /** @default '256Mi' */
  readonly memoryRequest: string;
  /** No CPU limit is set, so the pod is never throttled; memory is limited because it cannot be reclaimed. */
  readonly memoryLimit: string;
}

export interface PostgresDatabaseProps {
  /** The password's source; the user and database name are not secret and live in a ConfigMap. */
  readonly credentials: DatabaseCredentials;
  /**
   * Base name of the objects; the client Service carries it, so clients reach `<name>.<namespace>.svc`.
   * @default 'postgres'
   */
  readonly name?: string;
  /**
   * A Debian-based official image pinned to a tag (uid/gid 999).
   * @default 'postgres:17.6-bookworm'
   */
  readonly image?: string;
  /** `POSTGRES_DB`. @default 'todo' */
  readonly databaseName?: string;
  /** `POSTGRES_USER`. @default 'todo' */
  readonly user?: string;
  /**
   * Size of the data volume.
   * @default Size.gibibytes(5)
   */
  readonly storageSize?: Size;
  /**
   * Storage class of the data volume.
   * @default - the cluster's default storage class
   * @see https://kubernetes.io/docs/concepts/storage/storage-classes/
   */
  readonly storageClassName?: string;
  /** @default { cpuRequest: '250m', memoryRequest: '256Mi', memoryLimit: '512Mi' } */
  readonly resources?: ContainerResources;
  /**
   * A PodDisruptionBudget with `minAvailable: 1`: a node drain stops at the database pod until an operator takes
   * the database down on purpose (README, "Draining the database's node"). Without it, a drain evicts the pod
   * and the database is down until the pod runs again elsewhere.
   * @default true
   * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
   */
  readonly podDisruptionBudget?: boolean;
}

export const DEFAULT_POSTGRES_IMAGE = 'postgres:17.6-bookworm';

/**
 * What every PostgreSQL flavour owns besides its workload: the ConfigMap of non-secret settings, the password
 * Secret, the ClusterIP Service clients connect to, a PodDisruptionBudget and a NetworkPolicy that admits only
 * the clients added with `allowClient()`. Subclasses add storage and the workload, from `podTemplate()`.
 */
export abstract class PostgresDatabase extends Construct {
  /** Namespace of the database objects (the chart's). */
  public readonly namespace: string;
  public readonly name: string;
  public readonly image: string;
  public readonly databaseName: string;
  public readonly user: string;
  public readonly port: number = POSTGRES_PORT;
  public readonly storageSize: Size;
  public readonly storageClassName?: string;
  public readonly resources: ContainerResources;
  public readonly credentials: DatabaseCredentials;
  /** Where the database pod reads `POSTGRES_PASSWORD`. */
  public readonly passwordSecret: SecretKeyReference;
  public readonly configMap: k8s.KubeConfigMap;
  /** The ClusterIP Service clients connect to. */
  public readonly service: k8s.KubeService;
  /** Present unless `podDisruptionBudget: false`. */
  public readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** Labels selecting the database pods. */
  public readonly selector: Record<string, string>;

  private readonly clients: IDatabaseClient[] = [];

  protected constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    super(scope, id);
    this.namespace = requireNamespace(this);
    this.name = props.name ?? 'postgres';
    this.image = props.image ?? DEFAULT_POSTGRES_IMAGE;
    this.databaseName = props.databaseName ?? 'todo';
    this.user = props.user ?? 'todo';
    this.storageSize = props.storageSize ?? Size.gibibytes(5);
    this.storageClassName = props.storageClassName;
    this.resources = props.resources ?? { cpuRequest: '250m', memoryRequest: '256Mi', memoryLimit: '512Mi' };
    this.credentials = props.credentials;
    this.selector = selectorLabels(this, this.identity);

    this.configMap = new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: `${this.name}-config` },
      data: {
        [CONFIG_KEYS.database]: this.databaseName,
        [CONFIG_KEYS.user]: this.user,
        [CONFIG_KEYS.pgdata]: PGDATA,
      },
    });
    this.passwordSecret = this.credentials.bindDatabase(this, `${this.name}-credentials`);

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name },
      spec: {
        type: 'ClusterIP',
        selector: this.selector,
        ports: [{ name: POSTGRES_PORT_NAME, port: this.port, targetPort: k8s.IntOrString.fromString(POSTGRES_PORT_NAME), protocol: 'TCP' }],
      },
    });

    if (props.podDisruptionBudget ?? true) {
      // minAvailable 1 on the only pod blocks voluntary evictions (node drains) until an operator decides to take
      // the database down, as CloudNativePG does for its primary; AlwaysAllow still lets a broken pod be evicted.
      this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: { name: this.name },
        spec: {
          minAvailable: k8s.IntOrString.fromNumber(1),
          selector: { matchLabels: this.selector },
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
      });
    }

    this.networkPolicy = new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: `${this.name}-clients` },
      spec: {
        podSelector: { matchLabels: this.selector },
        policyTypes: ['Ingress'],
        // No client yet means no ingress at all: the policy denies by default.
        ingress: Lazy.any({ produce: () => this.clients.map(client => this.ingressRuleFor(client)) }),
      },
    });
  }

  /** The stable DNS name clients connect to: the client Service's FQDN. */
  public get host(): string {
    return `${this.service.name}.${this.namespace}.svc.cluster.local`;
  }

  /** Lets the pods of `client` (and only them, in their namespace) reach the database port. */
  public allowClient(client: IDatabaseClient): void {
    this.clients.push(client);
  }

  /** The recommended-label identity of the database's objects. */
  protected get identity(): ComponentLabels {
    return { name: 'postgresql', component: 'database', version: imageVersion(this.image) };
  }

  /** The labels of the database pods (all six recommended labels). */
  protected get podLabels(): Record<string, string> {
    return componentLabels(this, this.identity);
  }

  /** The pod both flavours run; `dataVolume` is set by a flavour that mounts a PVC directly. */
  protected podTemplate(dataVolume?: k8s.Volume): k8s.PodTemplateSpec {
    return postgresPodTemplate({
      image: this.image,
      labels: this.podLabels,
      configMapName: this.configMap.name,
      password: this.passwordSecret,
      resources: this.resources,
      dataVolume,
    });
  }

  /** The data volume's size as a Kubernetes quantity. */
  protected get storageQuantity(): k8s.Quantity {
    return k8s.Quantity.fromString(sizeToQuantity(this.storageSize));
  }

  /** Puts the recommended labels on every object; subclasses call it once their objects exist. */
  protected labelObjects(): void {
    labelAllObjects(this, componentLabels(this, this.identity));
  }

  private ingressRuleFor(client: IDatabaseClient): k8s.NetworkPolicyIngressRule {
    return {
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': client.namespace } },
        podSelector: { matchLabels: client.clientPodLabels },
      }],
      ports: [{ port: k8s.IntOrString.fromNumber(this.port), protocol: 'TCP' }],
    };
  }
}
