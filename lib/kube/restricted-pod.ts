import * as k8s from '../../imports/k8s';

/** A container of a restricted pod: any container, but its security context and pull policy are the pod's to set. */
export interface RestrictedContainer extends Omit<k8s.Container, 'securityContext' | 'imagePullPolicy'> {
  /**
   * Whether the root filesystem is read-only: where the container writes is then a scratch directory or a volume.
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
}

/** An emptyDir the main container writes to, on a root filesystem that is otherwise read-only. */
export interface ScratchDirectory {
  /** The volume's name. */
  readonly name: string;
  readonly mountPath: string;
  /** The most it may hold, a Kubernetes quantity such as `64Mi`: past it, the kubelet evicts the pod. */
  readonly sizeLimit: string;
  /**
   * `Memory` for a tmpfs (such as `/dev/shm`).
   * @default - the node's disk
   */
  readonly medium?: 'Memory';
}

export interface RestrictedPodProps {
  /** The uid and gid every container runs as; never 0. */
  readonly runAs: number;
  /**
   * Whether volumes are made writable for `runAs`'s group (`fsGroup`), for a pod that writes to a claim.
   * @default false
   */
  readonly fsGroup?: boolean;
  /**
   * `Never` for a Job's pods.
   * @default - left out: a Deployment's or StatefulSet's pods are always restarted
   */
  readonly restartPolicy?: 'Always' | 'Never';
  /** @default - Kubernetes's 30 seconds */
  readonly terminationGracePeriodSeconds?: number;
  /** @default - none */
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  /** @default - none */
  readonly initContainers?: RestrictedContainer[];
  /** The container the pod is for: it mounts the scratch directories. */
  readonly container: RestrictedContainer;
  /** @default - none */
  readonly sidecars?: RestrictedContainer[];
  /**
   * The emptyDirs the main container writes to, in this order after `volumes`: `/tmp` at least, as no program
   * expects it to be read-only.
   */
  readonly scratch: readonly ScratchDirectory[];
  /** The pod's volumes besides its scratch directories (the main container mounts them itself). @default - none */
  readonly volumes?: k8s.Volume[];
}

/** A `/tmp` of `sizeLimit`, the scratch directory every restricted pod has. */
export function tmpDirectory(sizeLimit: string): ScratchDirectory {
  return { name: 'tmp', mountPath: '/tmp', sizeLimit };
}

/**
 * The spec of every pod the stack runs (the app's server and migration, PostgreSQL, its roles Job, backups and
 * restores), under the "restricted" Pod Security Standard: never root (`runAs` as uid and gid), RuntimeDefault
 * seccomp, no privilege escalation, no capabilities, a read-only root filesystem unless a container says otherwise,
 * and emptyDirs where the main container writes. None of them talks to the API server, so no service-account token
 * is mounted; and no Service's address is injected as environment variables (`enableServiceLinks`), which would
 * clash with our own (a Service named `postgres` injects `POSTGRES_PORT=tcp://…`).
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export function restrictedPodSpec(props: RestrictedPodProps): k8s.PodSpec {
  const main = props.container;
  return {
    restartPolicy: props.restartPolicy,
    terminationGracePeriodSeconds: props.terminationGracePeriodSeconds,
    enableServiceLinks: false,
    automountServiceAccountToken: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: props.runAs,
      runAsGroup: props.runAs,
      ...(props.fsGroup ? { fsGroup: props.runAs, fsGroupChangePolicy: 'OnRootMismatch' } : {}),
      seccompProfile: { type: 'RuntimeDefault' },
    },
    topologySpreadConstraints: props.topologySpreadConstraints,
    initContainers: props.initContainers?.map(restrictedContainer),
    containers: [
      restrictedContainer({
        ...main,
        volumeMounts: [
          ...(main.volumeMounts ?? []),
          ...props.scratch.map(dir => ({ name: dir.name, mountPath: dir.mountPath })),
        ],
      }),
      ...(props.sidecars ?? []).map(restrictedContainer),
    ],
    volumes: [
      ...(props.volumes ?? []),
      ...props.scratch.map(dir => ({
        name: dir.name,
        emptyDir: { medium: dir.medium, sizeLimit: k8s.Quantity.fromString(dir.sizeLimit) },
      })),
    ],
  };
}

function restrictedContainer({ readOnlyRootFilesystem, ...container }: RestrictedContainer): k8s.Container {
  return {
    ...container,
    imagePullPolicy: 'IfNotPresent',
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: readOnlyRootFilesystem ?? true,
      capabilities: { drop: ['ALL'] },
    },
  };
}
