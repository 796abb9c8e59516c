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
      ? { manifest, specPath: ['spec'], spec: object.spec, labels: object.metadata.labels ?? {}, longRunning: object.spec.restartPolicy !== 'Never' && object.spec.restartPolicy !== 'OnFailure' }
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
  return { manifest, specPath: [...where.path, 'spec'], spec: template.spec, labels: template.metadata?.labels ?? {}, longRunning: where.longRunning };
}

/** Every container and init container of a pod spec. */
export function containersOf(pod: PodTemplate): ContainerAt[] {
  const list = (key: string, init: boolean): ContainerAt[] => (Array.isArray(pod.spec[key]) ? pod.spec[key] : [])
    .map((container: any, index: number) => ({ container, path: [...pod.specPath, key, index], init }))
    .filter((c: ContainerAt) => c.container && typeof c.container === 'object');
  return [...list('initContainers', true), ...list('containers', false), ...list('ephemeralContainers', true)];
}

/** Whether `labels` satisfy a label selector (matchLabels and matchExpressions; an empty selector matches all). */
export function selectorMatches(selector: any, labels: Record<string, string>): boolean {
  if (!selector || typeof selector !== 'object') {
    return false;
  }
  const matchLabels: Record<string, string> = selector.matchLabels ?? (selector.matchExpressions ? {} : selector);
  for (const [key, value] of Object.entries(matchLabels)) {
    if (labels[key] !== value) {
      return false;
    }
  }
  for (const expression of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
    const has = Object.prototype.hasOwnProperty.call(labels, expression.key);
    const values: string[] = expression.values ?? [];
    const ok = expression.operator === 'In' ? has && values.includes(labels[expression.key])
      : expression.operator === 'NotIn' ? !has || !values.includes(labels[expression.key])
        : expression.operator === 'Exists' ? has
          : expression.operator === 'DoesNotExist' ? !has : false;
    if (!ok) {
      return false;
    }
  }
  return true;
}
