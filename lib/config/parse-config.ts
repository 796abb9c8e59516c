import { AppNetworkPolicy } from '../app/app-network-policy';
import { TodoApp } from '../app/todo-app';
import { PostgresBackup } from '../database/postgres-backup';
import { ArgoCdApplication } from '../gitops/argo-cd-application';
import { FluxGitRepository } from '../gitops/flux-git-repository';
import { FluxKustomization } from '../gitops/flux-kustomization';
import { IngressBridge } from '../ingress/ingress-bridge';
import { PropProblem, shownValue } from '../kube/prop-checks';

import {
  appNetworkPolicyProps,
  argoCdApplicationProps,
  backupProps,
  checkDatabaseProps,
  databaseProps,
  fluxGitRepositoryProps,
  fluxKustomizationProps,
  ingressBridgeProps,
  todoAppProps,
} from './construct-props';
import { genericMessage, Problem, problemsOf, valueAt, withoutBadValues } from './schema-issues';
import { DatabaseWorkload, STACK_SCHEMA, StackConfig } from './stack-config';

/**
 * Thrown when a stack config has bad values. `problems` lists every one of them, each naming the field, the value
 * received and the fix, so that one run shows everything to correct.
 */
export class ConfigError extends Error {
  constructor(
    public readonly stage: string,
    public readonly problems: readonly string[],
  ) {
    super(
      `Invalid stack config for stage '${stage}' (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map(p => `  - ${p}`).join('\n'),
    );
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
  'app.ingressControllerNamespace': 'ingress.controllerNamespace',
  'app.prometheusNamespace': 'monitoring.prometheusNamespace',
  'ingress.ingressName': 'ingress.name',
  'ingress.clusterDomain': 'clusterDomain',
  'gitops.url': 'gitops.repoUrl',
  'gitops.targetRevision': 'gitops.branch',
};
// The settings a check reads besides the field it reports. When the schema rejected one of them, its default stood in
// and the check judged a value the stage never wrote: its problem is a follow-on of that rejection, so it is left
// out (a real one shows once the rejected value is fixed). A field here also covers the fields under it.
const ALSO_READS: ReadonlyArray<readonly [field: string, reads: readonly string[]]> = [
  // The preset decides which image the pods must run, the port they listen on, and what else they take.
  ['app.image', ['app.preset']],
  ['app.port', ['app.preset']],
  ['app.migrationCommand', ['app.preset']],
  ['app.taskListCache', ['app.preset']],
  ['app.autoscaling.maxReplicas', ['app.autoscaling.minReplicas']],
  ['app.resources.memoryLimit', ['app.resources.memoryRequest']],
  // The workload decides which construct checks the database: its name limits, images, instances and backups differ.
  ['database.name', ['database.workload', 'database.backup.enabled']],
  ['database.image', ['database.workload']],
  ['database.replicas', ['database.workload']],
  ['database.credentials', ['database.workload']],
  ['database.backup', ['database.workload']],
  ['database.backup.objectStore', ['database.backup.enabled']],
  ['database.user', ['database.databaseName']],
  ['database.resources.memoryLimit', ['database.resources.memoryRequest']],
  ['stackName', ['stage']],
];
// GitOps object names and paths derive from `stackName` and `stage`, which the schema checks itself.
const DERIVED_GITOPS_PROPS = ['name', 'path'];
// A bad value is taken out and the rest parsed again, so that the constructs check the rest; a few rounds suffice.
const MAX_PARSE_ROUNDS = 20;

/**
 * Parses a stage's settings into a StackConfig, once: the schema fills in the defaults, parses quantities into typed
 * values and checks the shape; each construct's own `checkProps` checks the props the config maps onto, reported
 * under the config's field names. Throws one ConfigError listing every problem.
 */
export function parseConfig(settings: Record<string, unknown>): StackConfig {
  const stage = String(settings.stage);
  const schemaProblems: Problem[] = [];
  // Every field whose value the schema rejected, reported or not: its default stands in for it from then on.
  const rejected: string[] = [];
  const readsOnlyAccepted = (problem: Problem) =>
    fieldsRead(problem.field).every(read => !rejected.some(field => overlaps(field, read)));
  let input: unknown = structuredClone(settings);
  for (let round = 0; round < MAX_PARSE_ROUNDS; round++) {
    const parsed = STACK_SCHEMA.safeParse(input, { reportInput: true, error: genericMessage });
    if (parsed.success) {
      const problems = [...schemaProblems, ...constructProblems(parsed.data, settings).filter(readsOnlyAccepted)];
      if (problems.length > 0) {
        throw new ConfigError(stage, unique(problems.map(formatProblem)));
      }
      return parsed.data;
    }
    // A later round parses what an earlier one could not reach (the settings of a variant whose key was rejected),
    // now as the default variant's: its values are still checked, but its unknown keys may be the rejected
    // variant's own, and a check that reads a rejected value judged its default.
    const issues = parsed.error.issues.map(issue => ({ issue, problems: problemsOf(issue, settings) }));
    const found = issues
      .filter(({ issue }) => round === 0 || issue.code !== 'unrecognized_keys')
      .flatMap(({ problems }) => problems);
    schemaProblems.push(...found.filter(readsOnlyAccepted));
    rejected.push(...issues.flatMap(({ problems }) => problems).map(problem => problem.field));
    input = withoutBadValues(input, parsed.error.issues);
  }
  throw new ConfigError(stage, unique(schemaProblems.map(formatProblem)));
}

/** What each construct finds wrong in the props the config maps onto it. */
function constructProblems(config: StackConfig, written: Record<string, unknown>): Problem[] {
  const problems: Problem[] = stackProblems(config);
  const fromConstruct = (section: string, found: readonly PropProblem[]) => {
    for (const problem of found.filter(p => section !== 'gitops' || !DERIVED_GITOPS_PROPS.includes(p.prop))) {
      const prop = section === 'gitops' ? problem.prop.replace(/^dependsOn\b/, 'fluxDependsOn') : problem.prop;
      const field = FIELD_OF_PROP[`${section}.${prop}`] ?? `${section}.${prop}`;
      // The value as the config wrote it (`5GB`, not a parsed size), when the field exists there.
      const value = valueAt(written, field);
      problems.push({ field, value: value === undefined ? problem.value : value, message: problem.message });
    }
  };
  fromConstruct('database', checkDatabaseProps(databaseProps(config)));
  if (config.database.workload !== DatabaseWorkload.CLOUDNATIVE_PG && config.database.backup.enabled) {
    fromConstruct(
      'database.backup',
      PostgresBackup.checkProps({ ...backupProps(config), database: { name: config.database.name } }),
    );
  }
  fromConstruct('app', TodoApp.checkProps(todoAppProps(config)));
  fromConstruct('app', AppNetworkPolicy.checkProps(appNetworkPolicyProps(config)));
  fromConstruct(
    'ingress',
    IngressBridge.checkProps(
      ingressBridgeProps(config, {
        serviceName: config.app.name,
        serviceNamespace: config.app.namespace,
        servicePort: config.app.port,
      }),
    ),
  );
  fromConstruct('gitops', [
    ...ArgoCdApplication.checkProps(argoCdApplicationProps(config)),
    ...FluxGitRepository.checkProps(fluxGitRepositoryProps(config)),
    ...FluxKustomization.checkProps(fluxKustomizationProps(config)),
  ]);
  return problems;
}

/** What no single construct checks: a label made of two settings, and the three namespaces. */
function stackProblems(config: StackConfig): Problem[] {
  const problems: Problem[] = [];
  const instance = `${config.stackName}-${config.stage}`;
  if (instance.length > 63) {
    problems.push({
      field: 'stackName',
      value: config.stackName,
      message:
        `with the stage it makes the label app.kubernetes.io/instance '${instance}' ` +
        `(${instance.length} characters), and a label value holds at most 63: shorten stackName or the stage name`,
    });
  }
  const namespaces = [config.database.namespace, config.app.namespace, config.ingress.namespace];
  if (new Set(namespaces).size !== namespaces.length) {
    problems.push({
      field: 'database.namespace, app.namespace, ingress.namespace',
      value: namespaces,
      message: 'must be three different namespaces: the stack gives each its own chart and its own network boundary',
    });
  }
  return problems;
}

/** The fields whose values a problem at `field` (or at several, `a, b`) was judged on. */
function fieldsRead(field: string): string[] {
  const fields = field.split(', ');
  return [
    ...fields,
    ...ALSO_READS.filter(([checked]) => fields.some(f => f === checked || f.startsWith(`${checked}.`))).flatMap(
      ([, reads]) => reads,
    ),
  ];
}

/** Whether a problem at `a` and one at `b` are about the same value (one holds the other). */
function overlaps(a: string, b: string): boolean {
  return a === b || b.startsWith(`${a}.`) || a.startsWith(`${b}.`);
}

function formatProblem(problem: Problem): string {
  return `${problem.field}: ${problem.message}, got ${shownValue(problem.field, problem.value)}`;
}

function unique(problems: readonly string[]): string[] {
  return [...new Set(problems)];
}
