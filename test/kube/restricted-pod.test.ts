import * as k8s from '../../imports/k8s';
import { restrictedPodSpec, tmpDirectory } from '../../lib/kube/restricted-pod';

const spec = (props: Partial<Parameters<typeof restrictedPodSpec>[0]> = {}) =>
  k8s.toJson_PodSpec(
    restrictedPodSpec({
      runAs: 1000,
      container: { name: 'main', image: 'example/app:1.0', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
      scratch: [tmpDirectory('64Mi')],
      ...props,
      // toJson_PodSpec is what the API server gets: undefined fields dropped, as in dist/.
    }),
  ) as Record<string, any>;

describe('restrictedPodSpec: the one place a pod of the stack gets its security settings', () => {
  test('the pod runs as the uid and gid, never root, RuntimeDefault seccomp, no token, no service links', () => {
    expect(spec()).toMatchObject({
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
    });
    expect(spec().securityContext).not.toHaveProperty('fsGroup');
    expect(spec({ fsGroup: true }).securityContext).toMatchObject({
      fsGroup: 1000,
      fsGroupChangePolicy: 'OnRootMismatch',
    });
  });

  test('every container, init and sidecar alike: no escalation, no capabilities, read-only root unless it says otherwise', () => {
    const pod = spec({
      initContainers: [{ name: 'init', image: 'example/tools:1.0' }],
      sidecars: [{ name: 'sidecar', image: 'example/exporter:1.0', readOnlyRootFilesystem: false }],
    });
    const containers: Array<Record<string, unknown>> = [...pod.initContainers, ...pod.containers];
    expect(containers.map(c => [c.name, c.imagePullPolicy, c.securityContext])).toEqual([
      [
        'init',
        'IfNotPresent',
        {
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        },
      ],
      [
        'main',
        'IfNotPresent',
        {
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        },
      ],
      [
        'sidecar',
        'IfNotPresent',
        {
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: false,
          capabilities: { drop: ['ALL'] },
        },
      ],
    ]);
    expect(containers.some(c => 'readOnlyRootFilesystem' in c)).toBe(false);
  });

  test('the scratch emptyDirs follow the volumes, in order, and only the main container mounts them', () => {
    const pod = spec({
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
      scratch: [tmpDirectory('64Mi'), { name: 'dshm', mountPath: '/dev/shm', sizeLimit: '256Mi', medium: 'Memory' }],
      sidecars: [{ name: 'sidecar', image: 'example/exporter:1.0' }],
    });
    expect(pod.volumes).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '256Mi' } },
    ]);
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'data', mountPath: '/data' },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'dshm', mountPath: '/dev/shm' },
    ]);
    expect(pod.containers[1].volumeMounts).toBeUndefined();
  });
});
