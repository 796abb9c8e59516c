import { DNS_1035_LABEL, DNS_LABEL, DNS_SUBDOMAIN } from '@stateful-todo/kube-conventions';
import { imageTag } from '@stateful-todo/kube-conventions';
import { sizeFromQuantity } from '../kube/size';
import { isQuantity, parseQuantity, quantityHint } from '@stateful-todo/kube-conventions';
import {
  AppConfig, AppPreset, CredentialsConfig, DatabaseConfig, DatabaseWorkload, GitOpsConfig, IngressConfig, IngressTlsConfig,
  ResourcesConfig, StackConfig,
} from './stack-config';

// The tutorial's Flask image hard-codes its port.
const FLASK_PORT = 5000;

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

const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PG_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

// The migration Job is named `<app>-migrate-<8 hex>`, and its pods carry that name in a 63-character label.
const MIGRATION_JOB_SUFFIX_LENGTH = '-migrate-'.length + 8;
// A StatefulSet's pods carry `controller-revision-hash: <name>-<10 chars>`, a 63-character label value.
const STATEFUL_SET_NAME_MAX = 52;

/** Collects problems; every check names the field path, the value received and the fix. */
class Problems {
  public readonly list: string[] = [];

  public add(field: string, value: unknown, message: string): void {
    this.list.push(`${field}: ${message}, got ${JSON.stringify(value)}`);
  }

  public dnsName(field: string, value: unknown, pattern: RegExp, maxLength: number, kind: string): void {
    if (typeof value !== 'string' || !pattern.test(value) || value.length > maxLength) {
      this.add(field, value, `must be ${kind} (lower-case letters, digits and '-', at most ${maxLength} characters)`);
    }
  }

  public integer(field: string, value: unknown, min: number, max: number, fix: string): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.add(field, value, fix);
    }
  }

  public quantity(field: string, value: unknown): number | undefined {
    if (typeof value !== 'string' || !isQuantity(value)) {
      this.add(field, value, `must be a Kubernetes quantity; ${quantityHint(String(value))}`);
      return undefined;
    }
    const parsed = parseQuantity(value)!;
    if (parsed <= 0) {
      this.add(field, value, 'must be greater than zero');
      return undefined;
    }
    return parsed;
  }

  public image(field: string, value: unknown): void {
    if (typeof value !== 'string' || value.trim() === '') {
      this.add(field, value, "must name an image with a pinned tag, such as 'postgres:17.6-bookworm'");
      return;
    }
    if (/\s/.test(value)) {
      this.add(field, value, 'must not contain white space');
      return;
    }
    const tag = imageTag(value);
    if (tag === undefined) {
      this.add(field, value, `must pin a tag or digest, such as '${value}:1.2.3'; an untagged image means 'latest'`);
    } else if (tag === 'latest') {
      this.add(field, value, "must pin a version tag, not 'latest', so that every node runs the same image");
    }
  }

  public oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): void {
    if (!allowed.includes(value as T)) {
      this.add(field, value, `must be one of ${allowed.map(a => `'${a}'`).join(', ')}`);
    }
  }
}

/**
 * Validates a merged stack config. Throws one ConfigError listing every bad value; returns the config unchanged
 * otherwise.
 */
export function validateConfig(config: StackConfig): StackConfig {
  const problems = new Problems();
  problems.dnsName('stage', config.stage, DNS_LABEL, 63, 'a DNS-1123 label');
  problems.dnsName('stackName', config.stackName, DNS_LABEL, 63, 'a DNS-1123 label');
  checkDatabase(problems, config.database);
  checkApp(problems, config.app);
  checkIngress(problems, config.ingress);
  checkGitOps(problems, config.gitops);

  const namespaces = [config.database.namespace, config.app.namespace, config.ingress.namespace];
  if (new Set(namespaces).size !== namespaces.length) {
    problems.add('database.namespace, app.namespace, ingress.namespace', namespaces,
      'must be three different namespaces: the stack gives each its own chart and its own network boundary');
  }

  if (problems.list.length > 0) {
    throw new ConfigError(String(config.stage), problems.list);
  }
  return config;
}

function checkDatabase(problems: Problems, db: DatabaseConfig): void {
  problems.oneOf('database.workload', db.workload, Object.values(DatabaseWorkload));
  problems.dnsName('database.namespace', db.namespace, DNS_LABEL, 63, 'a DNS-1123 label');
  problems.dnsName('database.name', db.name, DNS_1035_LABEL, STATEFUL_SET_NAME_MAX - '-headless'.length,
    'a DNS-1035 label');
  problems.image('database.image', db.image);
  for (const field of ['databaseName', 'user'] as const) {
    const value = db[field];
    if (typeof value !== 'string' || !PG_IDENTIFIER.test(value) || value.length > 63) {
      problems.add(`database.${field}`, value,
        "must be a lower-case PostgreSQL identifier (letters, digits, '_'; not starting with a digit; at most 63)");
    }
  }
  if (db.replicas !== 1) {
    problems.add('database.replicas', db.replicas,
      'must be 1 for a single-primary PostgreSQL without replication: extra StatefulSet replicas are independent, '
      + 'empty databases behind one Service, not replicas; use an operator such as CloudNativePG for replication');
  }
  if (db.storageClassName !== undefined) {
    problems.dnsName('database.storageClassName', db.storageClassName, DNS_SUBDOMAIN, 253,
      'a DNS-1123 subdomain (or leave it unset for the cluster\'s default class)');
  }
  const storageSize = typeof db.storageSize === 'string' ? sizeFromQuantity(db.storageSize) : undefined;
  if (storageSize === undefined) {
    problems.add('database.storageSize', db.storageSize,
      `must be a whole binary quantity such as '5Gi' or '512Mi'; ${quantityHint(String(db.storageSize))}`);
  } else if (storageSize.toKibibytes() === 0) {
    problems.add('database.storageSize', db.storageSize, "must be greater than zero, such as '5Gi'");
  }
  if (db.staticVolumeHostPath !== undefined) {
    if (db.workload !== DatabaseWorkload.DEPLOYMENT) {
      problems.add('database.staticVolumeHostPath', db.staticVolumeHostPath,
        "is only for the 'Deployment' workload; a StatefulSet provisions a volume per pod from its claim template");
    } else if (typeof db.staticVolumeHostPath !== 'string' || !db.staticVolumeHostPath.startsWith('/')) {
      problems.add('database.staticVolumeHostPath', db.staticVolumeHostPath, "must be an absolute path such as '/mnt/data'");
    }
  }
  checkResources(problems, 'database.resources', db.resources);
  checkCredentials(problems, db.credentials);
  if (typeof db.podDisruptionBudget !== 'boolean') {
    problems.add('database.podDisruptionBudget', db.podDisruptionBudget,
      'must be true (a node drain waits for an operator) or false (a drain evicts the database unattended)');
  }
}

function checkCredentials(problems: Problems, credentials: CredentialsConfig): void {
  const field = 'database.credentials';
  if (credentials?.source === 'dev-generated') {
    if (typeof credentials.password !== 'string' || credentials.password.length < 12) {
      problems.add(`${field}.password`, credentials.password, 'must be a string of at least 12 characters');
    }
  } else if (credentials?.source === 'cluster-provided') {
    problems.dnsName(`${field}.databaseSecretName`, credentials.databaseSecretName, DNS_SUBDOMAIN, 253,
      'a DNS-1123 subdomain');
    problems.dnsName(`${field}.appSecretName`, credentials.appSecretName, DNS_SUBDOMAIN, 253, 'a DNS-1123 subdomain');
  } else {
    problems.add(`${field}.source`, (credentials as { source?: unknown } | undefined)?.source,
      "must be 'dev-generated' (development clusters only) or 'cluster-provided'");
  }
}

function checkApp(problems: Problems, app: AppConfig): void {
  problems.oneOf('app.preset', app.preset, Object.values(AppPreset));
  problems.dnsName('app.namespace', app.namespace, DNS_LABEL, 63, 'a DNS-1123 label');
  problems.dnsName('app.name', app.name, DNS_1035_LABEL, 63 - MIGRATION_JOB_SUFFIX_LENGTH, 'a DNS-1035 label');
  problems.image('app.image', app.image);
  problems.integer('app.port', app.port, 1, 65535, 'must be a whole number from 1 to 65535');
  if (app.preset === AppPreset.FLASK && Number.isInteger(app.port) && app.port >= 1 && app.port <= 65535 && app.port !== FLASK_PORT) {
    problems.add('app.port', app.port, `must be ${FLASK_PORT} with the 'flask' preset: the tutorial's image listens on `
      + `${FLASK_PORT} and cannot be told otherwise; remove app.port, or use the 'node-service' preset, which reads PORT`);
  }
  problems.integer('app.replicas', app.replicas, 1, 1000, 'must be a whole number of at least 1');
  if (app.migrationCommand !== undefined && (!Array.isArray(app.migrationCommand) || app.migrationCommand.length === 0
    || app.migrationCommand.some(part => typeof part !== 'string' || part === ''))) {
    problems.add('app.migrationCommand', app.migrationCommand,
      "must be a non-empty list of non-empty strings, such as ['node', 'dist/migrate.js']");
  }
  if (app.autoscaling !== undefined) {
    const { minReplicas, maxReplicas, cpuUtilizationPercent } = app.autoscaling;
    problems.integer('app.autoscaling.minReplicas', minReplicas, 1, 1000, 'must be a whole number of at least 1');
    problems.integer('app.autoscaling.maxReplicas', maxReplicas, Math.max(1, Number(minReplicas) || 1), 1000,
      'must be a whole number no smaller than app.autoscaling.minReplicas');
    problems.integer('app.autoscaling.cpuUtilizationPercent', cpuUtilizationPercent, 1, 1000,
      'must be a whole percentage of the CPU request, such as 70');
  }
  checkResources(problems, 'app.resources', app.resources);
}

function checkIngress(problems: Problems, ingress: IngressConfig): void {
  problems.dnsName('ingress.namespace', ingress.namespace, DNS_LABEL, 63, 'a DNS-1123 label');
  problems.dnsName('ingress.serviceName', ingress.serviceName, DNS_1035_LABEL, 63, 'a DNS-1035 label');
  problems.dnsName('ingress.name', ingress.name, DNS_SUBDOMAIN, 253, 'a DNS-1123 subdomain');
  problems.dnsName('ingress.ingressClassName', ingress.ingressClassName, DNS_SUBDOMAIN, 253, 'a DNS-1123 subdomain');
  const host = ingress.host;
  const scheme = typeof host === 'string' ? /^[a-z][a-z0-9+.-]*:\/\//i.exec(host) : null;
  if (scheme) {
    problems.add('ingress.host', host, `must be a bare host name such as 'drexii.me'; drop the scheme '${scheme[0]}'`);
  } else if (typeof host !== 'string' || !HOST.test(host) || host.length > 253) {
    problems.add('ingress.host', host,
      "must be a lower-case DNS host name such as 'drexii.me' or '*.drexii.me', with no port or path");
  }
  if (typeof ingress.path !== 'string' || !ingress.path.startsWith('/') || /\s/.test(ingress.path)) {
    problems.add('ingress.path', ingress.path, "must be an absolute path starting with '/', such as '/tasks'");
  }
  checkTls(problems, ingress.tls);
}

function checkTls(problems: Problems, tls: IngressTlsConfig | undefined): void {
  if (tls === undefined) {
    return;
  }
  if (tls?.source === 'existing-secret') {
    problems.dnsName('ingress.tls.secretName', tls.secretName, DNS_SUBDOMAIN, 253, 'a DNS-1123 subdomain');
  } else if (tls?.source === 'cert-manager') {
    problems.dnsName('ingress.tls.clusterIssuer', tls.clusterIssuer, DNS_SUBDOMAIN, 253,
      "the name of a cert-manager ClusterIssuer, such as 'letsencrypt-prod'");
    if (tls.secretName !== undefined) {
      problems.dnsName('ingress.tls.secretName', tls.secretName, DNS_SUBDOMAIN, 253, 'a DNS-1123 subdomain');
    }
  } else {
    problems.add('ingress.tls.source', (tls as { source?: unknown } | undefined)?.source,
      "must be 'existing-secret' (a kubernetes.io/tls Secret you create) or 'cert-manager' (issued from a ClusterIssuer)");
  }
}

function checkGitOps(problems: Problems, gitops: GitOpsConfig): void {
  if (typeof gitops.repoUrl !== 'string' || !/^(https:\/\/|ssh:\/\/|git@)\S+$/.test(gitops.repoUrl)) {
    problems.add('gitops.repoUrl', gitops.repoUrl, "must be an https://, ssh:// or git@ Git URL, such as 'https://github.com/you/stateful-todo.git'");
  }
  if (typeof gitops.branch !== 'string' || !/^[A-Za-z0-9._/-]+$/.test(gitops.branch)) {
    problems.add('gitops.branch', gitops.branch, "must be a branch name, such as 'main'");
  }
  problems.dnsName('gitops.argoCdNamespace', gitops.argoCdNamespace, DNS_LABEL, 63, 'a DNS-1123 label');
  problems.dnsName('gitops.fluxNamespace', gitops.fluxNamespace, DNS_LABEL, 63, 'a DNS-1123 label');
  if (!Array.isArray(gitops.fluxDependsOn)) {
    problems.add('gitops.fluxDependsOn', gitops.fluxDependsOn, "must be a list of Flux Kustomization names, such as ['infrastructure']");
  } else {
    gitops.fluxDependsOn.forEach((name, index) =>
      problems.dnsName(`gitops.fluxDependsOn[${index}]`, name, DNS_SUBDOMAIN, 253, 'a DNS-1123 subdomain'));
  }
}

function checkResources(problems: Problems, field: string, resources: ResourcesConfig): void {
  problems.quantity(`${field}.cpuRequest`, resources?.cpuRequest);
  const request = problems.quantity(`${field}.memoryRequest`, resources?.memoryRequest);
  const limit = problems.quantity(`${field}.memoryLimit`, resources?.memoryLimit);
  if (request !== undefined && limit !== undefined && limit < request) {
    problems.add(`${field}.memoryLimit`, resources.memoryLimit,
      `must be at least the memory request (${resources.memoryRequest}); the API server rejects a limit below it`);
  }
}
