export type Severity = 'error' | 'warning' | 'info';
export type RuleCategory = 'parse' | 'schema' | 'reference' | 'policy' | 'upgrade' | 'suppression';

/** One rule of the validator: what it checks, why it matters, how to fix what it finds. */
export interface Rule<Id extends string = RuleId> {
  readonly id: Id;
  readonly severity: Severity;
  readonly category: RuleCategory;
  readonly what: string;
  readonly why: string;
  readonly fix: string;
}

// Generic in the id, so that the table below keeps each id as a literal type: RuleId is derived from it.
const rule = <Id extends string>(
  id: Id,
  severity: Severity,
  category: RuleCategory,
  what: string,
  why: string,
  fix: string,
): Rule<Id> => ({ id, severity, category, what, why, fix });

/**
 * The catalogue. IDs are a public contract: suppressions and `--skip` name them. The README's rule table is this
 * list (a test keeps them in step).
 */
export const RULES = [
  rule(
    'parse-error',
    'error',
    'parse',
    'a file is not valid YAML or JSON',
    'nothing in it can be applied',
    'fix the syntax at the line given',
  ),
  rule(
    'not-kubernetes-object',
    'error',
    'parse',
    "a document has no string 'apiVersion' and 'kind'",
    'kubectl rejects it',
    'remove the document or give it apiVersion and kind',
  ),

  rule(
    'unknown-kind',
    'error',
    'schema',
    'apiVersion/kind is not served by a Kubernetes version checked (1.27, 1.36; such as appss/v1, policy/v1beta1, ' +
      'removed in 1.25, or flowcontrol.apiserver.k8s.io/v1beta3, removed in 1.32: an error for 1.36 only)',
    'the API server rejects it',
    'use the apiVersion named in the message',
  ),
  rule(
    'alpha-kind',
    'warning',
    'schema',
    'the kind is served by 1.27 only behind an alpha feature gate (the 1.36 bundle has no alpha APIs: there, such a kind is unknown-kind)',
    'a default cluster rejects it, and alpha APIs change without notice',
    'use a GA or beta API, or make sure the cluster enables the gate',
  ),
  rule(
    'custom-resource',
    'info',
    'schema',
    'the kind belongs to a custom resource definition that is neither in the set nor given with --crd',
    'only generic checks apply to it',
    'give its CRD with --crd FILE|FOLDER (or add it to the set) to check it against its schema',
  ),
  rule(
    'schema-violation',
    'error',
    'schema',
    'a field is unknown (such as replicaz), of the wrong type, outside its enum, or a required field is missing, per ' +
      'the OpenAPI schema of a Kubernetes version checked (1.27, 1.36; strict, like kubeconform -strict); what only ' +
      'one version refuses names it',
    'the API server rejects the object, or, for unknown fields with client-side apply, silently drops them',
    'correct the field named in the message',
  ),
  rule(
    'invalid-quantity',
    'error',
    'schema',
    'a resource quantity is malformed (such as 5GB or 1 Gi)',
    'the API server rejects the object',
    "use Kubernetes quantity suffixes: Ki, Mi, Gi (binary), k, M, G (decimal) or m (milli), such as '5Gi' or '250m'",
  ),
  rule(
    'invalid-name',
    'error',
    'schema',
    'metadata.name breaks the naming rule of its kind (DNS-1123 label or subdomain, DNS-1035 label for Services)',
    'the API server rejects the object',
    'use lower-case letters, digits and -, starting and ending with a letter or digit, within the length limit',
  ),
  rule(
    'invalid-label',
    'error',
    'schema',
    'a label key or value is malformed',
    'the API server rejects the object',
    'keys are [prefix/]name with name <= 63 characters of [A-Za-z0-9_.-]; values <= 63 such characters, starting and ending alphanumeric',
  ),
  rule(
    'invalid-annotation',
    'error',
    'schema',
    'an annotation key is malformed',
    'the API server rejects the object',
    'keys are [prefix/]name with a DNS-subdomain prefix and a name <= 63 characters of [A-Za-z0-9_.-]',
  ),
  rule(
    'invalid-port',
    'error',
    'schema',
    'a port number is outside 1-65535 (a nodePort, targetPort or hostPort of 0 means unset)',
    'the API server rejects the object',
    'use a port from 1 to 65535',
  ),
  rule(
    'invalid-port-name',
    'error',
    'schema',
    "a container port's name, a probe's named port, or a Service's named targetPort is not an IANA service name: " +
      "over 15 characters, upper case, all digits, or '-' at an end or doubled",
    'the API server rejects the object',
    "use at most 15 lower-case letters, digits and '-', with at least one letter, such as 'http' or 'tcp-postgresql'",
  ),
  rule(
    'invalid-schedule',
    'error',
    'schema',
    "a CronJob's schedule is not what the API server's cron parser reads (five fields minute 0-59, hour 0-23, day of " +
      'month 1-31, month 1-12 or jan-dec, day of week 0-6 or sun-sat; ranges, steps, lists; @yearly … @hourly, @every ' +
      'DURATION; no TZ=), or its timeZone is not in the IANA time zone database',
    'the API server rejects the CronJob',
    "write a five-field schedule such as '0 3 * * *', and a timeZone such as 'Europe/Paris' (or none)",
  ),
  rule(
    'limit-below-request',
    'error',
    'schema',
    "a container's resource limit is below its request",
    'the API server rejects the object',
    'raise the limit to at least the request, or lower the request',
  ),
  rule(
    'duplicate-container-name',
    'error',
    'schema',
    'two containers or init containers of a pod share a name',
    'the API server rejects the object',
    'give every container and init container of the pod its own name',
  ),
  rule(
    'volume-mount-missing',
    'error',
    'schema',
    'a volumeMount names no volume of the pod (nor, in a StatefulSet, a claim template)',
    'the API server rejects the object',
    "add the volume to spec.volumes (or volumeClaimTemplates), or fix the mount's name",
  ),
  rule(
    'invalid-subpath',
    'error',
    'schema',
    "a volumeMount's subPath is absolute or contains '..'",
    'the API server rejects the object',
    'use a path relative to the volume, without ..',
  ),

  rule(
    'duplicate-object',
    'error',
    'reference',
    'two documents define the same kind, namespace and name',
    'the second silently overwrites the first',
    'rename one of them, or remove the duplicate',
  ),
  rule(
    'namespace-missing',
    'warning',
    'reference',
    'an object is in a namespace that is neither in the set nor known to exist',
    'the API server rejects it unless the namespace is created outside the set: namespaces are not created implicitly',
    'add the Namespace to the set, fix the name, or pass --namespace-exists NAME',
  ),
  rule(
    'service-selector-no-match',
    'warning',
    'reference',
    "a Service's selector matches no pod template in its namespace (counting the labels controllers add to pods: " +
      'statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index, controller-revision-hash, pod-template-hash, ' +
      'the Job labels)',
    'the Service has no endpoints unless pods made outside the set carry those labels: every connection fails',
    "make the selector equal to the workload's pod labels",
  ),
  rule(
    'service-target-port',
    'error',
    'reference',
    "a Service's named targetPort is not a port name of any container it selects (a number needs no declared port: declaring ports is optional)",
    'the name resolves to no port: the Service has no ready endpoints',
    "set targetPort to a containerPort's name, or to the number the container listens on",
  ),
  rule(
    'statefulset-service',
    'warning',
    'reference',
    'a StatefulSet has no serviceName, or it does not name a headless Service in its namespace (the API server accepts both)',
    'the pods get no stable DNS names (pod-0.service), unless the Service is made outside the set',
    'create a Service with clusterIP: None selecting the pods, and name it in serviceName',
  ),
  rule(
    'externalname-target-missing',
    'warning',
    'reference',
    'an ExternalName Service points at <name>.<namespace>.svc.cluster.local, and no such Service is in the set',
    'the alias resolves to nothing unless that Service is made outside the set',
    'fix the name or namespace, or add the Service',
  ),
  rule(
    'ingress-backend-missing',
    'warning',
    'reference',
    "an Ingress backend names a Service that is not in the Ingress's namespace",
    'the ingress controller answers 503 unless the Service is made outside the set',
    'point the backend at an existing Service, or add it',
  ),
  rule(
    'ingress-backend-port',
    'error',
    'reference',
    'an Ingress backend names a port that its Service (in the set) does not have',
    'the ingress controller answers 503',
    "point the backend at one of the Service's ports, by number or name",
  ),
  rule(
    'config-reference-missing',
    'warning',
    'reference',
    'a secretKeyRef, configMapKeyRef, envFrom or volume names a Secret or ConfigMap that is not in the set (one made ' +
      'at run time: by a Job, an init container, an operator, a person)',
    'the pod is stuck in CreateContainerConfigError or ContainerCreating until something outside the set makes it',
    'add it, mark the reference optional: true, or declare it as provided: a Secret with the Namespace annotation ' +
      'validator.todo-stack/provided-secrets or --provided-secret NAMESPACE/NAME, either with ' +
      "skip.validator.todo-stack/config-reference-missing: 'made by …' on the workload",
  ),
  rule(
    'config-key-missing',
    'error',
    'reference',
    'a secretKeyRef, configMapKeyRef or volume item names a key that the Secret or ConfigMap of the set does not have',
    'the pod is stuck in CreateContainerConfigError or ContainerCreating',
    'add the key to the Secret or ConfigMap, or fix the key',
  ),
  rule(
    'service-account-missing',
    'warning',
    'reference',
    "a pod's serviceAccountName names a ServiceAccount that is not in its namespace (and is not 'default')",
    'the ServiceAccount admission plugin rejects the pod until the ServiceAccount is made outside the set',
    'add the ServiceAccount to the set, or fix the name',
  ),
  rule(
    'image-pull-secret-missing',
    'warning',
    'reference',
    "a pod's imagePullSecrets names a Secret that is not in its namespace nor declared as provided",
    'a private image cannot be pulled: ImagePullBackOff',
    'add the Secret, declare it provided by the cluster, or remove the reference',
  ),
  rule(
    'priority-class-missing',
    'warning',
    'reference',
    "a pod's priorityClassName names a PriorityClass that is not in the set (nor system-cluster-critical or system-node-critical)",
    'the Priority admission plugin rejects the pod until the PriorityClass is made outside the set',
    'add the PriorityClass to the set, or fix the name',
  ),
  rule(
    'duplicate-env',
    'warning',
    'reference',
    'a container sets one environment variable twice',
    'the later value silently wins, which is rarely what the first one meant',
    'remove one of them',
  ),
  rule(
    'probe-udp-port',
    'error',
    'reference',
    'a probe targets a container port declared as UDP',
    'an HTTP, TCP or gRPC probe speaks TCP and never succeeds: the pod never becomes ready, or is restarted forever',
    'probe a TCP port, or use an exec probe',
  ),
  rule(
    'network-policy-peer-no-match',
    'warning',
    'reference',
    "a NetworkPolicy's from/to podSelector matches no pod template in the namespace it selects",
    'the rule allows no pod of the set: the clients it was written for are blocked, unless they are made outside the set',
    "make the podSelector equal to the clients' pod labels, and the namespaceSelector name their namespace",
  ),
  rule(
    'pvc-missing',
    'warning',
    'reference',
    "a pod volume names a PersistentVolumeClaim that is not in the set (a StatefulSet's claim template of the volume's name supplies it)",
    'the pod stays Pending until the claim is made outside the set',
    'add the claim or fix its name',
  ),
  rule(
    'pv-pvc-mismatch',
    'error',
    'reference',
    "a PersistentVolume and the claim it is meant for (claimRef, volumeName, the claim's selector, a shared label, " +
      'or names that differ only by a -pv/-pvc/-volume/-claim suffix) cannot bind: access modes, storage class ' +
      "(a claim without one gets the cluster's default class and never binds a class-less volume), volume mode or " +
      'capacity',
    'the claim stays Pending forever',
    "give the volume the claim's access modes, storage class and volume mode, and at least its requested capacity; " +
      'give a claim meant for a class-less volume storageClassName: ""',
  ),
  rule(
    'target-no-match',
    'warning',
    'reference',
    'an HPA scaleTargetRef, a PodDisruptionBudget selector or a NetworkPolicy podSelector matches nothing of the set in its namespace',
    'the object silently does nothing, unless its target is made outside the set',
    'point it at an existing workload or at its pod labels',
  ),
  rule(
    'scale-target-mismatch',
    'error',
    'reference',
    "an HPA scaleTargetRef names a workload of the set with another apiVersion than the workload's",
    'the HPA controller finds no scale subresource there: it never scales',
    "use the workload's own apiVersion, such as 'apps/v1'",
  ),
  rule(
    'selector-template-mismatch',
    'error',
    'reference',
    "a workload's selector does not match its own pod template's labels",
    'the API server rejects the workload',
    'make spec.selector.matchLabels a subset of spec.template.metadata.labels',
  ),
  rule(
    'workload-selector-overlap',
    'error',
    'reference',
    "a workload's selector (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController) matches the pod " +
      'template of another workload in its namespace, or the pods an operator makes for a custom resource there (a ' +
      'CloudNativePG Cluster)',
    "the API server accepts it, but each controller adopts the other's orphaned pods " +
      '(after a `kubectl delete --cascade=orphan`, for one), and a Service, PodDisruptionBudget or NetworkPolicy ' +
      'with those labels covers both',
    "add a label only this workload's pods carry (such as app.kubernetes.io/instance) to its selector and pod " +
      'template; a selector is immutable: orphan-delete the running workload and apply',
  ),
  rule(
    'service-selects-two-workloads',
    'error',
    'reference',
    "a Service's selector matches the pods of two workloads (or of a workload and an operator's custom resource) in " +
      'its namespace that are not one application: their pods differ in app.kubernetes.io/name, instance, component or ' +
      'app, or carry none of them. A canary beside its stable Deployment, whose pods agree on all four, is one ' +
      'application; the pods of Jobs and CronJobs are not counted',
    'the API server accepts it, and each connection goes to the pods of either workload: clients of one database reach the other',
    "add a label only the intended workload's pods carry to the selector (such as app.kubernetes.io/name or instance)",
  ),

  rule(
    'pss-privileged',
    'warning',
    'policy',
    'a container is privileged (Pod Security baseline)',
    'a privileged container is root on the node',
    'remove securityContext.privileged',
  ),
  rule(
    'pss-host-namespaces',
    'warning',
    'policy',
    'the pod uses hostNetwork, hostPID or hostIPC (Pod Security baseline)',
    "it sees the node's network or processes",
    'remove hostNetwork, hostPID and hostIPC',
  ),
  rule(
    'pss-host-path',
    'warning',
    'policy',
    'the pod mounts a hostPath volume (Pod Security baseline)',
    "it reads and writes the node's filesystem",
    'use a PersistentVolumeClaim or an emptyDir',
  ),
  rule(
    'pss-host-port',
    'warning',
    'policy',
    'a container uses a hostPort (Pod Security baseline)',
    'it binds a port on the node, and limits scheduling',
    'remove hostPort; expose the pod through a Service',
  ),
  rule(
    'pss-run-as-non-root',
    'warning',
    'policy',
    'runAsNonRoot is not true for a container, or a uid 0 is set (Pod Security restricted)',
    'a container escape starts as root',
    'set securityContext.runAsNonRoot: true (pod or container) and a non-zero runAsUser',
  ),
  rule(
    'pss-privilege-escalation',
    'warning',
    'policy',
    'allowPrivilegeEscalation is not false (Pod Security restricted)',
    'setuid binaries can gain privileges',
    'set securityContext.allowPrivilegeEscalation: false on every container',
  ),
  rule(
    'pss-capabilities',
    'warning',
    'policy',
    'a container does not drop ALL capabilities, or adds one other than NET_BIND_SERVICE (Pod Security restricted)',
    'capabilities are slices of root',
    "set securityContext.capabilities.drop: ['ALL']",
  ),
  rule(
    'pss-seccomp',
    'warning',
    'policy',
    'the seccomp profile is not RuntimeDefault or Localhost (Pod Security restricted)',
    'every syscall is open to the container',
    'set securityContext.seccompProfile.type: RuntimeDefault on the pod',
  ),
  rule(
    'pss-sysctls',
    'warning',
    'policy',
    "a pod sets a sysctl outside the baseline's safe list (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, " +
      'net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start, ' +
      'net.ipv4.ip_local_reserved_ports) (Pod Security baseline)',
    "an unsafe sysctl changes the node's kernel for every pod on it; admission rejects the pod",
    'remove the sysctl, or tune the node instead',
  ),
  rule(
    'pss-selinux',
    'warning',
    'policy',
    'an SELinux type other than container_t, container_init_t or container_kvm_t, or any SELinux user or role (Pod Security baseline)',
    "a custom SELinux label can lift the container's confinement; admission rejects the pod",
    'remove seLinuxOptions, or keep to the allowed types',
  ),
  rule(
    'pss-apparmor',
    'warning',
    'policy',
    'an AppArmor profile other than runtime/default or localhost/* (annotation ' +
      'container.apparmor.security.beta.kubernetes.io/*, or appArmorProfile Unconfined) (Pod Security baseline)',
    'an unconfined container has no AppArmor protection; admission rejects the pod',
    'remove the annotation, or use runtime/default or a localhost/ profile',
  ),
  rule(
    'pss-proc-mount',
    'warning',
    'policy',
    'a container sets procMount to anything but Default (Pod Security baseline)',
    "an unmasked /proc exposes the host's kernel interfaces; admission rejects the pod",
    'remove securityContext.procMount',
  ),
  rule(
    'pss-host-process',
    'warning',
    'policy',
    'a pod or container runs as a Windows HostProcess (Pod Security baseline)',
    'a HostProcess container has full access to the Windows node; admission rejects the pod',
    'remove windowsOptions.hostProcess',
  ),
  rule(
    'pss-volume-types',
    'warning',
    'policy',
    'a volume type outside the restricted set (configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret)',
    'other volume types reach node or network storage directly',
    'use a PersistentVolumeClaim',
  ),
  rule(
    'resources-missing',
    'warning',
    'policy',
    'a container has no CPU request, memory request or memory limit',
    "the scheduler cannot place it well, and one pod can take the node's memory",
    'set resources.requests.cpu, resources.requests.memory and resources.limits.memory',
  ),
  rule(
    'probe-missing',
    'warning',
    'policy',
    'a long-running container has no readiness or liveness probe',
    'traffic reaches it before it is ready, and a hung process is never restarted',
    'add readinessProbe and livenessProbe',
  ),
  rule(
    'probe-port',
    'error',
    'policy',
    'a probe targets a named port the container does not declare (a number needs no declared port: declaring ports is optional)',
    'the name resolves to no port, so the probe always fails: the pod never gets ready, or restarts forever',
    "point the probe at one of the container's port names, or at the number it listens on",
  ),
  rule(
    'image-tag',
    'warning',
    'policy',
    'an image has no tag, or the tag latest',
    'nodes run different images, and rollbacks are impossible',
    "pin a version tag or digest, such as 'postgres:17.6-bookworm'",
  ),
  rule(
    'secret-in-configmap',
    'error',
    'policy',
    'a ConfigMap key looks secret (PASSWORD, TOKEN, SECRET, API_KEY, …)',
    'ConfigMaps are readable by anyone who can read config, and are committed to git',
    'move the value to a Secret and reference it with secretKeyRef',
  ),
  rule(
    'secret-in-env',
    'error',
    'policy',
    'a secret-looking environment variable has a literal value',
    'the value is in the manifest, the pod spec and every describe',
    'use valueFrom.secretKeyRef',
  ),
  rule(
    'database-port-exposed',
    'error',
    'policy',
    'a database port (5432, 3306, 27017, 6379, …) is exposed through a NodePort or LoadBalancer Service',
    'the database is reachable from outside the cluster',
    'use a ClusterIP Service; reach it from inside, or through a bastion',
  ),
  rule(
    'ingress-class-missing',
    'warning',
    'policy',
    'an Ingress has no ingressClassName',
    'it depends on a default IngressClass that may not exist, or is picked up by every controller',
    "set spec.ingressClassName, such as 'nginx'",
  ),
  rule(
    'database-replicas',
    'error',
    'policy',
    'a single-primary database image (postgres, mysql, mariadb) runs with more than one replica',
    'each replica is an independent database: clients see different data on every connection',
    'run one replica, or use an operator that sets up replication (a CloudNativePG Cluster with instances > 1 is not ' +
      'a pod template and is not reported)',
  ),
  rule(
    'rwo-deployment',
    'error',
    'policy',
    'a Deployment mounts a ReadWriteOnce claim; or a ReadWriteOncePod claim with more than one replica or a RollingUpdate strategy',
    'ReadWriteOnce is per node: a replacement pod (after a deletion or eviction) starts while the old one ' +
      'terminates, and both write the volume (two postmasters on one data directory); with ReadWriteOncePod, a second ' +
      'pod waits forever',
    'use a StatefulSet (its replacement pod waits for the old one), or a ReadWriteOncePod claim (a CSI driver that ' +
      'supports it) with replicas: 1 and strategy Recreate',
  ),

  rule(
    'ingress-tls-secret-missing',
    'warning',
    'reference',
    "an Ingress's tls[].secretName is not in the set, not provided by the cluster, and not issued by cert-manager",
    'the ingress controller serves its default, untrusted certificate until the Secret is made outside the set',
    'add the kubernetes.io/tls Secret, declare it provided (annotation validator.todo-stack/provided-secrets on the ' +
      'Ingress or its Namespace, or --provided-secret), or have cert-manager issue it (annotation ' +
      'cert-manager.io/cluster-issuer or cert-manager.io/issuer)',
  ),

  rule(
    'immutable-field',
    'error',
    'upgrade',
    'with --against: a field that the API server refuses to change on update differs from the previous version ' +
      '(StatefulSet spec outside ' +
      'replicas/template/updateStrategy/minReadySeconds/ordinals/persistentVolumeClaimRetentionPolicy, workload ' +
      'selectors, Job template and selector, PVC spec other than a larger size, PV source, headless Service switches, ' +
      'immutable ConfigMaps and Secrets; what CloudNativePG refuses of a Cluster: a smaller volume, a dropped WAL ' +
      'volume, another postgres uid/gid, an older major version)',
    'kubectl apply, Argo CD and Flux fail on this object at the upgrade, and the stage stays half applied',
    'as the message says: keep the field, or the procedure it names (README, "Upgrades the API server accepts")',
  ),
  rule(
    'provided-secret-added',
    'warning',
    'upgrade',
    'with --against: a Namespace that exists in the previous version declares a Secret the cluster must provide ' +
      '(annotation validator.todo-stack/provided-secrets) that it did not declare before',
    'the pods that read it wait in CreateContainerConfigError until a person creates it',
    'create the Secret in that namespace before applying the new version (README, "Prod Secrets")',
  ),
  rule(
    'wal-archiver-change',
    'info',
    'upgrade',
    "with --against: a CloudNativePG Cluster's WAL archive moves from the in-tree spec.backup.barmanObjectStore to the Barman Cloud plugin, or back",
    'the plugin (and cert-manager) must run in the cluster before the apply, or the instances stop archiving',
    "install the Barman Cloud plugin first, and keep the folder (the plugin's serverName parameter) as it was; " +
      'README, "Moving a Cluster to the Barman Cloud plugin"',
  ),
  rule(
    'wal-archive-moves',
    'warning',
    'upgrade',
    'with --against: a CloudNativePG Cluster archives into another folder (destinationPath/serverName) than the previous version',
    'a new backup history starts in the new folder; the old one is no longer written, and CloudNativePG refuses a ' +
      'folder that already holds another archive',
    'keep destinationPath and serverName as they were, unless a recovered cluster must archive into a new folder',
  ),
  rule(
    'data-left-behind',
    'warning',
    'upgrade',
    'with --against: a claim, a StatefulSet with claim templates, a CloudNativePG Cluster, a PersistentVolume, a ' +
      'Namespace, an Argo CD Application with its resources finalizer or a pruning Flux Kustomization is gone from the ' +
      'new version (removed, renamed or moved)',
    'its data stays in the cluster, unmounted, and a renamed workload starts with empty volumes',
    'keep the name and namespace, or move the data on purpose (dump and restore) before the change',
  ),

  rule(
    'suppression-reason',
    'error',
    'suppression',
    'a suppression annotation gives no reason, or names no known rule',
    'an unexplained exception is a hidden defect',
    "write skip.validator.todo-stack/RULE-ID: 'why this object is an exception'",
  ),
] as const;

/** The id of a rule of the table: a misspelt id in a check fails the type-check instead of throwing at run time. */
export type RuleId = (typeof RULES)[number]['id'];

/**
 * Each rule under its id; a lookup by a RuleId always finds its rule. (Cast because Object.fromEntries types its keys
 * as string; the entries are exactly the table's, and a test checks that every id finds its own rule.)
 */
export const RULES_BY_ID = Object.fromEntries(RULES.map(r => [r.id, r])) as { readonly [Id in RuleId]: Rule<Id> };

/** Whether `id` (from a person: `--skip`, a suppression annotation) names a rule of the table. */
export function isRuleId(id: string): id is RuleId {
  return Object.prototype.hasOwnProperty.call(RULES_BY_ID, id);
}

/** The annotation prefix of a per-object suppression: `skip.validator.todo-stack/<rule-id>: <reason>`. */
export const SUPPRESSION_PREFIX = 'skip.validator.todo-stack/';
export { PROVIDED_SECRETS_ANNOTATION } from '@stateful-todo/kube-conventions';
