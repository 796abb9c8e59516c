import { Manifest, PathSegment } from './manifest';

/** A pod spec inside a manifest, with its labels and where it sits. */
export interface PodTemplate {
  readonly manifest: Manifest;
  /** Path of the pod spec (`spec` of a Pod, `spec.template.spec` of a Deployment, …). */
  readonly specPath: readonly PathSegment[];
  readonly spec: any;
  readonly labels: Record<string, string>;
  /** Whether its containers are meant to run forever (probes apply), unlike a Job's. */
  readonly longRunning: boolean;
}

/** One container of a pod spec, with its path. */
export interface ContainerAt {
  readonly container: any;
  readonly path: readonly PathSegment[];
  readonly init: boolean;
}

const TEMPLATE_PATHS: Readonly<Record<string, { path: PathSegment[]; longRunning: boolean }>> = {
  Deployment: { path: ['spec', 'template'], longRunning: true },
  StatefulSet: { path: ['spec', 'template'], longRunning: true },
  DaemonSet: { path: ['spec', 'template'], longRunning: true },
  ReplicaSet: { path: ['spec', 'template'], longRunning: true },
  ReplicationController: { path: ['spec', 'template'], longRunning: true },
  Job: { path: ['spec', 'template'], longRunning: false },
  CronJob: { path: ['spec', 'jobTemplate', 'spec', 'template'], longRunning: false },
  PodTemplate: { path: ['template'], longRunning: true },
};

/** The pod template of a workload (or the spec of a Pod), if it has one. */
export function podTemplateOf(manifest: Manifest): PodTemplate | undefined {
  const { object } = manifest;
  if (object.kind === 'Pod') {
    return object.spec && typeof object.spec === 'object'
      ? {
          manifest,
          specPath: ['spec'],
          spec: object.spec,
          labels: object.metadata.labels ?? {},
          longRunning: object.spec.restartPolicy !== 'Never' && object.spec.restartPolicy !== 'OnFailure',
        }
      : undefined;
  }
  const where = TEMPLATE_PATHS[object.kind];
  if (!where || !object.apiVersion.match(/^(apps|batch|v1)(\/|$)/)) {
    return undefined;
  }
  const template = where.path.reduce<any>((node, key) => node?.[key], object);
  if (!template || typeof template !== 'object' || !template.spec || typeof template.spec !== 'object') {
    return undefined;
  }
  return {
    manifest,
    specPath: [...where.path, 'spec'],
    spec: template.spec,
    labels: template.metadata?.labels ?? {},
    longRunning: where.longRunning,
  };
}

/** Every container and init container of a pod spec. */
export function containersOf(pod: PodTemplate): ContainerAt[] {
  const list = (key: string, init: boolean): ContainerAt[] =>
    (Array.isArray(pod.spec[key]) ? pod.spec[key] : [])
      .map((container: any, index: number) => ({ container, path: [...pod.specPath, key, index], init }))
      .filter((c: ContainerAt) => c.container && typeof c.container === 'object');
  return [...list('initContainers', true), ...list('containers', false), ...list('ephemeralContainers', true)];
}

/**
 * Labels that a controller adds to every pod it makes, beyond its template's, each with the values it can take (a
 * StatefulSet's pod-name is `<name>-<ordinal>`; a hash can be anything). Services, PodDisruptionBudgets and
 * NetworkPolicies select pods by them, such as one Service per StatefulSet pod.
 */
export type AddedLabels = Readonly<Record<string, (value: string) => boolean>>;

const ANY_VALUE = (value: string) => value !== '';
const ORDINAL = (value: string) => /^(0|[1-9]\d*)$/.test(value);

/** The labels the controller of `pod`'s workload adds to each pod (k8s.io/api: apps/v1, batch/v1 label constants). */
export function controllerLabels(pod: PodTemplate): AddedLabels {
  const { kind, metadata } = pod.manifest.object;
  const name = typeof metadata.name === 'string' ? metadata.name : undefined;
  // A Job's name: its own, a generated one after generateName, or, for a CronJob's, `<cronjob>-<scheduled time>`.
  const jobName = (value: string) =>
    kind === 'CronJob'
      ? value.startsWith(`${name}-`)
      : name !== undefined
        ? value === name
        : value.startsWith(String(metadata.generateName ?? ''));
  switch (kind) {
    case 'StatefulSet':
      return {
        'statefulset.kubernetes.io/pod-name': value =>
          name !== undefined && value.startsWith(`${name}-`) && ORDINAL(value.slice(name.length + 1)),
        'apps.kubernetes.io/pod-index': ORDINAL,
        'controller-revision-hash': ANY_VALUE,
      };
    case 'Deployment':
      return { 'pod-template-hash': ANY_VALUE };
    case 'DaemonSet':
      return { 'controller-revision-hash': ANY_VALUE, 'pod-template-generation': ORDINAL };
    case 'Job':
    case 'CronJob':
      return {
        'controller-uid': ANY_VALUE,
        'batch.kubernetes.io/controller-uid': ANY_VALUE,
        'job-name': jobName,
        'batch.kubernetes.io/job-name': jobName,
        'batch.kubernetes.io/job-completion-index': ORDINAL,
      };
    default:
      return {};
  }
}

/**
 * Whether `labels` satisfy a label selector (matchLabels and matchExpressions; an empty selector matches all).
 * `added`: the labels a controller adds to the pods (see controllerLabels), which take any of their values.
 */
export function selectorMatches(selector: any, labels: Record<string, string>, added: AddedLabels = {}): boolean {
  if (!selector || typeof selector !== 'object') {
    return false;
  }
  const has = (key: string) =>
    Object.prototype.hasOwnProperty.call(added, key) || Object.prototype.hasOwnProperty.call(labels, key);
  const takes = (key: string, value: unknown) =>
    Object.prototype.hasOwnProperty.call(added, key)
      ? typeof value === 'string' && added[key](value)
      : labels[key] === value;
  const matchLabels: Record<string, string> = selector.matchLabels ?? (selector.matchExpressions ? {} : selector);
  for (const [key, value] of Object.entries(matchLabels)) {
    if (!takes(key, value)) {
      return false;
    }
  }
  for (const expression of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
    const key = expression.key;
    const values: string[] = Array.isArray(expression.values) ? expression.values : [];
    // An added label can take a value outside any list, so NotIn can hold for it.
    const ok =
      expression.operator === 'In'
        ? has(key) && values.some(value => takes(key, value))
        : expression.operator === 'NotIn'
          ? !has(key) || Object.prototype.hasOwnProperty.call(added, key) || !values.includes(labels[key])
          : expression.operator === 'Exists'
            ? has(key)
            : expression.operator === 'DoesNotExist'
              ? !has(key)
              : false;
    if (!ok) {
      return false;
    }
  }
  return true;
}
