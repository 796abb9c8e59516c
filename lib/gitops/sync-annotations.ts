import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * Argo CD sync waves, in the order a first sync must follow on an empty cluster. Flux has no waves: it applies
 * everything and waits (`wait: true`); the init containers that wait for the database keep that order safe.
 */
export enum SyncWave {
  NAMESPACE = 0,
  /** ConfigMaps and Secrets, which pods read at start. */
  CONFIG = 1,
  DATABASE = 2,
  /** The roles Job, once the database is healthy: the backup and the migration log in as the roles it makes. */
  ROLES = 3,
  /** A dump of the database, before a migration changes it; with the claim it binds. */
  BACKUP = 4,
  /** The migration Job, once the database is healthy. */
  MIGRATION = 5,
  APP = 6,
  INGRESS = 7,
}

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

// A Sync-phase hook runs in its wave on every sync: after the database, before the app. (A PreSync hook would run
// before the database exists on the first sync.) Argo CD does not count a finished hook as drift, so the Job's
// ttlSecondsAfterFinished cannot make the app OutOfSync; the previous run is deleted before the next one starts,
// and a succeeded run right away (a failed one stays for its logs).
// Flux: a Job's spec.template is immutable, so a changed Job must be re-created rather than patched. The Job's name
// already changes with its spec; `force` also covers a Job whose spec was edited under the same name.
const SYNC_HOOK = {
  'argocd.argoproj.io/hook': 'Sync',
  'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
  'kustomize.toolkit.fluxcd.io/force': 'enabled',
};

// Deleting the database's namespace or claim deletes the data: neither tool may prune them, nor delete them
// with the app. A person does that on purpose, by hand.
const KEEP_DATA = {
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
};

/** Gives every API object under `scope` a sync wave: `wave`, or CONFIG for ConfigMaps and Secrets, NAMESPACE for Namespaces. */
export function assignSyncWaves(scope: IConstruct, wave: SyncWave): void {
  for (const object of apiObjects(scope)) {
    const own =
      object.kind === 'Namespace'
        ? SyncWave.NAMESPACE
        : object.kind === 'ConfigMap' || object.kind === 'Secret'
          ? SyncWave.CONFIG
          : wave;
    object.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(own));
  }
}

/**
 * Makes a Job that runs on every change (the migration, the deploy-time dump) an Argo CD Sync hook in `wave`,
 * which Flux re-creates when it changes.
 */
export function markAsSyncHook(job: ApiObject, wave: SyncWave): void {
  job.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(wave));
  for (const [key, value] of Object.entries(SYNC_HOOK)) {
    job.metadata.addAnnotation(key, value);
  }
}

/** Keeps objects that hold data out of reach of GitOps pruning and app deletion. */
export function keepData(...objects: Array<ApiObject | undefined>): void {
  for (const object of objects.filter((o): o is ApiObject => o !== undefined)) {
    for (const [key, value] of Object.entries(KEEP_DATA)) {
      object.metadata.addAnnotation(key, value);
    }
  }
}

function apiObjects(scope: IConstruct): ApiObject[] {
  return scope.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
}
