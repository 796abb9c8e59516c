import * as path from 'path';

import { stringify } from 'yaml';

import { CrdCatalog } from '../src/custom-resources';
import { parseFile } from '../src/load-manifests';
import { Manifest } from '../src/manifest';
import { RULES } from '../src/rules';
import { ValidateOptions } from '../src/validate-manifests';

import { check, checkText, findingsOf, goodSet, GoodSet } from './support';

interface RuleCase {
  /** Breaks the good set (in place); may return extra objects to add. */
  readonly trigger: (set: GoodSet) => object[] | void;
  /** The message of the finding it must produce. */
  readonly message: RegExp;
  /** The YAML path of that finding, when the rule reports one. */
  readonly path?: string;
  /** A near miss that must not trigger the rule (the good set itself is always checked too). */
  readonly pass?: (set: GoodSet) => object[] | void;
  readonly options?: ValidateOptions;
  /** For parse rules: the raw text instead of the set. */
  readonly text?: { bad: string; good: string };
}

const container = (set: GoodSet) => set.web.spec.template.spec.containers[0] as any;
/** The good set as the previous version (what the cluster runs), for the upgrade rules; `extra` objects added. */
function previousVersion(extra: object[] = []): Manifest[] {
  const into = { manifests: [] as Manifest[], findings: [] };
  parseFile('previous.yaml', [...Object.values(goodSet()), ...extra].map(o => stringify(o)).join('---\n'), into);
  return into.manifests;
}
const oldClaim = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'old-data', namespace: 'shop' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
};
const podSpec = (set: GoodSet) => set.web.spec.template.spec as any;
/** A copy of `web` named `name` whose pods (and, when `track` is given, selector) carry that track. */
function withTrack(web: GoodSet['web'], name: string, track: string | undefined): object {
  const copy = JSON.parse(JSON.stringify(web));
  copy.metadata.name = name;
  copy.spec.template.metadata.labels = { ...copy.spec.template.metadata.labels, track: track ?? 'canary' };
  if (track !== undefined) {
    copy.spec.selector.matchLabels = { ...copy.spec.selector.matchLabels, track };
  }
  return copy;
}
/** The canary of the Kubernetes docs: a stable and a canary Deployment of one app, each selecting its track; the Service spans both. */
function canary(set: GoodSet): object[] {
  const stable = withTrack(set.web, 'web', 'stable');
  Object.assign(set.web, stable);
  return [withTrack(set.web, 'web-canary', 'canary')];
}
/** A CronJob running the archiver's pod on `schedule`. */
const cronJob = (set: GoodSet, schedule: string, timeZone?: string) => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'nightly-archive', namespace: 'shop' },
  spec: {
    schedule,
    timeZone,
    jobTemplate: { spec: { template: JSON.parse(JSON.stringify(set.archiver.spec.template)) } },
  },
});
// A CloudNativePG Cluster archiving in-tree, then through the Barman Cloud plugin into the same folder or another one.
const store = { destinationPath: 's3://shop-backups/db/', s3Credentials: { inheritFromIAMRole: true } };
const inTreeCluster = {
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name: 'db', namespace: 'shop' },
  spec: { instances: 1, storage: { size: '1Gi' }, backup: { barmanObjectStore: store } },
};
const pluginCluster = (serverName: string) => ({
  ...inTreeCluster,
  spec: {
    instances: 1,
    storage: { size: '1Gi' },
    plugins: [
      {
        name: 'barman-cloud.cloudnative-pg.io',
        isWALArchiver: true,
        parameters: { barmanObjectName: 'db-backups', serverName },
      },
    ],
  },
});
const objectStore = {
  apiVersion: 'barmancloud.cnpg.io/v1',
  kind: 'ObjectStore',
  metadata: { name: 'db-backups', namespace: 'shop' },
  spec: { configuration: store },
};

const CASES: Record<string, RuleCase> = {
  'parse-error': {
    trigger: () => undefined,
    message: /^Map keys must be unique|^Nested mappings|^Implicit map keys|document 1/,
    text: {
      bad: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n',
      good: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n',
    },
  },
  'not-kubernetes-object': {
    trigger: () => undefined,
    message: /document 1 is not a Kubernetes object: it needs string fields 'apiVersion' and 'kind'/,
    text: {
      bad: 'name: just some yaml\nitems: [1, 2]\n',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n',
    },
  },
  'unknown-kind': {
    trigger: s => {
      (s.web as any).apiVersion = 'appss/v1';
    },
    message:
      /kind 'Deployment' of apiVersion 'appss\/v1'|apiVersion 'appss\/v1' of kind Deployment is not served by Kubernetes 1\.27\.1/,
    pass: s => {
      (s.pdb as any).apiVersion = 'policy/v1';
    },
  },
  'alpha-kind': {
    trigger: () => [
      { apiVersion: 'networking.k8s.io/v1alpha1', kind: 'IPAddress', metadata: { name: '10.0.0.1' }, spec: {} },
    ],
    message: /networking\.k8s\.io\/v1alpha1\/IPAddress is an alpha API, disabled by default in Kubernetes 1\.27\.1/,
  },
  'custom-resource': {
    trigger: () => [
      { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'shop', namespace: 'shop' }, spec: {} },
    ],
    message:
      /example\.io\/v1\/Widget is a custom resource whose CustomResourceDefinition is not in the set nor given with --crd; only generic checks apply/,
    pass: () => [
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: 'shop', namespace: 'shop' },
        spec: {},
      },
    ],
    options: { crds: CrdCatalog.fromFiles([path.join(__dirname, '..', '..', '..', 'crds')]) },
  },
  'schema-violation': {
    trigger: s => {
      (s.web.spec as any).replicaz = 3;
    },
    message: /unknown field 'replicaz' in spec \(did you mean 'replicas'\?\)/,
    path: 'spec.replicaz',
    pass: s => {
      (s.web.spec as any).replicas = 3;
    },
  },
  'invalid-quantity': {
    trigger: s => {
      s.claim.spec.resources.requests.storage = '5GB';
    },
    message: /'5GB' is not a Kubernetes quantity/,
    path: 'spec.resources.requests.storage',
    pass: s => {
      s.claim.spec.resources.requests.storage = '5G';
      s.volume.spec.capacity.storage = '10G';
    },
  },
  'invalid-name': {
    trigger: s => {
      s.webService.metadata.name = '1web';
    },
    message: /name '1web' of a Service must be a DNS-1035 label \(starting with a letter\)/,
    path: 'metadata.name',
    pass: s => {
      s.config.metadata.name = '1web-config.v2';
      container(s).env[0].valueFrom.configMapKeyRef.name = '1web-config.v2';
    },
  },
  'invalid-label': {
    trigger: s => {
      (s.web.metadata.labels as any)['app/'] = 'x';
      (s.web.metadata.labels as any).tier = '-front';
    },
    message: /label value '-front' of 'tier' is malformed/,
    pass: s => {
      (s.web.metadata.labels as any)['example.com/tier'] = 'front_end.v1';
    },
  },
  'invalid-annotation': {
    trigger: s => {
      (s.web.metadata as any).annotations = { 'Bad Key!': 'x' };
    },
    message: /annotation key 'Bad Key!' is malformed/,
    pass: s => {
      (s.web.metadata as any).annotations = { 'example.com/owner': 'team a, with spaces: ok' };
    },
  },
  'invalid-port': {
    trigger: s => {
      container(s).ports[0].containerPort = 70000;
      container(s).livenessProbe.tcpSocket.port = 70000;
    },
    message: /containerPort 70000 is outside 1-65535/,
    path: 'spec.template.spec.containers[0].ports[0].containerPort',
    pass: s => {
      container(s).ports[0].containerPort = 65535;
      container(s).livenessProbe.tcpSocket.port = 65535;
    },
  },
  'invalid-port-name': {
    trigger: s => {
      container(s).ports[0].name = 'http-metrics-port';
      container(s).readinessProbe.httpGet.port = 'http-metrics-port';
    },
    message: /port name 'http-metrics-port' is longer than 15 characters \(IANA service name\)/,
    path: 'spec.template.spec.containers[0].ports[0].name',
    pass: s => {
      container(s).ports[0].name = 'http-metrics-1';
      container(s).readinessProbe.httpGet.port = 'http-metrics-1';
      s.webService.spec.ports[0].targetPort = 'http-metrics-1';
    },
  },
  'limit-below-request': {
    trigger: s => {
      container(s).resources = { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '250m', memory: '256Mi' } };
    },
    message: /cpu limit 250m is below its request 500m/,
    path: 'spec.template.spec.containers[0].resources.limits.cpu',
    pass: s => {
      container(s).resources = { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '0.5', memory: '0.25Gi' } };
    },
  },
  'duplicate-container-name': {
    trigger: s => {
      podSpec(s).initContainers = [
        { ...container(s), ports: undefined, readinessProbe: undefined, livenessProbe: undefined },
      ];
    },
    message: /container name 'web' is also used at spec\.template\.spec\.initContainers\.0/,
    path: 'spec.template.spec.containers[0].name',
    pass: s => {
      podSpec(s).initContainers = [
        { ...container(s), name: 'web-init', ports: undefined, readinessProbe: undefined, livenessProbe: undefined },
      ];
    },
  },
  'volume-mount-missing': {
    trigger: s => {
      container(s).volumeMounts.push({ name: 'cache', mountPath: '/cache' });
    },
    message: /volumeMount 'cache' names no volume of the pod \(its volumes: 'tmp'\)/,
    path: 'spec.template.spec.containers[0].volumeMounts[1].name',
    pass: s => {
      container(s).volumeMounts.push({ name: 'cache', mountPath: '/cache' });
      podSpec(s).volumes.push({ name: 'cache', emptyDir: {} });
    },
  },
  'invalid-subpath': {
    trigger: s => {
      container(s).volumeMounts[0].subPath = '../etc';
    },
    message: /subPath '\.\.\/etc' contains '\.\.'; it must be a relative path inside the volume/,
    path: 'spec.template.spec.containers[0].volumeMounts[0].subPath',
    pass: s => {
      container(s).volumeMounts[0].subPath = 'web..cache/data';
    },
  },
  'service-account-missing': {
    trigger: s => {
      podSpec(s).serviceAccountName = 'web-runner';
    },
    message: /ServiceAccount 'web-runner' is not in namespace 'shop'/,
    path: 'spec.template.spec.serviceAccountName',
    pass: s => {
      podSpec(s).serviceAccountName = 'web-runner';
      return [
        {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'web-runner', namespace: 'shop' },
          automountServiceAccountToken: false,
        },
      ];
    },
  },
  'image-pull-secret-missing': {
    trigger: s => {
      podSpec(s).imagePullSecrets = [{ name: 'registry' }];
    },
    message: /image pull Secret 'registry' is not in namespace 'shop' \(nor declared as provided by the cluster\)/,
    path: 'spec.template.spec.imagePullSecrets[0].name',
    pass: s => {
      podSpec(s).imagePullSecrets = [{ name: 'registry' }];
      (s.shop.metadata as any).annotations = { 'validator.todo-stack/provided-secrets': 'registry' };
    },
  },
  'priority-class-missing': {
    trigger: s => {
      podSpec(s).priorityClassName = 'high';
    },
    message: /PriorityClass 'high' is not in the set \(nor one of 'system-cluster-critical', 'system-node-critical'\)/,
    path: 'spec.template.spec.priorityClassName',
    pass: s => {
      podSpec(s).priorityClassName = 'high';
      return [
        {
          apiVersion: 'scheduling.k8s.io/v1',
          kind: 'PriorityClass',
          metadata: { name: 'high' },
          value: 1000,
          description: 'user-facing services',
        },
      ];
    },
  },
  'duplicate-env': {
    trigger: s => {
      container(s).env.push({ name: 'LOG_LEVEL', value: 'debug' });
    },
    message: /environment variable 'LOG_LEVEL' is set twice in container 'web'; the later one silently wins/,
    path: 'spec.template.spec.containers[0].env[2].name',
    pass: s => {
      container(s).env.push({ name: 'LOG_FORMAT', value: 'json' });
    },
  },
  'probe-udp-port': {
    trigger: s => {
      container(s).ports.push({ name: 'dns', containerPort: 5353, protocol: 'UDP' });
      container(s).livenessProbe.tcpSocket.port = 'dns';
    },
    message: /livenessProbe tcpSocket targets port "dns", which the container declares as UDP/,
    path: 'spec.template.spec.containers[0].livenessProbe.tcpSocket.port',
    pass: s => {
      container(s).ports.push(
        { name: 'dns', containerPort: 5353, protocol: 'UDP' },
        { name: 'dns-tcp', containerPort: 5353, protocol: 'TCP' },
      );
      container(s).livenessProbe.tcpSocket.port = 'dns-tcp';
    },
  },
  'network-policy-peer-no-match': {
    trigger: s => {
      (s.policy.spec.ingress[0].from[0] as any).podSelector = { matchLabels: { app: 'webb' } };
    },
    message: /from podSelector \{"matchLabels":\{"app":"webb"\}\} matches no pod template in namespace 'shop'/,
    path: 'spec.ingress[0].from[0].podSelector',
    pass: s => {
      (s.policy.spec.ingress[0].from as any[]).push(
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
          podSelector: { matchLabels: { app: 'web' } },
        },
        // A namespace chosen by other labels cannot be resolved here: not reported.
        { namespaceSelector: { matchLabels: { team: 'payments' } }, podSelector: { matchLabels: { app: 'billing' } } },
      );
    },
  },
  'pss-sysctls': {
    trigger: s => {
      podSpec(s).securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }];
    },
    message: /sysctl 'kernel.msgmax' is not one of the safe sysctls/,
    path: 'spec.template.spec.securityContext.sysctls[0].name',
    pass: s => {
      podSpec(s).securityContext.sysctls = [{ name: 'net.ipv4.ip_local_reserved_ports', value: '30000-30100' }];
    },
  },
  'pss-selinux': {
    trigger: s => {
      podSpec(s).securityContext.seLinuxOptions = { type: 'spc_t' };
      container(s).securityContext = { ...container(s).securityContext, seLinuxOptions: { role: 'sysadm_r' } };
    },
    message: /the pod's SELinux type is 'spc_t'/,
    path: 'spec.template.spec.securityContext.seLinuxOptions.type',
    pass: s => {
      podSpec(s).securityContext.seLinuxOptions = { type: 'container_t', level: 's0:c123,c456' };
    },
  },
  'pss-apparmor': {
    trigger: s => {
      (s.web.spec.template.metadata as any).annotations = {
        'container.apparmor.security.beta.kubernetes.io/web': 'unconfined',
      };
    },
    message: /AppArmor profile of container 'web' is 'unconfined'/,
    path: 'spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/web"]',
    pass: s => {
      (s.web.spec.template.metadata as any).annotations = {
        'container.apparmor.security.beta.kubernetes.io/web': 'localhost/k8s-nginx',
      };
    },
  },
  'pss-proc-mount': {
    trigger: s => {
      container(s).securityContext = { ...container(s).securityContext, procMount: 'Unmasked' };
    },
    message: /container 'web' mounts \/proc Unmasked/,
    path: 'spec.template.spec.containers[0].securityContext.procMount',
    pass: s => {
      container(s).securityContext = { ...container(s).securityContext, procMount: 'Default' };
    },
  },
  'pss-host-process': {
    trigger: s => {
      podSpec(s).securityContext.windowsOptions = { hostProcess: true };
    },
    message: /the pod runs as a Windows HostProcess/,
    path: 'spec.template.spec.securityContext.windowsOptions.hostProcess',
    pass: s => {
      podSpec(s).securityContext.windowsOptions = { hostProcess: false, runAsUserName: 'ContainerUser' };
    },
  },
  'duplicate-object': {
    trigger: s => [{ ...s.dbHeadless, spec: { ...s.dbHeadless.spec, clusterIP: undefined } }],
    message: /Service 'db-headless' is defined twice; the first is at set\.yaml:\d+/,
    pass: s => [
      {
        ...s.dbHeadless,
        metadata: { name: 'db-headless', namespace: 'edge' },
        spec: { clusterIP: 'None', ports: [{ port: 5432 }] },
      },
    ],
  },
  'namespace-missing': {
    trigger: s => {
      s.config.metadata.namespace = 'shopp';
    },
    message: /namespace 'shopp' is not in the set and not known to exist/,
    path: 'metadata.namespace',
    pass: s => {
      s.alias.metadata.namespace = 'ingress-nginx';
      s.ingress.metadata.namespace = 'ingress-nginx';
    },
    options: { existingNamespaces: ['ingress-nginx'] },
  },
  'service-selector-no-match': {
    trigger: s => {
      s.webService.spec.selector = { app: 'webb' };
    },
    message: /selector \{"app":"webb"\} matches no pod template in namespace 'shop'/,
    path: 'spec.selector',
    pass: s => {
      (s.webService.spec as any).selector = undefined;
    },
  },
  'service-target-port': {
    trigger: s => {
      s.webService.spec.ports[0].targetPort = 'web';
    },
    message: /targetPort "web" is not a port name of any container the selector matches/,
    path: 'spec.ports[0].targetPort',
    // Declaring ports is optional: a number the container does not list is not reported.
    pass: s => {
      (s.webService.spec.ports[0] as any).targetPort = 9090;
    },
  },
  'statefulset-service': {
    trigger: s => {
      (s.db.spec as any).serviceName = undefined;
    },
    message: /StatefulSet has no serviceName/,
    pass: s => {
      s.dbHeadless.metadata.name = 'db';
      s.db.spec.serviceName = 'db';
    },
  },
  'externalname-target-missing': {
    trigger: s => {
      s.alias.spec.externalName = 'web.shopp.svc.cluster.local';
    },
    message:
      /externalName 'web\.shopp\.svc\.cluster\.local' names Service 'web' in namespace 'shopp', which is not in the set/,
    pass: s => {
      s.alias.spec.externalName = 'api.example.com';
    },
  },
  'ingress-backend-missing': {
    trigger: s => {
      s.ingress.spec.rules[0].http.paths[0].backend.service.name = 'web-aliass';
    },
    message: /backend Service 'web-aliass' is not in namespace 'edge'/,
    pass: s => {
      (s.ingress.spec.rules[0].http.paths[0].backend.service as any).port = { name: 'http' };
    },
  },
  'ingress-backend-port': {
    trigger: s => {
      (s.alias.spec as any).ports = undefined;
    },
    message: /Service 'web-alias' has no port 80 \(it declares no ports\)/,
    pass: s => {
      (s.ingress.spec.rules[0].http.paths[0].backend.service as any).port = { name: 'http' };
    },
  },
  'config-reference-missing': {
    trigger: s => {
      container(s).env[1].valueFrom.secretKeyRef.name = 'vault-tokn';
    },
    message:
      /Secret 'vault-tokn' is not in namespace 'shop' of the set: the pod waits until something outside the set makes it/,
    pass: s => {
      container(s).env[1].valueFrom.secretKeyRef = { name: 'vault-token', key: 'TOKEN' };
    },
    options: { providedSecrets: ['shop/vault-token'] },
  },
  'config-key-missing': {
    trigger: s => {
      container(s).env[1].valueFrom.secretKeyRef.key = 'API_TOKN';
    },
    message: /Secret 'web-secret' has no key 'API_TOKN' \(it has 'API_TOKEN'\)/,
    pass: s => {
      (s.secret as any).stringData = { API_TOKN: 'made-by-hand' };
      container(s).env[1].valueFrom.secretKeyRef.key = 'API_TOKN';
    },
  },
  'pvc-missing': {
    trigger: s => {
      s.archiver.spec.template.spec.volumes[0].persistentVolumeClaim.claimName = 'archives';
    },
    message: /PersistentVolumeClaim 'archives' is not in namespace 'shop'/,
  },
  'pv-pvc-mismatch': {
    trigger: s => {
      s.volume.spec.accessModes = ['ReadWriteMany'];
      s.volume.spec.capacity.storage = '5Gi';
    },
    message: new RegExp(
      String.raw`cannot bind to PersistentVolume 'shop-archive' .*access modes \["ReadWriteOnce"\] are not all ` +
        String.raw`offered by the volume's \["ReadWriteMany"\]; the claim requests 10Gi but the volume holds 5Gi`,
    ),
    pass: s => {
      s.volume.spec.accessModes = ['ReadWriteOnce', 'ReadOnlyMany'];
      s.volume.spec.capacity.storage = '20Gi';
    },
  },
  'target-no-match': {
    trigger: s => {
      s.hpa.spec.scaleTargetRef.name = 'webb';
    },
    message: /scaleTargetRef Deployment 'webb' is not in namespace 'shop'/,
    // A label the StatefulSet controller adds to its first pod.
    pass: s => {
      s.pdb.spec.selector = { matchLabels: { app: 'db', 'statefulset.kubernetes.io/pod-name': 'db-0' } } as any;
    },
  },
  'scale-target-mismatch': {
    trigger: s => {
      s.hpa.spec.scaleTargetRef.apiVersion = 'app/v1';
    },
    message: /scaleTargetRef apiVersion 'app\/v1' does not match the Deployment's 'apps\/v1'/,
    pass: s => {
      (s.hpa.spec.scaleTargetRef as any).apiVersion = undefined;
    },
  },
  'invalid-schedule': {
    trigger: s => [cronJob(s, '0 25 * * *', 'Mars/Olympus')],
    message: /schedule '0 25 \* \* \*' has a bad hour field '25': values must be from 0 to 23/,
    path: 'spec.schedule',
    pass: s => [cronJob(s, '0 23 * * mon-fri', 'Europe/Paris')],
  },
  'selector-template-mismatch': {
    trigger: s => {
      s.web.spec.template.metadata.labels = { app: 'website' };
      s.webService.spec.selector = { app: 'website' };
    },
    message: /selector \{"matchLabels":\{"app":"web"\}\} does not match the pod template's labels \{"app":"website"\}/,
  },
  'workload-selector-overlap': {
    // A second Deployment of the same pods, without a label of its own: both selectors match both templates.
    trigger: s => [withTrack(s.web, 'web-canary', undefined)],
    message: new RegExp(
      String.raw`^selector 'app=web' matches the pods of Deployment shop\/web too, and the selector of Deployment ` +
        String.raw`shop\/web \('app=web'\) matches these pods too: each controller adopts the other's orphaned pods`,
    ),
    path: 'spec.selector',
    // The canary of the Kubernetes docs: each Deployment selects its own track.
    pass: canary,
  },
  'service-selects-two-workloads': {
    trigger: s => {
      s.web.spec.template.metadata.labels = { ...s.web.spec.template.metadata.labels, tier: 'shop' } as any;
      s.db.spec.template.metadata.labels = { ...s.db.spec.template.metadata.labels, tier: 'shop' } as any;
      return [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'everything', namespace: 'shop' },
          spec: { selector: { tier: 'shop' }, ports: [{ port: 5432, targetPort: 'pg' }] },
        },
      ];
    },
    message: new RegExp(
      String.raw`^selector 'tier=shop' matches the pods of Deployment shop\/web and of StatefulSet shop\/db, which ` +
        String.raw`are not one application \(their pods differ in app \('web' vs 'db'\)\): each connection goes to ` +
        String.raw`any of them$`,
    ),
    path: 'spec.selector',
    // One Service over a stable and a canary Deployment of one application is what a canary is.
    pass: canary,
  },
  'pss-privileged': {
    trigger: s => {
      container(s).securityContext = { ...container(s).securityContext, privileged: true };
    },
    message: /container 'web' is privileged/,
    pass: s => {
      container(s).securityContext = { ...container(s).securityContext, privileged: false };
    },
  },
  'pss-host-namespaces': {
    trigger: s => {
      podSpec(s).hostNetwork = true;
    },
    message: /hostNetwork is true/,
    pass: s => {
      podSpec(s).hostNetwork = false;
    },
  },
  'pss-host-path': {
    trigger: s => {
      podSpec(s).volumes[0] = { name: 'tmp', hostPath: { path: '/tmp' } };
    },
    message: /volume 'tmp' mounts host path '\/tmp'/,
  },
  'pss-host-port': {
    trigger: s => {
      container(s).ports[0].hostPort = 8080;
    },
    message: /container 'web' binds host port 8080/,
    pass: s => {
      container(s).ports[0].hostPort = 0;
    },
  },
  'pss-run-as-non-root': {
    trigger: s => {
      podSpec(s).securityContext.runAsNonRoot = undefined;
      container(s).securityContext = { ...container(s).securityContext, runAsNonRoot: undefined };
    },
    message: /container 'web' does not set runAsNonRoot: true \(nor does the pod\)/,
    pass: s => {
      container(s).securityContext = { ...container(s).securityContext, runAsNonRoot: undefined };
    },
  },
  'pss-privilege-escalation': {
    trigger: s => {
      container(s).securityContext = { ...container(s).securityContext, allowPrivilegeEscalation: undefined };
    },
    message: /container 'web' does not set allowPrivilegeEscalation: false/,
  },
  'pss-capabilities': {
    trigger: s => {
      container(s).securityContext = {
        ...container(s).securityContext,
        capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] },
      };
    },
    message: /container 'web' adds SYS_ADMIN/,
    pass: s => {
      container(s).securityContext = {
        ...container(s).securityContext,
        capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
      };
    },
  },
  'pss-seccomp': {
    trigger: s => {
      podSpec(s).securityContext.seccompProfile = { type: 'Unconfined' };
    },
    message: /the pod's seccomp profile is Unconfined/,
    pass: s => {
      podSpec(s).securityContext.seccompProfile = undefined;
      container(s).securityContext = {
        ...container(s).securityContext,
        seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' },
      };
    },
  },
  'pss-volume-types': {
    trigger: s => {
      podSpec(s).volumes[0] = { name: 'tmp', nfs: { server: 'nfs.example.com', path: '/export' } };
    },
    message: /volume 'tmp' is of type nfs/,
    pass: s => {
      podSpec(s).volumes[0] = {
        name: 'tmp',
        ephemeral: {
          volumeClaimTemplate: {
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        },
      };
    },
  },
  'resources-missing': {
    trigger: s => {
      container(s).resources = { requests: { cpu: '100m' } };
    },
    message: /container 'web' has no memory request, no memory limit/,
  },
  'probe-missing': {
    trigger: s => {
      container(s).readinessProbe = undefined;
    },
    message: /container 'web' has no readiness probe/,
    pass: s => {
      s.archiver.spec.template.spec.containers[0] = { ...s.archiver.spec.template.spec.containers[0] };
    },
  },
  'probe-port': {
    trigger: s => {
      container(s).readinessProbe.httpGet.port = 'https';
    },
    message: /readinessProbe of container 'web' targets port 'https', which the container does not declare/,
    pass: s => {
      container(s).readinessProbe.httpGet.port = 8080;
    },
  },
  'image-tag': {
    trigger: s => {
      container(s).image = 'nginxinc/nginx-unprivileged';
    },
    message: /container 'web' runs 'nginxinc\/nginx-unprivileged', which means 'latest'/,
    pass: s => {
      container(s).image = 'registry.local:5000/nginx@sha256:' + 'a'.repeat(64);
    },
  },
  'secret-in-configmap': {
    trigger: s => {
      (s.config.data as any).DB_PASSWORD = 'hunter2';
    },
    message: /ConfigMap key 'DB_PASSWORD' looks like a secret/,
    path: 'data.DB_PASSWORD',
    pass: s => {
      (s.config.data as any).POSTGRES_PASSWORD_FILE = '/run/secrets/pg';
      (s.config.data as any).PGDATA = '/data';
    },
  },
  'secret-in-env': {
    trigger: s => {
      container(s).env.push({ name: 'API_KEY', value: 'abc123' });
    },
    message: /container 'web' sets API_KEY to a literal value/,
    pass: s => {
      container(s).env.push({ name: 'DB_HOST', value: 'db' }, { name: 'TOKEN_FILE', value: '/run/token' });
    },
  },
  'database-port-exposed': {
    trigger: s => {
      (s.dbHeadless.spec as any).clusterIP = undefined;
      (s.dbHeadless.spec as any).type = 'NodePort';
    },
    message: /NodePort Service exposes PostgreSQL port 5432/,
    pass: s => {
      (s.webService.spec as any).type = 'LoadBalancer';
    },
  },
  'ingress-class-missing': {
    trigger: s => {
      (s.ingress.spec as any).ingressClassName = undefined;
    },
    message: /the Ingress sets no ingressClassName/,
    pass: s => {
      (s.ingress.spec as any).ingressClassName = undefined;
      (s.ingress.metadata as any).annotations = { 'kubernetes.io/ingress.class': 'nginx' };
    },
  },
  'database-replicas': {
    trigger: s => {
      s.db.spec.replicas = 3;
    },
    message: /3 replicas of 'postgres:16\.4-bookworm' are 3 independent databases/,
    pass: s => {
      container(s).image = 'bitnami/postgresql-repmgr:16.4.0';
    },
  },
  'rwo-deployment': {
    // Even one replica with Recreate: a deleted or evicted pod's replacement starts while it still terminates.
    trigger: s => {
      s.archiver.spec.template.spec.volumes[0].persistentVolumeClaim.claimName = 'other';
      s.web.spec.replicas = 1;
      (s.web.spec as any).strategy = { type: 'Recreate' };
      (s.hpa.spec as any).minReplicas = 1;
      (s.hpa.spec as any).maxReplicas = 1;
      podSpec(s).volumes.push({ name: 'archive', persistentVolumeClaim: { claimName: 'archive' } });
    },
    message:
      /the Deployment mounts ReadWriteOnce claim 'archive': when a pod is deleted or evicted, its replacement starts while it is still terminating/,
    pass: s => {
      s.web.spec.replicas = 1;
      (s.web.spec as any).strategy = { type: 'Recreate' };
      (s.hpa.spec as any).minReplicas = 1;
      (s.hpa.spec as any).maxReplicas = 1;
      s.claim.spec.accessModes = ['ReadWriteOncePod'];
      s.volume.spec.accessModes = ['ReadWriteOncePod'];
      podSpec(s).volumes.push({ name: 'archive', persistentVolumeClaim: { claimName: 'archive' } });
    },
  },
  'ingress-tls-secret-missing': {
    trigger: s => {
      (s.ingress.spec as any).tls = [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }];
    },
    message:
      /TLS Secret 'shop-tls' is not in namespace 'edge' of the set, not declared as provided, and not issued by cert-manager/,
    path: 'spec.tls[0].secretName',
    pass: s => {
      (s.ingress.spec as any).tls = [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }];
      (s.ingress.metadata as any).annotations = { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' };
    },
  },
  'immutable-field': {
    options: { previous: previousVersion() },
    trigger: s => {
      (s.db.spec.volumeClaimTemplates[0].spec.resources.requests as any).storage = '10Gi';
    },
    message: /^changes from "5Gi" to "10Gi", which the API server refuses on update$/,
    path: 'spec.volumeClaimTemplates[0].spec.resources.requests.storage',
    pass: s => {
      (s.db.spec.template.spec.containers[0] as any).image = 'postgres:16.5-bookworm';
    },
  },
  'wal-archiver-change': {
    options: { previous: previousVersion([inTreeCluster]) },
    trigger: () => [pluginCluster('db'), objectStore],
    message: new RegExp(
      String.raw`^archives WAL and base backups through the Barman Cloud plugin \(ObjectStore 'db-backups'\) ` +
        String.raw`instead of the in-tree spec\.backup\.barmanObjectStore, into s3:\/\/shop-backups\/db\/db, the ` +
        String.raw`same folder: the backup history goes on$`,
    ),
    path: 'spec.plugins',
    pass: () => [inTreeCluster],
  },
  'wal-archive-moves': {
    options: { previous: previousVersion([inTreeCluster]) },
    trigger: () => [pluginCluster('db-2'), objectStore],
    message:
      /^archives into s3:\/\/shop-backups\/db\/db-2 instead of s3:\/\/shop-backups\/db\/db: a new backup history starts there/,
    path: 'spec.plugins',
    pass: () => [pluginCluster('db'), objectStore],
  },
  'data-left-behind': {
    options: { previous: previousVersion([oldClaim]) },
    trigger: () => undefined,
    message: /claim 'old-data' is gone from the new version: its data stays in the cluster, and nothing mounts it/,
    pass: () => [oldClaim],
  },
  'provided-secret-added': {
    options: { previous: previousVersion() },
    trigger: s => {
      (s.shop.metadata as any).annotations = { 'validator.todo-stack/provided-secrets': 'registry' };
      podSpec(s).imagePullSecrets = [{ name: 'registry' }];
    },
    message: new RegExp(
      String.raw`^Namespace 'shop' now expects Secret 'registry' from the cluster, which the previous version did ` +
        String.raw`not: create it before this version is applied`,
    ),
    pass: () => undefined,
  },
  'suppression-reason': {
    trigger: s => {
      (s.web.metadata as any).annotations = { 'skip.validator.todo-stack/probe-missing': '' };
    },
    message: /suppression of 'probe-missing' gives no reason/,
    pass: s => {
      (s.web.metadata as any).annotations = {
        'skip.validator.todo-stack/probe-missing': 'nginx answers on / only once its config is loaded',
      };
    },
  },
};

function run(mutate: ((set: GoodSet) => object[] | void) | undefined, options?: ValidateOptions) {
  const set = goodSet();
  const extra = mutate?.(set) ?? [];
  return check([...Object.values(set), ...extra], options);
}

describe('the good set', () => {
  test('passes every rule', () => {
    const report = run(undefined);
    expect(report.findings).toEqual([]);
    expect(report.objectCount).toBe(Object.keys(goodSet()).length);
  });
});

describe('every rule', () => {
  test('has a case here that triggers it', () => {
    expect(RULES.map(r => r.id).filter(id => !CASES[id])).toEqual([]);
  });

  test.each(RULES.map(r => [r.id, r.severity] as const))(
    '%s (%s) is reported with its message, and not on a near miss',
    (id, severity) => {
      const c = CASES[id];
      const bad = c.text ? checkText(c.text.bad) : run(c.trigger, c.options);
      const found = findingsOf(bad, id);
      expect(found.length).toBeGreaterThanOrEqual(1);
      expect(found.map(f => f.message)).toEqual(expect.arrayContaining([expect.stringMatching(c.message)]));
      expect(found[0].severity).toBe(severity);
      expect(found[0].fix.length).toBeGreaterThan(10);
      expect(found[0].line).toBeGreaterThanOrEqual(1);
      if (c.path) {
        expect(found.map(f => f.path)).toContain(c.path);
      }
      const good = c.text ? checkText(c.text.good) : run(c.pass, c.options);
      expect(findingsOf(good, id)).toEqual([]);
    },
  );
});

describe('the upgrade check and objects made with generateName', () => {
  test('a Job template for `kubectl create` (generateName, no name) is never compared: each create makes a new Job', () => {
    const restoreJob = (image: string) => {
      const set = goodSet();
      const template = JSON.parse(JSON.stringify(set.web.spec.template));
      template.spec.containers[0].image = image;
      template.spec.restartPolicy = 'Never';
      return {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { generateName: 'restore-', namespace: 'shop' },
        spec: { template },
      };
    };
    const previous = previousVersion([restoreJob('registry.example.com/shop:1.0.0')]);
    const report = run(() => [restoreJob('registry.example.com/shop:1.1.0')], { previous });
    expect(findingsOf(report, 'immutable-field')).toEqual([]);
    // The same change to a named Job is what the API server refuses.
    const named = (image: string) => ({ ...restoreJob(image), metadata: { name: 'restore', namespace: 'shop' } });
    const refused = run(() => [named('registry.example.com/shop:1.1.0')], {
      previous: previousVersion([named('registry.example.com/shop:1.0.0')]),
    });
    expect(findingsOf(refused, 'immutable-field').map(f => f.path)).toContain('spec.template.spec.containers[0].image');
  });
});

describe('a WAL archive moving', () => {
  test('is reported at the spec field that now sets it up: spec.backup back in-tree, spec.plugins to the plugin', () => {
    const paths = (previous: object[], next: object[]) =>
      ['wal-archiver-change', 'wal-archive-moves'].map(id =>
        findingsOf(
          run(() => next, { previous: previousVersion(previous) }),
          id,
        ).map(f => f.path),
      );
    expect(paths([pluginCluster('db-2'), objectStore], [inTreeCluster])).toEqual([['spec.backup'], ['spec.backup']]);
    expect(paths([inTreeCluster], [pluginCluster('db-2'), objectStore])).toEqual([['spec.plugins'], ['spec.plugins']]);
  });
});

describe('probe-missing and helper containers', () => {
  test('a helper beside a container with a readiness probe needs a liveness probe only; a pod with no readiness at all is reported', () => {
    const helper = {
      name: 'exporter',
      image: 'quay.io/prometheuscommunity/postgres-exporter:v0.17.1',
      resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
    };
    const withHelper = run(s => {
      podSpec(s).containers.push({
        ...helper,
        livenessProbe: { tcpSocket: { port: 9187 } },
        ports: [{ containerPort: 9187 }],
      });
    });
    expect(findingsOf(withHelper, 'probe-missing')).toEqual([]);
    const noLiveness = run(s => {
      podSpec(s).containers.push(helper);
    });
    expect(findingsOf(noLiveness, 'probe-missing').map(f => f.message)).toEqual([
      "container 'exporter' has no liveness probe",
    ]);
    const noReadiness = run(s => {
      delete podSpec(s).containers[0].readinessProbe;
      podSpec(s).containers.push({
        ...helper,
        livenessProbe: { tcpSocket: { port: 9187 } },
        ports: [{ containerPort: 9187 }],
      });
    });
    expect(findingsOf(noReadiness, 'probe-missing').map(f => f.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/has no readiness probe/)]),
    );
  });
});

describe('what the API server rejects of a CronJob and a Service, beyond the schema', () => {
  const scheduleFindings = (schedule: string, timeZone?: string) =>
    findingsOf(
      run(s => [cronJob(s, schedule, timeZone)]),
      'invalid-schedule',
    ).map(f => `${f.path}: ${f.message}`);

  test.each([
    ['0 3 * *', /^spec\.schedule: schedule '0 3 \* \*' must have five fields .*found 4$/],
    ['0 0 3 * * *', /found 6$/],
    ['0 25 * * *', /bad hour field '25'/],
    ['0 3 * * 7', /bad day of week field '7': values must be from 0 to 6 or sun\.\.sat/],
    ['*/0 * * * *', /a step must be at least 1/],
    ['0 3 * * fri-mon', /a range must go from low to high/],
    ['@fortnightly', /must be one of @yearly/],
    ['CRON_TZ=Europe/Paris 0 3 * * *', /must not set a time zone in the schedule/],
  ])('schedule %j is an error', (schedule, message) => {
    expect(scheduleFindings(schedule)).toEqual([expect.stringMatching(message)]);
  });

  test.each(['0 3 * * *', '*/15 9-17 * * mon-fri', '0 0 1,15 jan-jun ?', '5/10 * * * *', '@weekly', '@every 90m'])(
    'schedule %j is not',
    schedule => {
      expect(scheduleFindings(schedule)).toEqual([]);
    },
  );

  test.each([
    ['Mars/Olympus', /^spec\.timeZone: timeZone 'Mars\/Olympus' is not in the IANA time zone database/],
    [
      'europe/paris',
      /is not in the IANA time zone database as written \(names are case-sensitive\): write 'Europe\/Paris'/,
    ],
    ['Local', /must name an explicit time zone/],
    ['', /must be a non-empty time zone name/],
  ])('timeZone %j is an error', (timeZone, message) => {
    expect(scheduleFindings('0 3 * * *', timeZone)).toEqual([expect.stringMatching(message)]);
  });

  test.each(['Europe/Paris', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'UTC', undefined])(
    'timeZone %j is not',
    timeZone => {
      expect(scheduleFindings('0 3 * * *', timeZone)).toEqual([]);
    },
  );

  test("a Service's targetPort name longer than 15 characters, or not IANA_SVC_NAME syntax, is an error; a valid one is not", () => {
    const targetPortNames = (name: string) =>
      findingsOf(
        run(s => {
          container(s).ports[0].name = name.length <= 15 ? name : 'http';
          (s.webService.spec.ports[0] as any).targetPort = name;
        }),
        'invalid-port-name',
      )
        .filter(f => f.path === 'spec.ports[0].targetPort')
        .map(f => f.message);
    expect(targetPortNames('http-metrics-port')).toEqual([
      "targetPort name 'http-metrics-port' is longer than 15 characters (IANA service name)",
    ]);
    expect(targetPortNames('Http_Metrics')).toEqual([
      "targetPort name 'Http_Metrics' may hold only lower-case letters, digits and '-' (IANA service name)",
    ]);
    expect(targetPortNames('http-metrics-1')).toEqual([]);
  });
});
