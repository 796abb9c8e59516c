import { Size } from 'cdk8s';
import { isQuantity, quantityHint } from '@stateful-todo/kube-conventions';
import { TodoApp } from '../app/todo-app';
import { AppPreset } from '../app/todo-app-preset';
import { IngressBridge } from '../ingress/ingress-bridge';
import { NameKind, PropChecks, PropProblem } from '../kube/prop-checks';
import { cpuFromQuantity, Resources } from '../kube/resources';
import { sizeFromQuantity } from '../kube/size';
import { ArgoCdApplication } from '../gitops/argo-cd-application';
import { FluxGitRepository } from '../gitops/flux-git-repository';
import { FluxKustomization } from '../gitops/flux-kustomization';
import { PostgresBackup } from '../database/postgres-backup';
import {
  argoCdApplicationProps, backupProps, databaseProps, databaseWorkload, fluxGitRepositoryProps, fluxKustomizationProps,
  ingressBridgeProps, todoAppProps,
} from './construct-props';
import {
  AppSettings, BackupConfig, BackupSettings, CredentialsConfig, MonitoringConfig, DatabaseSettings, DatabaseWorkload, GitOpsConfig, IngressConfig, IngressTlsConfig,
  ResourcesSettings, StackConfig, StackSettings,
} from './stack-config';

/**
 * Thrown when a stack config has bad values. `problems` lists every one of them, each naming the field, the value
 * received and the fix, so that one run shows everything to correct.
 */
export class ConfigError extends Error {
  constructor(public readonly stage: string, public readonly problems: readonly string[]) {
    super(`Invalid stack config for stage '${stage}' (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n`
      + problems.map(p => `  - ${p}`).join('\n'));
    this.name = 'ConfigError';
  }
}

// Construct props whose config field is not `<section>.<prop>`.
const FIELD_OF_PROP: Readonly<Record<string, string>> = {
  'database.credentials.clientSecretName': 'database.credentials.appSecretName',
  'database.clusterDomain': 'clusterDomain',
  'database.metricsExporterImage': 'monitoring.exporterImage',
  'database.instances': 'database.replicas',
  'database.podAntiAffinity': 'database.cloudNativePG.podAntiAffinity',
  'database.operatorNamespace': 'database.cloudNativePG.operatorNamespace',
  // The backup CronJob is named after the database.
  'database.backup.name': 'database.name',
  'app.clusterDomain': 'clusterDomain',
  'ingress.ingressName': 'ingress.name',
  'ingress.clusterDomain': 'clusterDomain',
  'gitops.url': 'gitops.repoUrl',
  'gitops.targetRevision': 'gitops.branch',
};
// GitOps object names and paths derive from `stackName` and `stage`, which the config checks itself.
const DERIVED_GITOPS_PROPS = ['name', 'path'];

/** Collects problems; every one names the config field, the value received and the fix. */
class Problems {
  public readonly list: string[] = [];

  constructor(private readonly settings: StackSettings) {}

  public add(field: string, value: unknown, message: string): void {
    const problem = `${field}: ${message}, got ${JSON.stringify(value)}`;
    // Two constructs may check one setting (the cluster domain): report it once.
    if (!this.list.includes(problem)) {
      this.list.push(problem);
    }
  }

  /** The problems a construct found in the props that `section` of the config maps onto. */
  public fromConstruct(section: 'database' | 'database.backup' | 'app' | 'ingress' | 'gitops', problems: readonly PropProblem[]): void {
    for (const problem of problems.filter(p => section !== 'gitops' || !DERIVED_GITOPS_PROPS.includes(p.prop))) {
      const prop = section === 'gitops' ? problem.prop.replace(/^dependsOn\b/, 'fluxDependsOn') : problem.prop;
      const field = FIELD_OF_PROP[`${section}.${prop}`] ?? `${section}.${prop}`;
      // The value as the config wrote it (`5GB`, not a parsed size), when the field exists there.
      const written = valueAt(this.settings, field);
      this.add(field, written === undefined ? problem.value : written, problem.message);
    }
  }

  /** A name of a setting no construct checks (stage, namespaces, GitOps), with the constructs' own name rules. */
  public name(field: string, value: unknown, kind: NameKind): void {
    const checks = new PropChecks();
    checks.name(field, value, kind);
    checks.problems.forEach(problem => this.add(problem.prop, problem.value, problem.message));
  }

  public oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): boolean {
    if (!allowed.includes(value as T)) {
      this.add(field, value, `must be one of ${allowed.map(a => `'${a}'`).join(', ')}`);
      return false;
    }
    return true;
  }

  /** A binary quantity (`5Gi`) as a Size; `undefined`, with the problem recorded, when it is not one. */
  public size(field: string, value: unknown): Size | undefined {
    const size = typeof value === 'string' ? sizeFromQuantity(value) : undefined;
    if (size === undefined) {
      this.add(field, value, `must be a whole binary quantity such as '5Gi' or '512Mi'; ${quantityHint(String(value))}`);
    } else if (size.toKibibytes() === 0) {
      this.add(field, value, "must be greater than zero, such as '5Gi'");
      return undefined;
    }
    return size;
  }

  /** A container's resources as typed values; `undefined` for a field that does not parse (recorded). */
  public resources(field: string, value: ResourcesSettings | undefined): Partial<Resources> {
    const cpu = value?.cpuRequest;
    const cpuRequest = typeof cpu === 'string' ? cpuFromQuantity(cpu) : undefined;
    if (cpuRequest === undefined) {
      this.add(`${field}.cpuRequest`, cpu, typeof cpu === 'string' && isQuantity(cpu)
        ? "must be CPU in millicores or cores, such as '250m' or '1'"
        : `must be a Kubernetes quantity; ${quantityHint(String(cpu))}`);
    }
    return {
      cpuRequest,
      memoryRequest: this.size(`${field}.memoryRequest`, value?.memoryRequest),
      memoryLimit: this.size(`${field}.memoryLimit`, value?.memoryLimit),
    };
  }
}

/**
 * Parses merged stack settings into a StackConfig, once: quantities become typed values, and every value is checked
 * — the config's own fields here, and each construct's props by the construct's own `checkProps`, reported under
 * the config's field names. Throws one ConfigError listing every problem.
 */
export function parseConfig(settings: StackSettings): StackConfig {
  const problems = new Problems(settings);
  problems.name('stage', settings.stage, 'dnsLabel');
  problems.name('stackName', settings.stackName, 'dnsLabel');
  const instance = `${settings.stackName}-${settings.stage}`;
  if (typeof settings.stackName === 'string' && typeof settings.stage === 'string' && instance.length > 63) {
    problems.add('stackName', settings.stackName, `with the stage it makes the label app.kubernetes.io/instance '${instance}' `
      + `(${instance.length} characters), and a label value holds at most 63: shorten stackName or the stage name`);
  }
  const database = parseDatabase(problems, settings.database);
  const app = parseApp(problems, settings.app);
  checkIngress(problems, settings.ingress);
  checkGitOps(problems, settings.gitops);
  checkMonitoring(problems, settings.monitoring);

  const namespaces = [settings.database.namespace, settings.app.namespace, settings.ingress.namespace];
  if (new Set(namespaces).size !== namespaces.length) {
    problems.add('database.namespace, app.namespace, ingress.namespace', namespaces,
      'must be three different namespaces: the stack gives each its own chart and its own network boundary');
  }

  // A value that did not parse has been reported; its construct default stands in, so the construct checks the rest.
  const config: StackConfig = { ...settings, database, app };
  // Each construct's checks need the choices that select it (workload and credentials, preset, TLS source).
  const db = settings.database;
  if (Object.values(DatabaseWorkload).includes(db.workload) && ['dev-generated', 'cluster-provided'].includes(db.credentials?.source)) {
    problems.fromConstruct('database', databaseWorkload(config).checkProps(databaseProps(config)));
  }
  if (database.backup.enabled && db.workload !== DatabaseWorkload.CLOUDNATIVE_PG) {
    problems.fromConstruct('database.backup', PostgresBackup.checkProps({ ...backupProps(config), database: { name: String(db.name) } }));
  }
  if (Object.values(AppPreset).includes(settings.app.preset)) {
    problems.fromConstruct('app', TodoApp.checkProps(todoAppProps(config)));
  }
  if (settings.ingress.tls === undefined || ['existing-secret', 'cert-manager'].includes(settings.ingress.tls?.source)) {
    problems.fromConstruct('ingress', IngressBridge.checkProps(ingressBridgeProps(config, {
      serviceName: settings.app.name, serviceNamespace: settings.app.namespace, servicePort: settings.app.port,
    })));
  }
  problems.fromConstruct('gitops', [
    ...ArgoCdApplication.checkProps(argoCdApplicationProps(config)),
    ...FluxGitRepository.checkProps(fluxGitRepositoryProps(config)),
    ...FluxKustomization.checkProps(fluxKustomizationProps(config)),
  ]);

  if (problems.list.length > 0) {
    throw new ConfigError(String(settings.stage), problems.list);
  }
  return config;
}

function parseDatabase(problems: Problems, db: DatabaseSettings): StackConfig['database'] {
  problems.oneOf('database.workload', db.workload, Object.values(DatabaseWorkload));
  problems.name('database.namespace', db.namespace, 'dnsLabel');
  if (db.staticVolumeHostPath !== undefined && db.workload !== DatabaseWorkload.DEPLOYMENT) {
    problems.add('database.staticVolumeHostPath', db.staticVolumeHostPath,
      "is only for the 'Deployment' workload; a StatefulSet provisions a volume per pod from its claim template");
  }
  checkCredentials(problems, db.credentials);
  if (db.backup !== null && typeof db.backup === 'object') {
    checkWorkloadSettings(problems, db, db.backup);
  }
  if (typeof db.podDisruptionBudget !== 'boolean') {
    problems.add('database.podDisruptionBudget', db.podDisruptionBudget,
      'must be true (a node drain waits for an operator) or false (a drain evicts the database unattended)');
  }
  return {
    ...db,
    storageSize: problems.size('database.storageSize', db.storageSize) as Size,
    resources: complete(problems.resources('database.resources', db.resources)),
    backup: parseBackup(problems, db.backup, db.workload),
  };
}

const BACKUP_KEYS = ['enabled', 'schedule', 'retention', 'storageSize', 'storageClassName', 'objectStore', 'serverName', 'retentionPolicy'];
// The settings only one kind of workload reads: set for the other, they would be silently ignored.
const DUMP_ONLY_BACKUP_KEYS = ['retention', 'storageSize', 'storageClassName'] as const;
const CLOUDNATIVE_PG_ONLY_BACKUP_KEYS = ['objectStore', 'serverName', 'retentionPolicy'] as const;
const OBJECT_STORE_KEYS = ['destinationPath', 'endpointUrl', 'credentialsSecretName'];
const CLOUDNATIVE_PG_KEYS = ['operatorNamespace', 'podAntiAffinity'];

function checkWorkloadSettings(problems: Problems, db: DatabaseSettings, backup: BackupSettings): void {
  const cloudNativePG = db.workload === DatabaseWorkload.CLOUDNATIVE_PG;
  if (cloudNativePG) {
    DUMP_ONLY_BACKUP_KEYS.filter(key => backup[key] !== undefined).forEach(key => problems.add(`database.backup.${key}`, backup[key],
      "is for the StatefulSet and Deployment workloads' dumps; CloudNativePG backs up to backup.objectStore, kept for backup.retentionPolicy (such as '7d')"));
    if (backup.enabled === true && backup.objectStore === undefined) {
      problems.add('database.backup.objectStore', backup.objectStore, "is required with the CloudNativePG workload: "
        + "{ destinationPath: 's3://bucket/folder', credentialsSecretName: 'name of a Secret with ACCESS_KEY_ID and ACCESS_SECRET_KEY' }, "
        + 'or set database.backup.enabled to false');
    }
    const store = backup.objectStore as unknown;
    if (store !== undefined && (store === null || typeof store !== 'object' || Array.isArray(store))) {
      problems.add('database.backup.objectStore', store, "must be an object such as { destinationPath: 's3://todo-backups/postgres', credentialsSecretName: 'backup-store-credentials' }");
    } else if (store !== undefined) {
      Object.keys(store).filter(key => !OBJECT_STORE_KEYS.includes(key)).forEach(key => problems.add(`database.backup.objectStore.${key}`,
        (store as any)[key], `unknown setting; the settings are ${OBJECT_STORE_KEYS.join(', ')}`));
    }
    // A stage that sets the section replaces it whole: a misspelt or missing key would silently take a default.
    const settings = db.cloudNativePG as unknown;
    if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
      problems.add('database.cloudNativePG', settings, "must be an object such as { operatorNamespace: 'cnpg-system', podAntiAffinity: 'required' }");
    } else {
      Object.keys(settings).filter(key => !CLOUDNATIVE_PG_KEYS.includes(key)).forEach(key => problems.add(`database.cloudNativePG.${key}`,
        (settings as any)[key], `unknown setting; the settings are ${CLOUDNATIVE_PG_KEYS.join(', ')}`));
      CLOUDNATIVE_PG_KEYS.filter(key => (settings as any)[key] === undefined).forEach(key => problems.add(`database.cloudNativePG.${key}`,
        undefined, "is required when the stage sets database.cloudNativePG (which replaces the default whole): { operatorNamespace: 'cnpg-system', podAntiAffinity: 'required' }"));
    }
    const recovery = db.recovery as unknown;
    if (recovery !== undefined && (recovery === null || typeof recovery !== 'object' || Array.isArray(recovery))) {
      problems.add('database.recovery', recovery, "must be an object such as { serverName: 'postgres' }");
    }
  } else {
    CLOUDNATIVE_PG_ONLY_BACKUP_KEYS.filter(key => backup[key] !== undefined).forEach(key => problems.add(`database.backup.${key}`, backup[key],
      "is for the CloudNativePG workload; the StatefulSet and Deployment workloads' dumps go to their own volume, kept by backup.retention"));
    if (db.recovery !== undefined) {
      problems.add('database.recovery', db.recovery, `is for the CloudNativePG workload; the ${db.workload} workload restores a dump with its restore Job (README, "Backups and restore")`);
    }
  }
}

function parseBackup(problems: Problems, backup: BackupSettings, workload: DatabaseWorkload): BackupConfig {
  if (backup === null || typeof backup !== 'object' || Array.isArray(backup)) {
    problems.add('database.backup', backup, workload === DatabaseWorkload.CLOUDNATIVE_PG
      ? "must be an object such as { enabled: true, schedule: '0 3 * * *', objectStore: { destinationPath: 's3://todo-backups/postgres', credentialsSecretName: 'backup-store-credentials' } }"
      : "must be an object such as { enabled: true, schedule: '0 3 * * *', retention: 7 }");
    return { enabled: false };
  }
  Object.keys(backup).filter(key => !BACKUP_KEYS.includes(key)).forEach(key =>
    problems.add(`database.backup.${key}`, (backup as any)[key], `unknown setting; the settings are ${BACKUP_KEYS.join(', ')}`));
  if (typeof backup.enabled !== 'boolean') {
    problems.add('database.backup.enabled', backup.enabled, 'must be true (scheduled dumps and a restore Job) or false (no backups)');
  }
  const storageSize = backup.storageSize === undefined ? undefined : problems.size('database.backup.storageSize', backup.storageSize);
  return { ...backup, enabled: backup.enabled === true, storageSize };
}

function parseApp(problems: Problems, app: AppSettings): StackConfig['app'] {
  problems.oneOf('app.preset', app.preset, Object.values(AppPreset));
  problems.name('app.namespace', app.namespace, 'dnsLabel');
  return { ...app, resources: complete(problems.resources('app.resources', app.resources)) };
}

// Resources with a field that did not parse (already reported) are left out, for the construct's default to stand in.
function complete(parsed: Partial<Resources>): Resources {
  return (parsed.cpuRequest && parsed.memoryRequest && parsed.memoryLimit ? parsed : undefined) as Resources;
}

function checkCredentials(problems: Problems, credentials: CredentialsConfig): void {
  const source = (credentials as { source?: unknown } | undefined)?.source;
  if (source !== 'dev-generated' && source !== 'cluster-provided') {
    problems.add('database.credentials.source', source,
      "must be 'dev-generated' (development clusters only) or 'cluster-provided'");
  }
}

function checkIngress(problems: Problems, ingress: IngressConfig): void {
  problems.name('ingress.namespace', ingress.namespace, 'dnsLabel');
  problems.name('ingress.controllerNamespace', ingress.controllerNamespace, 'dnsLabel');
  checkTlsSource(problems, ingress.tls);
}

function checkTlsSource(problems: Problems, tls: IngressTlsConfig | undefined): void {
  if (tls !== undefined && tls?.source !== 'existing-secret' && tls?.source !== 'cert-manager') {
    problems.add('ingress.tls.source', (tls as { source?: unknown } | undefined)?.source,
      "must be 'existing-secret' (a kubernetes.io/tls Secret you create) or 'cert-manager' (issued from a ClusterIssuer)");
  }
}

function checkGitOps(problems: Problems, gitops: GitOpsConfig): void {
  problems.name('gitops.argoCdNamespace', gitops.argoCdNamespace, 'dnsLabel');
  problems.name('gitops.fluxNamespace', gitops.fluxNamespace, 'dnsLabel');
}

function checkMonitoring(problems: Problems, monitoring: MonitoringConfig): void {
  if (typeof monitoring.enabled !== 'boolean') {
    problems.add('monitoring.enabled', monitoring.enabled,
      'must be true (an exporter and PodMonitors; the cluster needs the Prometheus Operator) or false');
  }
  problems.name('monitoring.prometheusNamespace', monitoring.prometheusNamespace, 'dnsLabel');
  if (!monitoring.enabled) {
    const checks = new PropChecks();
    checks.image('monitoring.exporterImage', monitoring.exporterImage);
    checks.problems.forEach(problem => problems.add(problem.prop, problem.value, problem.message));
  }
}

function valueAt(settings: StackSettings, field: string): unknown {
  return field.split('.').reduce<any>((value, key) => (value === null || typeof value !== 'object' ? undefined : value[key]), settings);
}
