import { imageTag } from '@stateful-todo/kube-conventions';

import { Finding, objectFinding } from './finding';
import { Manifest, PathSegment } from './manifest';
import { ContainerAt, containersOf, PodTemplate, podTemplateOf } from './pod-templates';
import { RuleId } from './rules';
import { SECRET_FILE_POINTER, SECRET_LOOKING } from './secret-values';

// Pod Security Standards, restricted: the only volume types allowed (hostPath is reported by its own rule).
const RESTRICTED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const DATABASE_PORTS = new Map<number, string>([
  [5432, 'PostgreSQL'],
  [3306, 'MySQL/MariaDB'],
  [27017, 'MongoDB'],
  [6379, 'Redis'],
  [9042, 'Cassandra'],
  [1433, 'SQL Server'],
  [1521, 'Oracle'],
  [26257, 'CockroachDB'],
  [9200, 'Elasticsearch'],
  [11211, 'Memcached'],
  [5984, 'CouchDB'],
  [8086, 'InfluxDB'],
]);
const SINGLE_PRIMARY_DATABASE = /(^|\/)(postgres|postgresql|mysql|mariadb)(:|@|$)/;

/** The policy rules: Pod Security Standards, operability, secrets, exposure, and the tutorial's lessons. */
export function checkPolicy(manifests: readonly Manifest[]): Finding[] {
  const claims = new Map(
    manifests
      .filter(m => m.object.kind === 'PersistentVolumeClaim')
      .map(m => [`${m.object.metadata.namespace ?? 'default'}/${m.object.metadata.name}`, m.object]),
  );
  const enforced = enforcedLevels(manifests);
  const findings: Finding[] = [];
  for (const manifest of manifests) {
    const pod = podTemplateOf(manifest);
    if (pod) {
      findings.push(
        ...asAdmissionJudges(podSecurity(pod), manifest.object.metadata?.namespace ?? 'default', enforced),
        ...operability(pod),
        ...literalSecrets(pod),
        ...databaseReplicas(pod),
        ...readWriteOnce(pod, claims),
      );
    }
    switch (manifest.object.kind) {
      case 'ConfigMap':
        findings.push(...configMapSecrets(manifest));
        break;
      case 'Service':
        findings.push(...exposedDatabase(manifest));
        break;
      case 'Ingress':
        findings.push(...ingressClass(manifest));
        break;
    }
  }
  return findings;
}

type PodSecurityLevel = 'baseline' | 'restricted';
const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
// The level each control belongs to (restricted includes baseline).
const CONTROL_LEVEL: Readonly<Record<string, PodSecurityLevel>> = {
  'pss-privileged': 'baseline',
  'pss-host-namespaces': 'baseline',
  'pss-host-path': 'baseline',
  'pss-host-port': 'baseline',
  'pss-sysctls': 'baseline',
  'pss-selinux': 'baseline',
  'pss-apparmor': 'baseline',
  'pss-proc-mount': 'baseline',
  'pss-host-process': 'baseline',
  'pss-run-as-non-root': 'restricted',
  'pss-privilege-escalation': 'restricted',
  'pss-capabilities': 'restricted',
  'pss-seccomp': 'restricted',
  'pss-volume-types': 'restricted',
};

/** The `pod-security.kubernetes.io/enforce` level of each Namespace of the set, by name. */
function enforcedLevels(manifests: readonly Manifest[]): Map<string, string> {
  const levels = new Map<string, string>();
  for (const { object } of manifests) {
    const level: unknown = object.metadata?.labels?.[ENFORCE_LABEL];
    if (object.kind === 'Namespace' && typeof object.metadata?.name === 'string' && typeof level === 'string') {
      levels.set(object.metadata.name, level);
    }
  }
  return levels;
}

// Pod Security admission rejects a pod only in a namespace that enforces the control's level: there the finding is an
// error (the API server refuses the Pod, and a controller can never make one), anywhere else a warning (a DaemonSet of
// node-exporter in a `privileged` namespace is correct), which --strict, as the stack runs it, still fails on.
function asAdmissionJudges(
  findings: Finding[],
  namespace: string,
  enforcedLevels: ReadonlyMap<string, string>,
): Finding[] {
  const enforced = enforcedLevels.get(namespace);
  return findings.map(finding => {
    const level = CONTROL_LEVEL[finding.ruleId];
    return enforced === 'restricted' || (enforced === 'baseline' && level === 'baseline')
      ? {
          ...finding,
          severity: 'error',
          message: `${finding.message} (namespace '${namespace}' enforces Pod Security '${enforced}')`,
        }
      : {
          ...finding,
          message:
            `${finding.message} (refused where the namespace enforces Pod Security ` +
            `'${level}'${enforced === undefined ? '' : `; '${namespace}' enforces '${enforced}'`})`,
        };
  });
}

// Pod Security baseline, as admission enforces it at v1.27 (k8s.io/pod-security-admission/policy).
const SAFE_SYSCTLS: readonly string[] = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
];
const SELINUX_TYPES: readonly string[] = ['container_t', 'container_init_t', 'container_kvm_t'];
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function podSecurity(pod: PodTemplate): Finding[] {
  const findings: Finding[] = [];
  const report = (ruleId: RuleId, path: PathSegment[], message: string) =>
    findings.push(objectFinding(ruleId, pod.manifest, path, message));
  const spec = pod.spec;
  const podContext = spec.securityContext ?? {};
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[field] === true) {
      report('pss-host-namespaces', [...pod.specPath, field], `${field} is true`);
    }
  }
  (Array.isArray(spec.volumes) ? spec.volumes : []).forEach((volume: any, index: number) => {
    const type = Object.keys(volume ?? {}).find(key => key !== 'name');
    if (type === 'hostPath') {
      report(
        'pss-host-path',
        [...pod.specPath, 'volumes', index, 'hostPath'],
        `volume '${volume.name}' mounts host path '${volume.hostPath?.path}'`,
      );
    } else if (type && !RESTRICTED_VOLUME_TYPES.has(type)) {
      report(
        'pss-volume-types',
        [...pod.specPath, 'volumes', index, type],
        `volume '${volume.name}' is of type ${type}`,
      );
    }
  });
  // The baseline controls that admission enforces beyond privileged, host namespaces, host paths and ports
  // (k8s.io/pod-security-admission/policy, as of 1.27): sysctls, SELinux, AppArmor, /proc mount, HostProcess.
  (Array.isArray(podContext.sysctls) ? podContext.sysctls : []).forEach((sysctl: any, index: number) => {
    if (typeof sysctl?.name === 'string' && !SAFE_SYSCTLS.includes(sysctl.name)) {
      report(
        'pss-sysctls',
        [...pod.specPath, 'securityContext', 'sysctls', index, 'name'],
        `sysctl '${sysctl.name}' is not one of the safe sysctls`,
      );
    }
  });
  const seLinux = (options: any, path: PathSegment[], whose: string) => {
    if (options && typeof options === 'object') {
      if (options.type !== undefined && options.type !== '' && !SELINUX_TYPES.includes(options.type)) {
        report('pss-selinux', [...path, 'type'], `${whose} SELinux type is '${options.type}'`);
      }
      for (const field of ['user', 'role'] as const) {
        if (options[field] !== undefined && options[field] !== '') {
          report('pss-selinux', [...path, field], `${whose} sets an SELinux ${field} ('${options[field]}')`);
        }
      }
    }
  };
  seLinux(podContext.seLinuxOptions, [...pod.specPath, 'securityContext', 'seLinuxOptions'], "the pod's");
  const hostProcess = (options: any, path: PathSegment[], whose: string) => {
    if (options?.hostProcess === true) {
      report('pss-host-process', [...path, 'hostProcess'], `${whose} runs as a Windows HostProcess`);
    }
  };
  hostProcess(podContext.windowsOptions, [...pod.specPath, 'securityContext', 'windowsOptions'], 'the pod');
  const templatePath = pod.specPath.slice(0, -1);
  for (const [key, value] of Object.entries(
    pod.manifest.object.kind === 'Pod'
      ? (pod.manifest.object.metadata.annotations ?? {})
      : (templatePath.reduce<any>((node, k) => node?.[k], pod.manifest.object)?.metadata?.annotations ?? {}),
  )) {
    if (
      key.startsWith(APPARMOR_ANNOTATION_PREFIX) &&
      typeof value === 'string' &&
      value !== 'runtime/default' &&
      !value.startsWith('localhost/')
    ) {
      report(
        'pss-apparmor',
        [...templatePath, 'metadata', 'annotations', key],
        `AppArmor profile of container '${key.slice(APPARMOR_ANNOTATION_PREFIX.length)}' is '${value}'`,
      );
    }
  }
  if (podContext.appArmorProfile?.type === 'Unconfined') {
    report(
      'pss-apparmor',
      [...pod.specPath, 'securityContext', 'appArmorProfile', 'type'],
      "the pod's AppArmor profile is Unconfined",
    );
  }
  if (podContext.runAsUser === 0) {
    report('pss-run-as-non-root', [...pod.specPath, 'securityContext', 'runAsUser'], 'the pod runs as uid 0');
  }
  const podSeccomp = podContext.seccompProfile?.type;
  if (podSeccomp !== undefined && !['RuntimeDefault', 'Localhost'].includes(podSeccomp)) {
    report(
      'pss-seccomp',
      [...pod.specPath, 'securityContext', 'seccompProfile', 'type'],
      `the pod's seccomp profile is ${podSeccomp}`,
    );
  }
  for (const { container, path } of containersOf(pod)) {
    const context = container.securityContext ?? {};
    const name = `container '${container.name}'`;
    const at = (...rest: PathSegment[]) => [...path, 'securityContext', ...rest];
    if (context.privileged === true) {
      report('pss-privileged', at('privileged'), `${name} is privileged`);
    }
    if (context.procMount !== undefined && context.procMount !== 'Default') {
      report('pss-proc-mount', at('procMount'), `${name} mounts /proc ${context.procMount}`);
    }
    seLinux(context.seLinuxOptions, at('seLinuxOptions'), `${name}'s`);
    hostProcess(context.windowsOptions, at('windowsOptions'), name);
    if (context.appArmorProfile?.type === 'Unconfined') {
      report('pss-apparmor', at('appArmorProfile', 'type'), `${name}'s AppArmor profile is Unconfined`);
    }
    (Array.isArray(container.ports) ? container.ports : []).forEach((port: any, index: number) => {
      if (port?.hostPort) {
        report('pss-host-port', [...path, 'ports', index, 'hostPort'], `${name} binds host port ${port.hostPort}`);
      }
    });
    if (context.runAsNonRoot === false || (context.runAsNonRoot !== true && podContext.runAsNonRoot !== true)) {
      report('pss-run-as-non-root', at('runAsNonRoot'), `${name} does not set runAsNonRoot: true (nor does the pod)`);
    } else if (context.runAsUser === 0) {
      report('pss-run-as-non-root', at('runAsUser'), `${name} runs as uid 0`);
    }
    if (context.allowPrivilegeEscalation !== false) {
      report(
        'pss-privilege-escalation',
        at('allowPrivilegeEscalation'),
        `${name} does not set allowPrivilegeEscalation: false`,
      );
    }
    const drop: string[] = context.capabilities?.drop ?? [];
    const add: string[] = context.capabilities?.add ?? [];
    if (!drop.includes('ALL')) {
      report('pss-capabilities', at('capabilities', 'drop'), `${name} does not drop ALL capabilities`);
    }
    const extra = add.filter(capability => capability !== 'NET_BIND_SERVICE');
    if (extra.length > 0) {
      report('pss-capabilities', at('capabilities', 'add'), `${name} adds ${extra.join(', ')}`);
    }
    const seccomp = context.seccompProfile?.type;
    if (seccomp !== undefined ? !['RuntimeDefault', 'Localhost'].includes(seccomp) : podSeccomp === undefined) {
      report(
        'pss-seccomp',
        at('seccompProfile'),
        seccomp !== undefined
          ? `${name}'s seccomp profile is ${seccomp}`
          : `${name} has no seccomp profile RuntimeDefault or Localhost (nor does the pod)`,
      );
    }
  }
  return findings;
}

function operability(pod: PodTemplate): Finding[] {
  const findings: Finding[] = [];
  // A pod is ready when every container with a readiness probe is: a helper beside a probed container (a metrics
  // exporter) needs none, and one would take the main container out of its Service whenever the helper fails.
  const podReadiness = containersOf(pod).some(({ container, init }) => !init && container.readinessProbe);
  for (const { container, path, init } of containersOf(pod)) {
    const name = `container '${container.name}'`;
    const resources = container.resources ?? {};
    const missing = [
      resources.requests?.cpu === undefined && 'CPU request',
      resources.requests?.memory === undefined && 'memory request',
      resources.limits?.memory === undefined && 'memory limit',
    ].filter(Boolean);
    if (missing.length > 0 && !path.includes('ephemeralContainers')) {
      findings.push(
        objectFinding(
          'resources-missing',
          pod.manifest,
          [...path, 'resources'],
          `${name} has no ${missing.join(', no ')}`,
        ),
      );
    }
    if (!init && pod.longRunning) {
      const probes = [!podReadiness && 'readiness', !container.livenessProbe && 'liveness'].filter(Boolean);
      if (probes.length > 0) {
        findings.push(
          objectFinding('probe-missing', pod.manifest, path, `${name} has no ${probes.join(' and no ')} probe`),
        );
      }
    }
    findings.push(...probePorts({ container, path, init }, pod));
    const tag = typeof container.image === 'string' ? imageTag(container.image) : undefined;
    if (typeof container.image === 'string' && (tag === undefined || tag === 'latest')) {
      findings.push(
        objectFinding(
          'image-tag',
          pod.manifest,
          [...path, 'image'],
          `${name} runs '${container.image}', which ${tag ? 'is' : 'means'} 'latest'`,
        ),
      );
    }
  }
  return findings;
}

function probePorts({ container, path }: ContainerAt, pod: PodTemplate): Finding[] {
  const ports: any[] = Array.isArray(container.ports) ? container.ports : [];
  const findings: Finding[] = [];
  for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
    for (const handler of ['httpGet', 'tcpSocket', 'grpc']) {
      const port = container[probe]?.[handler]?.port;
      if (port === undefined) {
        continue;
      }
      const at = [...path, probe, handler, 'port'];
      // Only a name must be declared; a number reaches whatever listens on it, declared or not (listing ports is optional).
      if (typeof port === 'string' && !/^\d+$/.test(port) && !ports.some(p => p?.name === port)) {
        findings.push(
          objectFinding(
            'probe-port',
            pod.manifest,
            at,
            `${probe} of container '${container.name}' targets port '${port}', which the container does not declare`,
          ),
        );
      }
    }
  }
  return findings;
}

function literalSecrets(pod: PodTemplate): Finding[] {
  const findings: Finding[] = [];
  for (const { container, path } of containersOf(pod)) {
    (Array.isArray(container.env) ? container.env : []).forEach((env: any, index: number) => {
      if (
        typeof env?.name === 'string' &&
        SECRET_LOOKING.test(env.name) &&
        !SECRET_FILE_POINTER.test(env.name) &&
        typeof env.value === 'string' &&
        env.value !== ''
      ) {
        findings.push(
          objectFinding(
            'secret-in-env',
            pod.manifest,
            [...path, 'env', index, 'value'],
            `container '${container.name}' sets ${env.name} to a literal value`,
          ),
        );
      }
    });
  }
  return findings;
}

function configMapSecrets(manifest: Manifest): Finding[] {
  const findings: Finding[] = [];
  for (const field of ['data', 'binaryData']) {
    for (const key of Object.keys(manifest.object[field] ?? {})) {
      if (SECRET_LOOKING.test(key) && !SECRET_FILE_POINTER.test(key)) {
        findings.push(
          objectFinding('secret-in-configmap', manifest, [field, key], `ConfigMap key '${key}' looks like a secret`),
        );
      }
    }
  }
  return findings;
}

function exposedDatabase(manifest: Manifest): Finding[] {
  const { spec } = manifest.object;
  if (spec?.type !== 'NodePort' && spec?.type !== 'LoadBalancer') {
    return [];
  }
  const findings: Finding[] = [];
  (Array.isArray(spec.ports) ? spec.ports : []).forEach((port: any, index: number) => {
    const database = DATABASE_PORTS.get(port?.port) ?? DATABASE_PORTS.get(port?.targetPort);
    if (database) {
      findings.push(
        objectFinding(
          'database-port-exposed',
          manifest,
          ['spec', 'ports', index],
          `${spec.type} Service exposes ${database} port ${port.port}`,
        ),
      );
    }
  });
  return findings;
}

function ingressClass(manifest: Manifest): Finding[] {
  const { spec, metadata } = manifest.object;
  if (spec?.ingressClassName || metadata.annotations?.['kubernetes.io/ingress.class']) {
    return [];
  }
  return [objectFinding('ingress-class-missing', manifest, ['spec'], 'the Ingress sets no ingressClassName')];
}

function databaseReplicas(pod: PodTemplate): Finding[] {
  const { object } = pod.manifest;
  const replicas = object.spec?.replicas ?? 1;
  if (!['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'].includes(object.kind) || !(replicas > 1)) {
    return [];
  }
  const database = containersOf(pod).find(
    c => !c.init && SINGLE_PRIMARY_DATABASE.test(String(c.container.image ?? '')),
  );
  return database
    ? [
        objectFinding(
          'database-replicas',
          pod.manifest,
          ['spec', 'replicas'],
          `${replicas} replicas of '${database.container.image}' are ${replicas} independent databases`,
        ),
      ]
    : [];
}

function readWriteOnce(pod: PodTemplate, claims: Map<string, any>): Finding[] {
  const { object } = pod.manifest;
  if (object.kind !== 'Deployment') {
    return [];
  }
  const namespace = object.metadata.namespace ?? 'default';
  const mounted = (Array.isArray(pod.spec.volumes) ? pod.spec.volumes : [])
    .map((volume: any) => claims.get(`${namespace}/${volume?.persistentVolumeClaim?.claimName}`))
    .filter((claim: any) => claim !== undefined);
  const modesOf = (claim: any): string[] => (Array.isArray(claim?.spec?.accessModes) ? claim.spec.accessModes : []);
  const readWriteOnce = mounted.find((claim: any) => modesOf(claim).includes('ReadWriteOnce'));
  if (readWriteOnce) {
    return [
      objectFinding(
        'rwo-deployment',
        pod.manifest,
        ['spec', 'template', 'spec', 'volumes'],
        `the Deployment mounts ReadWriteOnce claim '${readWriteOnce.metadata.name}': when a pod is deleted or evicted, its ` +
          'replacement starts while it is still terminating, and on the same node both mount the volume (for a database, ' +
          'two server processes on one data directory)',
      ),
    ];
  }
  const podExclusive = mounted.find((claim: any) => modesOf(claim).includes('ReadWriteOncePod'));
  if (!podExclusive) {
    return [];
  }
  const replicas = object.spec?.replicas ?? 1;
  const strategy = object.spec?.strategy?.type ?? 'RollingUpdate';
  if (replicas > 1) {
    return [
      objectFinding(
        'rwo-deployment',
        pod.manifest,
        ['spec', 'replicas'],
        `${replicas} replicas share ReadWriteOncePod claim '${podExclusive.metadata.name}': all but one wait forever`,
      ),
    ];
  }
  if (strategy !== 'Recreate') {
    return [
      objectFinding(
        'rwo-deployment',
        pod.manifest,
        ['spec', 'strategy'],
        `the ${strategy} strategy starts a second pod that waits forever for ReadWriteOncePod claim '${podExclusive.metadata.name}'`,
      ),
    ];
  }
  return [];
}
