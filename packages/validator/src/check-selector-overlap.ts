import { Finding, objectFinding } from './finding';
import { describe, isNamespaced, Manifest } from './manifest';
import { operatorPodLabels } from './operator-pods';
import { podTemplateOf, selectorMatches } from './pod-templates';

/** Controllers that own their pods through `spec.selector`. Jobs are left out: theirs is generated (controller-uid). */
const CONTROLLERS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController']);

/**
 * The labels that say which application a pod belongs to (Kubernetes' recommended labels, and the older `app`). Two
 * workloads whose pods agree on all of them are one application in two tracks — a canary beside its stable
 * Deployment — which one Service may rightly span; two that differ in any are not.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 * @see https://kubernetes.io/docs/concepts/workloads/management/#canary-deployments
 */
const APPLICATION_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/component',
  'app',
];

/** Something that runs long-lived pods: a controller with a pod template, or a custom resource an operator makes pods for. */
interface Workload {
  readonly manifest: Manifest;
  readonly namespace: string | undefined;
  /** Its `spec.selector`; none for a custom resource (the operator selects its pods itself). */
  readonly selector?: any;
  /** The labels of its pods: its template's, or every kind of pod the operator makes for it. */
  readonly podLabels: ReadonlyArray<Record<string, string>>;
  readonly name: string;
}

/**
 * Checks that every workload's pods are its own: that no workload's selector matches another's pods, and that no
 * Service sends traffic to the pods of two applications. The API server accepts both; then each controller adopts
 * the other's orphaned pods, and Services, PodDisruptionBudgets and NetworkPolicies over those labels cover both.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#selector
 */
export function checkSelectorOverlap(manifests: readonly Manifest[]): Finding[] {
  const workloads = manifests.flatMap(workloadOf);
  return [
    ...overlappingWorkloads(workloads),
    ...manifests.flatMap(manifest => serviceOverTwoWorkloads(manifest, workloads)),
  ];
}

function workloadOf(manifest: Manifest): Workload[] {
  const { object } = manifest;
  const namespace = isNamespaced(object.kind) ? (object.metadata.namespace ?? 'default') : undefined;
  const operatorPods = operatorPodLabels(manifest);
  if (operatorPods.length > 0) {
    return [
      { manifest, namespace, podLabels: operatorPods, name: `${describe(object)} (the pods its operator makes)` },
    ];
  }
  const pod = CONTROLLERS.has(object.kind) ? podTemplateOf(manifest) : undefined;
  if (!pod) {
    return [];
  }
  // A ReplicationController without a selector selects its template's labels.
  const selector = object.spec.selector ?? (object.kind === 'ReplicationController' ? pod.labels : undefined);
  return [
    {
      manifest,
      namespace,
      selector: isEmpty(selector) ? undefined : selector,
      podLabels: [pod.labels],
      name: describe(object),
    },
  ];
}

/** One finding per pair of workloads in a namespace where one's selector matches the other's pods. */
function overlappingWorkloads(workloads: readonly Workload[]): Finding[] {
  const findings: Finding[] = [];
  const selects = (a: Workload, b: Workload) =>
    a.selector !== undefined && b.podLabels.some(labels => selectorMatches(a.selector, labels));
  workloads.forEach((later, index) => {
    for (const earlier of workloads.slice(0, index)) {
      if (earlier.namespace !== later.namespace) {
        continue;
      }
      const [forward, backward] = [selects(later, earlier), selects(earlier, later)];
      if (!forward && !backward) {
        continue;
      }
      // Reported at the selector that overreaches: the later one's when both do.
      const [at, other] = forward ? [later, earlier] : [earlier, later];
      const both =
        forward && backward
          ? `, and the selector of ${other.name} (${showSelector(other.selector)}) matches these pods too`
          : '';
      findings.push(
        objectFinding(
          'workload-selector-overlap',
          at.manifest,
          ['spec', 'selector'],
          `selector ${showSelector(at.selector)} matches the pods of ${other.name} too${both}: each controller adopts the other's ` +
            'orphaned pods, and a Service, PodDisruptionBudget or NetworkPolicy with these labels covers both',
          `add a label that only ${at.name}'s pods carry (such as app.kubernetes.io/instance, or app.kubernetes.io/name set to ` +
            'its own name) to its selector and pod template; a selector is immutable, so a running workload is orphan-deleted ' +
            '(kubectl delete … --cascade=orphan) and applied again (README, "Upgrades the API server accepts")',
        ),
      );
    }
  });
  return findings;
}

/** A Service whose selector matches the pods of two workloads that are not one application. */
function serviceOverTwoWorkloads(manifest: Manifest, workloads: readonly Workload[]): Finding[] {
  const { object } = manifest;
  const selector = object.spec?.selector;
  if (
    object.kind !== 'Service' ||
    object.apiVersion !== 'v1' ||
    object.spec?.type === 'ExternalName' ||
    isEmpty(selector)
  ) {
    return [];
  }
  const namespace = object.metadata.namespace ?? 'default';
  const selected = workloads.filter(
    w => w.namespace === namespace && w.podLabels.some(labels => selectorMatches(selector, labels)),
  );
  if (selected.length < 2) {
    return [];
  }
  const identities = selected.map(w => applicationOf(w.podLabels[0]));
  const differing = APPLICATION_LABELS.filter(key => new Set(identities.map(identity => identity[key])).size > 1);
  const unlabelled = identities.every(identity => Object.keys(identity).length === 0);
  if (differing.length === 0 && !unlabelled) {
    return [];
  }
  const why = unlabelled
    ? 'none of their pods says which application it belongs to'
    : `their pods differ in ${differing.map(key => `${key} (${identities.map(identity => show(identity[key])).join(' vs ')})`).join(' and ')}`;
  return [
    objectFinding(
      'service-selects-two-workloads',
      manifest,
      ['spec', 'selector'],
      `selector ${showSelector(selector)} matches the pods of ${selected.map(w => w.name).join(' and of ')}, which are not one ` +
        `application (${why}): each connection goes to any of them`,
      `add a label that only the intended workload's pods carry (such as app.kubernetes.io/name or app.kubernetes.io/instance) ` +
        'to the selector; a Service meant to span two tracks of one application (a canary) is recognised when both pod ' +
        `templates carry the same ${APPLICATION_LABELS.join(', ')} labels`,
    ),
  ];
}

function applicationOf(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(APPLICATION_LABELS.filter(key => labels[key] !== undefined).map(key => [key, labels[key]]));
}

function isEmpty(selector: any): boolean {
  return (
    !selector ||
    typeof selector !== 'object' ||
    (Object.keys(selector.matchLabels ?? (selector.matchExpressions ? {} : selector)).length === 0 &&
      (selector.matchExpressions ?? []).length === 0)
  );
}

function show(value: string | undefined): string {
  return value === undefined ? '(none)' : `'${value}'`;
}

/** A selector as kubectl's `-l` reads it, so that `kubectl get pods -l '…'` lists what it matches. */
function showSelector(selector: any): string {
  const matchLabels: Record<string, string> = selector.matchLabels ?? (selector.matchExpressions ? {} : selector);
  const terms = Object.entries(matchLabels).map(([key, value]) => `${key}=${value}`);
  for (const expression of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
    const values = (expression.values ?? []).join(',');
    terms.push(
      expression.operator === 'In'
        ? `${expression.key} in (${values})`
        : expression.operator === 'NotIn'
          ? `${expression.key} notin (${values})`
          : expression.operator === 'DoesNotExist'
            ? `!${expression.key}`
            : expression.key,
    );
  }
  return `'${terms.join(',')}'`;
}
