import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';

import * as k8s from '../../imports/k8s';
import { PropProblem } from '../kube/prop-checks';

import {
  PostgresDatabase,
  PostgresDatabaseProps,
  resolvePostgresDatabaseProps,
  ResolvedPostgresDatabaseProps,
} from './postgres-database';
import { DATA_VOLUME_NAME } from './postgres-pod';

/** Props of a `PostgresDeployment`: those of every `PostgresDatabase`, and an optional static volume. */
export interface PostgresDeploymentProps extends PostgresDatabaseProps {
  /**
   * A node directory for a static PersistentVolume that binds to the claim (and only to it), for single-node
   * clusters without a dynamic provisioner. Its access mode, storage class and capacity equal the claim's; with no
   * `storageClassName`, both say `""` (no class), so the cluster's default class cannot claim the claim first.
   * @default - no PersistentVolume: the storage class provisions one
   * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#reserving-a-persistentvolume
   */
  readonly staticVolumeHostPath?: string;
}

/** `PostgresDeploymentProps` with every default applied (it adds none to `POSTGRES_DEFAULTS`). */
export interface ResolvedPostgresDeploymentProps extends ResolvedPostgresDatabaseProps {
  /** The node directory of the static PersistentVolume; undefined for none. */
  readonly staticVolumeHostPath?: string;
}

/**
 * PostgreSQL as part 1 of the tutorial runs it: one PersistentVolumeClaim, a Deployment of exactly one replica
 * with the `Recreate` strategy, and a ClusterIP Service. The pod is the same as the StatefulSet's.
 *
 * The claim is `ReadWriteOncePod`. A Deployment's ReplicaSet starts a replacement as soon as a pod is deleted or
 * evicted, while the old one is still shutting down; with `ReadWriteOnce`, both may mount the volume on one node,
 * and two postmasters (each PID 1 in its own namespace, so PostgreSQL's lock file cannot tell) run on one data
 * directory. `ReadWriteOncePod` makes the replacement wait until the old pod is gone. It needs a CSI driver that
 * supports it (Kubernetes 1.27+); where the storage has none, use `PostgresStatefulSet`, whose controller never
 * starts a pod before its predecessor is gone.
 *
 * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes
 */
export class PostgresDeployment extends PostgresDatabase {
  /** The PersistentVolumeClaim `<name>-data` (`ReadWriteOncePod`) of the data. */
  public readonly persistentVolumeClaim: ApiObject;
  /** The static PersistentVolume, when `staticVolumeHostPath` is set. */
  public readonly persistentVolume?: ApiObject;
  /** The Deployment of the one PostgreSQL pod (`Recreate`). */
  public readonly deployment: ApiObject;
  /** The claim, and the static volume when there is one: the data outlives the Deployment. */
  public readonly dataObjects: readonly ApiObject[];

  /** What is wrong with `props`, each problem naming the prop, the value and the fix; empty when all is well. */
  public static checkProps(props: PostgresDeploymentProps): PropProblem[] {
    return PostgresDeployment.checkResolved(PostgresDeployment.resolve(props));
  }

  /** `props` with every default applied. */
  public static resolve(props: PostgresDeploymentProps): ResolvedPostgresDeploymentProps {
    return { ...resolvePostgresDatabaseProps(props), staticVolumeHostPath: props.staticVolumeHostPath };
  }

  private static checkResolved(props: ResolvedPostgresDeploymentProps): PropProblem[] {
    const problems = PostgresDatabase.checkCommonProps(props, 63, 'it names the client Service');
    const hostPath = props.staticVolumeHostPath;
    if (hostPath !== undefined && (typeof hostPath !== 'string' || !hostPath.startsWith('/'))) {
      problems.push({
        prop: 'staticVolumeHostPath',
        value: hostPath,
        message: "must be an absolute path such as '/mnt/data'",
      });
    }
    return problems;
  }

  constructor(scope: Construct, id: string, unresolved: PostgresDeploymentProps) {
    const props = PostgresDeployment.resolve(unresolved);
    super(scope, id, props, PostgresDeployment.checkResolved(props));
    const claimName = `${this.name}-data`;
    const accessModes = ['ReadWriteOncePod'];
    // A static volume must not be taken by the default class: "" means no class, on the claim and the volume alike.
    const storageClassName = this.storageClassName ?? (props.staticVolumeHostPath !== undefined ? '' : undefined);

    if (props.staticVolumeHostPath !== undefined) {
      this.persistentVolume = new k8s.KubePersistentVolume(this, 'Volume', {
        // Cluster-scoped, so the name carries the namespace to stay unique across installations.
        metadata: { name: `${this.namespace}-${claimName}` },
        spec: {
          accessModes,
          capacity: { storage: this.storageQuantity },
          storageClassName,
          persistentVolumeReclaimPolicy: 'Retain',
          volumeMode: 'Filesystem',
          // Reserved for our claim, so no other claim can take it first.
          claimRef: { namespace: this.namespace, name: claimName },
          hostPath: { path: props.staticVolumeHostPath, type: 'DirectoryOrCreate' },
        },
      });
      // A PersistentVolume is cluster-scoped; the chart's namespace must not leak into it.
      this.persistentVolume.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    }

    this.persistentVolumeClaim = new k8s.KubePersistentVolumeClaim(this, 'Claim', {
      metadata: { name: claimName },
      spec: {
        accessModes,
        storageClassName,
        volumeName: this.persistentVolume?.name,
        volumeMode: 'Filesystem',
        resources: { requests: { storage: this.storageQuantity } },
      },
    });

    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name: this.name },
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: this.selector },
        template: this.podTemplate({
          name: DATA_VOLUME_NAME,
          persistentVolumeClaim: { claimName: this.persistentVolumeClaim.name },
        }),
      },
    });
    this.dataObjects = [this.persistentVolumeClaim, ...(this.persistentVolume ? [this.persistentVolume] : [])];
    this.labelObjects();
  }
}
