import * as k8s from '../../imports/k8s';
import { resourceRequirements, Resources } from '../kube/resources';
import { RestrictedContainer, restrictedPodSpec, tmpDirectory } from '../kube/restricted-pod';

import { SecretKeyReference, secretKeyEnv } from './database-credentials';

/** The uid and gid of the `postgres` user in the Debian-based official image. */
export const POSTGRES_UID = 999;
export const POSTGRES_PORT = 5432;
export const POSTGRES_PORT_NAME = 'tcp-postgresql';
export const DATA_VOLUME_NAME = 'data';
export const DATA_MOUNT_PATH = '/var/lib/postgresql/data';
// A subdirectory of the volume: initdb refuses a non-empty directory, and ext4 volumes hold `lost+found`.
// Setting it explicitly also keeps PostgreSQL 18+ images (whose default PGDATA moved) on the same path.
export const PGDATA = `${DATA_MOUNT_PATH}/pgdata`;

/** A Service port to PostgreSQL: to the container port by its name, so that the pod alone says which number it is. */
export function postgresServicePort(port: number): k8s.ServicePort {
  return {
    name: POSTGRES_PORT_NAME,
    port,
    targetPort: k8s.IntOrString.fromString(POSTGRES_PORT_NAME),
    protocol: 'TCP',
  };
}

/** Keys of the database's ConfigMap, the non-secret half of its settings. */
export const CONFIG_KEYS = { database: 'POSTGRES_DB', user: 'POSTGRES_USER', pgdata: 'PGDATA' } as const;

export interface PostgresPodProps {
  readonly image: string;
  readonly labels: Record<string, string>;
  readonly configMapName: string;
  readonly password: SecretKeyReference;
  readonly resources: Resources;
  /**
   * The data volume as a pod volume (a Deployment's PVC).
   * @default - none: a StatefulSet's claim template supplies a volume of the same name
   */
  readonly dataVolume?: k8s.Volume;
  /**
   * A postgres_exporter sidecar.
   * @default - none
   */
  readonly exporter?: PostgresExporterProps;
}

/**
 * libpq's own variables, for a client pod in the database's namespace (the roles Job, backups, restores) that logs
 * in as `user` (the value of PGUSER) with `password`: psql, pg_dump and pg_restore read them, so no secret is on a
 * command line.
 */
export function libpqClientEnv(
  database: { readonly host: string; readonly port: number; readonly configMap: k8s.KubeConfigMap },
  user: Omit<k8s.EnvVar, 'name'>,
  password: SecretKeyReference,
): k8s.EnvVar[] {
  return [
    { name: 'PGHOST', value: database.host },
    { name: 'PGPORT', value: String(database.port) },
    {
      name: 'PGDATABASE',
      valueFrom: { configMapKeyRef: { name: database.configMap.name, key: CONFIG_KEYS.database } },
    },
    { name: 'PGUSER', ...user },
    secretKeyEnv('PGPASSWORD', password),
    { name: 'PGCONNECT_TIMEOUT', value: '10' },
  ];
}

/** The postgres_exporter sidecar: Prometheus metrics of the server, read over the pod's own loopback. */
export interface PostgresExporterProps {
  /** A pinned postgres_exporter image. */
  readonly image: string;
  /** The database the exporter connects to (it reads the server-wide statistics from there). */
  readonly databaseName: string;
  /** The role it logs in as: a member of `pg_monitor`, nothing more. */
  readonly user: string;
  readonly password: SecretKeyReference;
}

export const METRICS_PORT = 9187;
export const METRICS_PORT_NAME = 'metrics';

// pg_isready through a shell, so that it reads the user and database from the container's environment.
const PG_ISREADY = ['/bin/sh', '-c', 'exec pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB" -h 127.0.0.1 -p 5432'];

/**
 * The PostgreSQL pod both database workloads run: the same settings, probes and security, whatever owns the pod.
 *
 * Security passes the Pod Security Standards "restricted" profile: uid/gid 999 (the image's postgres user),
 * fsGroup 999 so the volume is writable, no privilege escalation, no capabilities, RuntimeDefault seccomp and a
 * read-only root filesystem with memory or scratch emptyDirs where PostgreSQL writes (socket, /tmp, /dev/shm).
 */
export function postgresPodTemplate(props: PostgresPodProps): k8s.PodTemplateSpec {
  const fromConfig = (name: string, key: string): k8s.EnvVar => ({
    name,
    valueFrom: { configMapKeyRef: { name: props.configMapName, key } },
  });
  return {
    metadata: { labels: props.labels },
    spec: restrictedPodSpec({
      // uid/gid 999: the image's postgres user, which its /etc/passwd names, so libpq clients have a user name;
      // fsGroup so that the data volume is writable.
      runAs: POSTGRES_UID,
      fsGroup: true,
      // The official image's STOPSIGNAL is SIGINT, which the runtime sends on termination: a "fast" shutdown that
      // disconnects clients and checkpoints. No preStop hook: PostgreSQL is PID 1, so a `pg_ctl stop` hook is killed
      // with it and fails on every stop. The grace period gives the checkpoint time before SIGKILL.
      terminationGracePeriodSeconds: 60,
      container: {
        name: 'postgres',
        image: props.image,
        ports: [{ name: POSTGRES_PORT_NAME, containerPort: POSTGRES_PORT, protocol: 'TCP' }],
        env: [
          fromConfig('POSTGRES_DB', CONFIG_KEYS.database),
          fromConfig('POSTGRES_USER', CONFIG_KEYS.user),
          fromConfig('PGDATA', CONFIG_KEYS.pgdata),
          secretKeyEnv('POSTGRES_PASSWORD', props.password),
        ],
        resources: resourceRequirements(props.resources),
        // initdb and crash recovery can take minutes; liveness waits for the startup probe.
        startupProbe: { exec: { command: PG_ISREADY }, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 60 },
        readinessProbe: { exec: { command: PG_ISREADY }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
        livenessProbe: { exec: { command: PG_ISREADY }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
        volumeMounts: [{ name: DATA_VOLUME_NAME, mountPath: DATA_MOUNT_PATH }],
      },
      sidecars: props.exporter ? [exporterContainer(props.exporter)] : [],
      volumes: props.dataVolume ? [props.dataVolume] : [],
      scratch: [
        { name: 'run', mountPath: '/var/run/postgresql', sizeLimit: '16Mi' },
        tmpDirectory('256Mi'),
        // Parallel queries use POSIX shared memory; the container runtime's default /dev/shm is only 64Mi.
        { name: 'dshm', mountPath: '/dev/shm', sizeLimit: '256Mi', medium: 'Memory' },
      ],
    }),
  };
}

// The exporter role's login over the pod's loopback (no TLS: the traffic never leaves the pod), as the exporter's
// DATA_SOURCE_* variables: a member of pg_monitor, never the superuser. No readiness probe:
// a pod is ready when PostgreSQL is, and an exporter that is not must never take the database out of its Service.
function exporterContainer(exporter: PostgresExporterProps): RestrictedContainer {
  return {
    name: 'metrics',
    image: exporter.image,
    args: [`--web.listen-address=:${METRICS_PORT}`],
    ports: [{ name: METRICS_PORT_NAME, containerPort: METRICS_PORT, protocol: 'TCP' }],
    env: [
      { name: 'DATA_SOURCE_URI', value: `127.0.0.1:${POSTGRES_PORT}/${exporter.databaseName}?sslmode=disable` },
      { name: 'DATA_SOURCE_USER', value: exporter.user },
      secretKeyEnv('DATA_SOURCE_PASS', exporter.password),
    ],
    resources: {
      requests: { cpu: k8s.Quantity.fromString('20m'), memory: k8s.Quantity.fromString('32Mi') },
      limits: { memory: k8s.Quantity.fromString('128Mi') },
    },
    livenessProbe: {
      httpGet: { path: '/', port: k8s.IntOrString.fromString(METRICS_PORT_NAME) },
      periodSeconds: 30,
      timeoutSeconds: 5,
      failureThreshold: 3,
    },
  };
}
