import { parseQuantity } from '@stateful-todo/kube-conventions';

import { Finding, objectFinding } from './finding';
import { Manifest, PathSegment, formatPath } from './manifest';
import { byIdentity, differences, showValue } from './object-differences';
import { PROVIDED_SECRETS_ANNOTATION } from './rules';

// What the API server lets an update change; everything else of these specs is immutable once created.
// k8s.io/kubernetes pkg/apis/apps/validation ValidateStatefulSetUpdate (1.27).
const STATEFUL_SET_MUTABLE = new Set([
  'replicas',
  'template',
  'updateStrategy',
  'minReadySeconds',
  'ordinals',
  'persistentVolumeClaimRetentionPolicy',
]);
// pkg/apis/batch/validation ValidateJobSpecUpdate: the pod template, the selector and the shape of the Job.
const JOB_IMMUTABLE = ['selector', 'manualSelector', 'template', 'completions', 'completionMode', 'podFailurePolicy'];
// pkg/apis/core/validation ValidatePersistentVolumeUpdate: the volume source and how it is attached are fixed.
const PERSISTENT_VOLUME_MUTABLE = new Set([
  'capacity',
  'accessModes',
  'claimRef',
  'persistentVolumeReclaimPolicy',
  'storageClassName',
  'mountOptions',
]);
const WORKLOADS_WITH_SELECTOR = new Set(['Deployment', 'ReplicaSet', 'DaemonSet']);

const STORAGE_FIX =
  'a claim template cannot change: expand the existing claim (kubectl patch pvc), orphan-delete the StatefulSet ' +
  '(kubectl delete statefulset NAME --cascade=orphan) and apply; README, "Upgrades the API server accepts"';
const CLASS_FIX =
  'a claim cannot move to another storage class: dump the database, orphan-delete the StatefulSet, delete the ' +
  'claim, apply, restore; README, "Upgrades the API server accepts"';
const RECREATE_FIX =
  'the API server rejects this update: give the object a new name (the old one is then pruned), or delete it and ' +
  'apply again (with --cascade=orphan for a workload, so its pods stay)';
// A controller adopts only the orphans its selector matches: after a selector change, the running pods are not.
const STATEFUL_SET_SELECTOR_FIX =
  'a selector cannot change, and a new one does not match the running pods: orphan-delete the ' +
  "StatefulSet (kubectl delete statefulset NAME --cascade=orphan), give its pods the new selector's labels (kubectl label pod " +
  'NAME-0 KEY=VALUE --overwrite), and apply: the new set adopts them and keeps their claims; README, "Upgrades the API server accepts"';
const WORKLOAD_SELECTOR_FIX =
  'a selector cannot change, and a new one does not match the running pods: delete the workload with ' +
  'its pods (kubectl delete KIND NAME) and apply (after an orphan-delete, the old pods would keep running, unadopted, beside ' +
  'the new ones); README, "Upgrades the API server accepts"';

/**
 * The upgrade check: compares the objects of a new version with those of the previous one, matched by API group,
 * kind, namespace and name, and reports every change the API server refuses on update (immutable fields), and every
 * object that held data and is gone. kubeconform and kube-linter see one version only; a live cluster sees two.
 */
export function checkUpgrade(previous: readonly Manifest[], next: readonly Manifest[]): Finding[] {
  const before = byIdentity(previous);
  const after = byIdentity(next);
  const findings: Finding[] = [];
  for (const [key, manifest] of after) {
    const old = before.get(key);
    if (old) {
      findings.push(...immutableChanges(old, manifest), ...providedSecretsAdded(old, manifest));
      if (manifest.object.kind === 'Cluster' && isCloudNativePG(manifest.object)) {
        findings.push(...archiveChanges(old, previous, manifest, next));
      }
    }
  }
  for (const [key, old] of before) {
    if (!after.has(key)) {
      findings.push(...dataLeftBehind(old, next));
    }
  }
  return findings;
}

/** What the API server (or CloudNativePG's webhook) refuses of updating `old` to `manifest`: one finding per field. */
export function immutableChanges(old: Manifest, manifest: Manifest): Finding[] {
  const previous = old.object;
  const next = manifest.object;
  const spec = (o: any) => o.spec ?? {};
  const report = (path: PathSegment[], before: unknown, after: unknown, fix = RECREATE_FIX) =>
    objectFinding(
      'immutable-field',
      manifest,
      path,
      `changes from ${showValue(before)} to ${showValue(after)}, which the API server refuses on update`,
      fix,
    );
  switch (next.kind) {
    case 'StatefulSet':
      return differences(spec(previous), spec(next), ['spec'])
        .filter(d => !STATEFUL_SET_MUTABLE.has(String(d.path[1])))
        .map(d => report(d.path, d.before, d.after, statefulSetFix(d.path)));
    case 'Job':
      return JOB_IMMUTABLE.flatMap(field => differences(spec(previous)[field], spec(next)[field], ['spec', field]))
        .filter(d => !(d.path[1] === 'selector' && spec(next).selector === undefined))
        .map(d => report(d.path, d.before, d.after));
    case 'PersistentVolumeClaim':
      return differences(spec(previous), spec(next), ['spec']).flatMap(d => {
        if (formatPath(d.path) === 'spec.resources.requests.storage') {
          const [before, after] = [parseQuantity(String(d.before)), parseQuantity(String(d.after))];
          return before !== undefined && after !== undefined && after >= before
            ? []
            : [
                report(
                  d.path,
                  d.before,
                  d.after,
                  'a claim can only grow (on a class with allowVolumeExpansion); keep the size, or copy the data to a new claim',
                ),
              ];
        }
        if (d.path[1] === 'volumeName' && d.before === undefined) {
          return [];
        }
        return [report(d.path, d.before, d.after, d.path[1] === 'storageClassName' ? CLASS_FIX : RECREATE_FIX)];
      });
    case 'PersistentVolume':
      return differences(spec(previous), spec(next), ['spec'])
        .filter(d => !PERSISTENT_VOLUME_MUTABLE.has(String(d.path[1])))
        .map(d => report(d.path, d.before, d.after));
    case 'Service': {
      const headless = (o: any) => spec(o).clusterIP === 'None' || (spec(o).clusterIPs ?? [])[0] === 'None';
      if (headless(previous) !== headless(next)) {
        return [
          report(
            ['spec', 'clusterIP'],
            spec(previous).clusterIP,
            spec(next).clusterIP,
            'a Service cannot switch between headless (clusterIP: None) and a cluster IP: give it a new name, or delete it and apply again',
          ),
        ];
      }
      const [before, after] = [spec(previous).clusterIP, spec(next).clusterIP];
      return before !== undefined && after !== undefined && before !== after
        ? [report(['spec', 'clusterIP'], before, after)]
        : [];
    }
    case 'ConfigMap':
    case 'Secret':
      if (previous.immutable !== true) {
        return [];
      }
      return ['immutable', 'data', 'binaryData', 'stringData']
        .flatMap(field => differences(previous[field], next[field], [field]))
        .map(d => {
          const fix = `an immutable ${next.kind} cannot change: give the new content a new name and point its users at it`;
          // A Secret's values are never printed, the previous version's neither.
          return next.kind === 'Secret' && d.path[0] !== 'immutable'
            ? objectFinding(
                'immutable-field',
                manifest,
                d.path,
                `${d.before === undefined ? 'is added' : d.after === undefined ? 'is removed' : 'changes'} (values ` +
                  "not shown: they are a Secret's), which the API server refuses on update",
                fix,
              )
            : report(d.path, d.before, d.after, fix);
        });
    case 'Cluster':
      return isCloudNativePG(next) ? cloudNativePGChanges(previous, next, report) : [];
    default:
      return WORKLOADS_WITH_SELECTOR.has(next.kind)
        ? differences(spec(previous).selector, spec(next).selector, ['spec', 'selector']).map(d =>
            report(d.path, d.before, d.after, WORKLOAD_SELECTOR_FIX),
          )
        : [];
  }
}

/**
 * What CloudNativePG's validating webhook refuses on a Cluster update (ClusterCustomValidator.validateClusterChanges
 * in internal/webhook/v1/cluster_webhook.go of cloudnative-pg/cloudnative-pg): a smaller volume, a removed WAL
 * volume, another postgres uid or gid, an older PostgreSQL major version.
 */
function cloudNativePGChanges(
  previous: any,
  next: any,
  report: (path: PathSegment[], before: unknown, after: unknown, fix?: string) => Finding,
): Finding[] {
  const findings: Finding[] = [];
  for (const volume of ['storage', 'walStorage'] as const) {
    const [before, after] = [previous.spec?.[volume], next.spec?.[volume]];
    if (before !== undefined && after === undefined && volume === 'walStorage') {
      findings.push(
        report(
          ['spec', volume],
          before,
          after,
          'CloudNativePG cannot drop a WAL volume once configured: keep spec.walStorage',
        ),
      );
    }
    const [from, to] = [parseQuantity(String(before?.size)), parseQuantity(String(after?.size))];
    if (from !== undefined && to !== undefined && to < from) {
      findings.push(
        report(
          ['spec', volume, 'size'],
          before.size,
          after.size,
          'CloudNativePG volumes can only grow: keep the size, or create a new Cluster from a backup (bootstrap.recovery) with the smaller size',
        ),
      );
    }
  }
  for (const field of ['postgresUID', 'postgresGID']) {
    const [before, after] = [previous.spec?.[field] ?? 26, next.spec?.[field] ?? 26];
    if (before !== after) {
      findings.push(
        report(
          ['spec', field],
          before,
          after,
          `CloudNativePG refuses another ${field} for existing data files: keep it`,
        ),
      );
    }
  }
  const [from, to] = [postgresMajor(previous.spec?.imageName), postgresMajor(next.spec?.imageName)];
  if (from !== undefined && to !== undefined && to < from) {
    findings.push(
      report(
        ['spec', 'imageName'],
        previous.spec.imageName,
        next.spec.imageName,
        'PostgreSQL cannot go back to an older major version: keep the image, or recover a new Cluster from a backup of that version',
      ),
    );
  }
  return findings;
}

const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';

/** Where a CloudNativePG Cluster archives its WAL and base backups, and through what. */
interface WalArchive {
  readonly via: string;
  /** The field of the Cluster's spec that sets the archive up. */
  readonly field: 'backup' | 'plugins';
  /** `destinationPath/serverName`: the folder that holds this cluster's backup history. */
  readonly folder: string;
}

/**
 * A Cluster whose WAL archive moves from the in-tree `spec.backup.barmanObjectStore` to the Barman Cloud plugin (or
 * back), or into another folder. The API server and the webhook accept both; what changes is where the backup
 * history goes on, which a reviewer must see before the apply.
 */
function archiveChanges(
  old: Manifest,
  previous: readonly Manifest[],
  manifest: Manifest,
  next: readonly Manifest[],
): Finding[] {
  const [before, after] = [walArchive(old.object, previous), walArchive(manifest.object, next)];
  if (before === undefined || after === undefined) {
    return [];
  }
  const findings: Finding[] = [];
  const at = ['spec', after.field];
  if (before.via !== after.via) {
    findings.push(
      objectFinding(
        'wal-archiver-change',
        manifest,
        at,
        `archives WAL and base backups through ${after.via} instead of ${before.via}, into ${after.folder}` +
          (before.folder === after.folder ? ', the same folder: the backup history goes on' : ''),
      ),
    );
  }
  if (before.folder !== after.folder) {
    findings.push(
      objectFinding(
        'wal-archive-moves',
        manifest,
        at,
        `archives into ${after.folder} instead of ${before.folder}: a new backup history starts there, and point-in-time ` +
          `recovery across the change needs both folders`,
      ),
    );
  }
  return findings;
}

function walArchive(cluster: any, manifests: readonly Manifest[]): WalArchive | undefined {
  const name = cluster.metadata?.name;
  const inTree = cluster.spec?.backup?.barmanObjectStore;
  if (inTree?.destinationPath) {
    return {
      via: 'the in-tree spec.backup.barmanObjectStore',
      field: 'backup',
      folder: `${trimSlash(inTree.destinationPath)}/${inTree.serverName ?? name}`,
    };
  }
  const plugin = (cluster.spec?.plugins ?? []).find(
    (p: any) => p?.name === BARMAN_CLOUD_PLUGIN && p.isWALArchiver === true && p.enabled !== false,
  );
  const storeName = plugin?.parameters?.barmanObjectName;
  if (storeName === undefined) {
    return undefined;
  }
  const store = manifests.find(
    m =>
      m.object.kind === 'ObjectStore' &&
      m.object.apiVersion?.startsWith('barmancloud.cnpg.io/') &&
      m.object.metadata?.name === storeName &&
      m.object.metadata?.namespace === cluster.metadata?.namespace,
  )?.object;
  const path = store?.spec?.configuration?.destinationPath;
  return {
    via: `the Barman Cloud plugin (ObjectStore '${storeName}')`,
    field: 'plugins',
    folder: `${path === undefined ? `<ObjectStore ${storeName}>` : trimSlash(path)}/${plugin.parameters.serverName ?? name}`,
  };
}

function trimSlash(path: string): string {
  return path.replace(/\/+$/, '');
}

function isCloudNativePG(object: any): boolean {
  return typeof object.apiVersion === 'string' && object.apiVersion.startsWith('postgresql.cnpg.io/');
}

/** The major version in a PostgreSQL image tag (`…:17.11-standard-trixie` is 17). */
function postgresMajor(image: unknown): number | undefined {
  const tag = typeof image === 'string' ? /:(\d+)(\.\d+)?(-[^@]*)?(@|$)/.exec(image) : null;
  return tag ? Number(tag[1]) : undefined;
}

function statefulSetFix(path: readonly PathSegment[]): string {
  const at = formatPath(path);
  if (/^spec\.volumeClaimTemplates\[\d+\]\.spec\.resources\.requests\.storage$/.test(at)) {
    return STORAGE_FIX;
  }
  if (/^spec\.volumeClaimTemplates\[\d+\]\.spec\.storageClassName$/.test(at)) {
    return CLASS_FIX;
  }
  if (path[1] === 'selector') {
    return STATEFUL_SET_SELECTOR_FIX;
  }
  return (
    'only replicas, template, updateStrategy, minReadySeconds, ordinals and persistentVolumeClaimRetentionPolicy of a ' +
    'StatefulSet may change: keep this field, or orphan-delete the StatefulSet (kubectl delete statefulset NAME --cascade=orphan) and apply'
  );
}

// Argo CD's `Prune=false` sync option and Flux's `prune: disabled` annotation keep an object out of their prunes.
function prunesOf(object: Manifest['object']): { keptBy: string[]; prunedBy: string[] } {
  const annotations = object.metadata.annotations ?? {};
  const argo = /(^|,)\s*Prune=false\s*(,|$)/.test(annotations['argocd.argoproj.io/sync-options'] ?? '');
  const flux = annotations['kustomize.toolkit.fluxcd.io/prune'] === 'disabled';
  return {
    keptBy: [argo && 'Argo CD', flux && 'Flux'].filter((tool): tool is string => Boolean(tool)),
    prunedBy: ['kubectl apply --prune', !argo && 'Argo CD with prune', !flux && 'Flux with prune'].filter(
      (tool): tool is string => Boolean(tool),
    ),
  };
}

function namespaceFate({ keptBy, prunedBy }: ReturnType<typeof prunesOf>): string {
  return keptBy.length === 0
    ? 'pruning it (kubectl apply --prune, Argo CD or Flux with prune) deletes everything in it, its claims and their data included'
    : `its annotations keep ${keptBy.join(' and ')} from pruning it, so it stays with its data, unmanaged; ${prunedBy.join(', ')} ` +
        `still ${prunedBy.length === 1 ? 'deletes' : 'delete'} it and everything in it`;
}

function where(old: Manifest, next: readonly Manifest[]): string {
  const namespace = old.object.metadata.namespace;
  return next.some(m => m.object.kind === 'Namespace' && m.object.metadata.name === namespace) || !namespace
    ? ''
    : ` (namespace '${namespace}' is gone too)`;
}

/**
 * A claim, a StatefulSet with claim templates, a CloudNativePG Cluster, a volume, a namespace, or a GitOps object that
 * deletes what it deployed when it goes (an Argo CD Application with its finalizer, a pruning Flux Kustomization),
 * that the new version no longer has.
 */
export function dataLeftBehind(old: Manifest, next: readonly Manifest[]): Finding[] {
  const object = old.object;
  const namespace = object.metadata.namespace;
  const claimTemplates = object.kind === 'StatefulSet' && (object.spec?.volumeClaimTemplates ?? []).length > 0;
  if (object.kind === 'PersistentVolumeClaim' || claimTemplates) {
    const where =
      next.some(m => m.object.kind === 'Namespace' && m.object.metadata.name === namespace) || !namespace
        ? ''
        : ` (namespace '${namespace}' is gone too)`;
    return [
      objectFinding(
        'data-left-behind',
        old,
        ['metadata', 'name'],
        claimTemplates
          ? `StatefulSet '${object.metadata.name}' is gone from the new version${where}: its claims (` +
              `${(object.spec.volumeClaimTemplates as any[]).map(t => `${t.metadata?.name}-${object.metadata.name}-0`).join(', ')}, …) ` +
              'stay, and whatever replaces it starts with empty ones'
          : `claim '${object.metadata.name}' is gone from the new version${where}: its data stays in the cluster, and nothing mounts it`,
      ),
    ];
  }
  if (object.kind === 'Cluster' && isCloudNativePG(object)) {
    return [
      objectFinding(
        'data-left-behind',
        old,
        ['metadata', 'name'],
        `CloudNativePG Cluster '${object.metadata.name}' is gone from ` +
          `the new version${where(old, next)}: it keeps running if nothing deletes it, and deleting it deletes its ` +
          'claims; whatever replaces it starts empty unless it recovers from a backup',
      ),
    ];
  }
  if (object.kind === 'PersistentVolume') {
    return [
      objectFinding(
        'data-left-behind',
        old,
        ['metadata', 'name'],
        `volume '${object.metadata.name}' is gone from the new version: ` +
          'pruning it leaves the claim bound to it without storage, and its data in the backing store, unmanaged',
      ),
    ];
  }
  if (
    object.kind === 'Application' &&
    object.apiVersion.startsWith('argoproj.io/') &&
    ((object.metadata.finalizers ?? []) as string[]).some(f => f.startsWith('resources-finalizer.argocd.argoproj.io'))
  ) {
    return [
      objectFinding(
        'data-left-behind',
        old,
        ['metadata', 'name'],
        `Argo CD Application '${object.metadata.name}' is gone from the ` +
          'new version: its resources finalizer makes Argo CD delete every object it deployed (those marked Delete=false stay, unmanaged), ' +
          'the claims and the workloads that mount them included',
      ),
    ];
  }
  if (
    object.kind === 'Kustomization' &&
    object.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/') &&
    object.spec?.prune === true
  ) {
    return [
      objectFinding(
        'data-left-behind',
        old,
        ['metadata', 'name'],
        `Flux Kustomization '${object.metadata.name}' is gone from the ` +
          'new version: with prune, Flux deletes every object it applied (those marked kustomize.toolkit.fluxcd.io/prune: disabled stay, ' +
          'unmanaged), the claims and the workloads that mount them included',
      ),
    ];
  }
  if (object.kind === 'Namespace' && object.apiVersion === 'v1') {
    return [
      objectFinding(
        'data-left-behind',
        old,
        ['metadata', 'name'],
        `namespace '${object.metadata.name}' is gone from the new version: ` + namespaceFate(prunesOf(object)),
      ),
    ];
  }
  return [];
}

/**
 * The Secrets a Namespace that already exists now expects the cluster to provide, and did not before: the upgrade
 * fails on a pod that references one until someone creates it (CreateContainerConfigError).
 */
function providedSecretsAdded(old: Manifest, manifest: Manifest): Finding[] {
  if (manifest.object.kind !== 'Namespace') {
    return [];
  }
  const provided = (m: Manifest) =>
    String(m.object.metadata?.annotations?.[PROVIDED_SECRETS_ANNOTATION] ?? '')
      .split(',')
      .map(n => n.trim())
      .filter(Boolean);
  const before = new Set(provided(old));
  return provided(manifest)
    .filter(name => !before.has(name))
    .map(name =>
      objectFinding(
        'provided-secret-added',
        manifest,
        ['metadata', 'annotations', PROVIDED_SECRETS_ANNOTATION],
        `Namespace '${manifest.object.metadata.name}' now expects Secret '${name}' from the cluster, which the previous version did not: ` +
          'create it before this version is applied, or its pods wait in CreateContainerConfigError',
      ),
    );
}
