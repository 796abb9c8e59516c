import { Size } from 'cdk8s';

import { DatabaseCredentials } from '../../lib/database/database-credentials';
import { PostgresDeployment, PostgresDeploymentProps } from '../../lib/database/postgres-deployment';
import { PostgresStatefulSet } from '../../lib/database/postgres-stateful-set';
import { Manifest, namespacedChart, only, synth } from '../support/manifests';

const credentials = DatabaseCredentials.forDevelopment('test-password-123');

function build(props: Partial<PostgresDeploymentProps> = {}): { db: PostgresDeployment; manifests: Manifest[] } {
  const chart = namespacedChart('postgres');
  const db = new PostgresDeployment(chart, 'Postgres', { credentials, ...props });
  return { db, manifests: synth(chart) };
}

describe('PostgresDeployment', () => {
  test('defaults match the snapshot', () => {
    expect(build().manifests).toMatchSnapshot();
  });

  test('one replica with the Recreate strategy, so its exclusive volume never deadlocks a rollout', () => {
    const deployment = only(build().manifests, 'Deployment');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
  });

  test('mounts its PersistentVolumeClaim, which requests ReadWriteOncePod (one pod at a time), the class and the size', () => {
    // ReadWriteOnce would let a replacement pod, started while the old one terminates, mount the same data
    // directory on the same node: two postmasters on one PGDATA.
    const { manifests } = build({ storageClassName: 'standard', storageSize: Size.gibibytes(1) });
    const claim = only(manifests, 'PersistentVolumeClaim');
    expect(claim.metadata.name).toBe('postgres-data');
    expect(claim.spec).toMatchObject({
      accessModes: ['ReadWriteOncePod'],
      storageClassName: 'standard',
      resources: { requests: { storage: '1Gi' } },
    });
    const volume = only(manifests, 'Deployment').spec.template.spec.volumes.find((v: any) => v.name === 'data');
    expect(volume.persistentVolumeClaim).toEqual({ claimName: 'postgres-data' });
    expect(manifests.filter(m => m.kind === 'PersistentVolume')).toEqual([]);
  });

  test('a static PersistentVolume binds to the claim: same access modes, class and capacity, reserved for it', () => {
    const { manifests } = build({
      storageClassName: 'manual',
      storageSize: Size.gibibytes(5),
      staticVolumeHostPath: '/mnt/data',
    });
    const pv = only(manifests, 'PersistentVolume');
    const claim = only(manifests, 'PersistentVolumeClaim');
    expect(pv.metadata.namespace).toBeUndefined();
    expect(pv.metadata.name).toBe('postgres-postgres-data');
    expect(pv.spec.accessModes).toEqual(claim.spec.accessModes);
    expect(pv.spec.storageClassName).toBe(claim.spec.storageClassName);
    expect(pv.spec.capacity.storage).toBe(claim.spec.resources.requests.storage);
    expect(pv.spec.claimRef).toEqual({ namespace: 'postgres', name: claim.metadata.name });
    expect(claim.spec.volumeName).toBe(pv.metadata.name);
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(pv.spec.hostPath).toEqual({ path: '/mnt/data', type: 'DirectoryOrCreate' });
  });

  test('a static volume without a class: both say "" (no class), so the default class cannot take the claim', () => {
    const { manifests } = build({ staticVolumeHostPath: '/mnt/data' });
    expect(only(manifests, 'PersistentVolume').spec.storageClassName).toBe('');
    expect(only(manifests, 'PersistentVolumeClaim').spec.storageClassName).toBe('');
    expect(only(build().manifests, 'PersistentVolumeClaim').spec).not.toHaveProperty('storageClassName');
  });

  test('a ClusterIP Service for clients and no headless Service', () => {
    const { db, manifests } = build();
    const services = manifests.filter(m => m.kind === 'Service');
    expect(services).toHaveLength(1);
    expect(services[0].spec.type).toBe('ClusterIP');
    expect(db.host).toBe('postgres.postgres.svc.cluster.local');
  });

  test('runs exactly the pod the StatefulSet runs', () => {
    const deploymentPod = only(build().manifests, 'Deployment').spec.template;
    const chart = namespacedChart('postgres');
    new PostgresStatefulSet(chart, 'Postgres', { credentials });
    const statefulSetPod = only(synth(chart), 'StatefulSet').spec.template;
    const withoutDataVolume = (pod: any) => ({
      ...pod,
      spec: { ...pod.spec, volumes: pod.spec.volumes.filter((v: any) => v.name !== 'data') },
    });
    expect(withoutDataVolume(deploymentPod)).toEqual(withoutDataVolume(statefulSetPod));
  });

  test('fails on a relative host path or a name longer than its Service allows, naming the prop, the value and the fix', () => {
    expect(() => build({ staticVolumeHostPath: 'mnt/data' })).toThrow(
      /'staticVolumeHostPath' must be an absolute path such as '\/mnt\/data', got "mnt\/data"/,
    );
    expect(() => build({ name: 'a'.repeat(64) })).toThrow(/'name' must be a DNS-1035 label .*at most 63 characters/);
    // The roles Job '<name>-roles-<4 characters>' names its pods in a label value of at most 63.
    expect(() => build({ name: 'a'.repeat(53) })).toThrow(
      /'name' must be at most 52 characters: the roles Job is '<name>-roles-<4 characters>'.*got "a{53}"/,
    );
    expect(build({ name: 'a'.repeat(52) }).db.name).toHaveLength(52);
  });
});
