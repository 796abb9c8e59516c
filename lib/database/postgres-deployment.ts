import { JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { PostgresDatabase, PostgresDatabaseProps } from './postgres-database';
import { DATA_VOLUME_NAME } from './postgres-pod';

export interface PostgresDeploymentProps extends PostgresDatabaseProps {
  /**
   * A node directory for a static PersistentVolume that binds to the claim (and only to it), for single-node
   * clusters without a dynamic provisioner. Its access mode, storage class and capacity equal the claim's.
   * @default - no PersistentVolume: the storage class provisions one
   * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#reserving-a-persistentvolume
   */
  readonly staticVolumeHostPath?: string;
}

/**
 * PostgreSQL as part 1 of the tutorial runs it, for single-node clusters: one PersistentVolumeClaim, a
 * Deployment of exactly one replica with the `Recreate` strategy (a rolling update would start a second pod that
 * waits forever for the ReadWriteOnce volume the first one holds), and a ClusterIP Service. The pod is the same
 * as the StatefulSet's.
 */
export class PostgresDeployment extends PostgresDatabase {
  public readonly persistentVolumeClaim: k8s.KubePersistentVolumeClaim;
  /** The static volume, when `staticVolumeHostPath` is set. */
  public readonly persistentVolume?: k8s.KubePersistentVolume;
  public readonly deployment: k8s.KubeDeployment;

  constructor(scope: Construct, id: string, props: PostgresDeploymentProps) {
    super(scope, id, props);
    const claimName = `${this.name}-data`;
    const accessModes = ['ReadWriteOnce'];

    if (props.staticVolumeHostPath !== undefined) {
      this.persistentVolume = new k8s.KubePersistentVolume(this, 'Volume', {
        // Cluster-scoped, so the name carries the namespace to stay unique across installations.
        metadata: { name: `${this.namespace}-${claimName}` },
        spec: {
          accessModes,
          capacity: { storage: this.storageQuantity },
          storageClassName: this.storageClassName,
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
        storageClassName: this.storageClassName,
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
    this.labelObjects();
  }
}
