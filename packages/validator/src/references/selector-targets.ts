import { Manifest, PathSegment } from '../manifest';
import { PodTemplate, selectorMatches } from '../pod-templates';

import { namespaceOf, ReferenceIndex, Report } from './reference-index';

// Workloads whose spec.selector must match their own pod template.
const SELECTING_WORKLOADS = ['Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet', 'ReplicationController'];

/** An HPA's scaleTargetRef names a workload of the set, by its own apiVersion. */
export function checkScaleTarget(manifest: Manifest, index: ReferenceIndex, report: Report): void {
  const ref = manifest.object.spec?.scaleTargetRef;
  if (!ref?.kind || !ref?.name) {
    return;
  }
  // Looked up as the built-in kind, so that a wrong apiVersion is reported as such below.
  const target = index.find(ref.kind, namespaceOf(manifest.object), ref.name);
  if (!target) {
    report(
      'target-no-match',
      manifest,
      ['spec', 'scaleTargetRef'],
      `scaleTargetRef ${ref.kind} '${ref.name}' is not in namespace '${namespaceOf(manifest.object)}'`,
    );
  } else if (ref.apiVersion && ref.apiVersion !== target.object.apiVersion) {
    report(
      'scale-target-mismatch',
      manifest,
      ['spec', 'scaleTargetRef', 'apiVersion'],
      `scaleTargetRef apiVersion '${ref.apiVersion}' does not match the ${ref.kind}'s '${target.object.apiVersion}'`,
    );
  }
}

/** target-no-match: the selector at `path` (a PodDisruptionBudget's, a NetworkPolicy's) matches pods of the set. */
export function checkPodSelector(
  manifest: Manifest,
  path: PathSegment[],
  what: string,
  index: ReferenceIndex,
  report: Report,
): void {
  const selector = path.reduce<any>((node, key) => node?.[key], manifest.object);
  const empty =
    !selector ||
    (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
  if (empty) {
    return; // an empty selector selects every pod of the namespace, by design
  }
  if (!index.podLabelsIn(namespaceOf(manifest.object)).some(pod => selectorMatches(selector, pod.labels, pod.added))) {
    report(
      'target-no-match',
      manifest,
      path,
      `${what} ${JSON.stringify(selector)} matches no pod template in namespace '${namespaceOf(manifest.object)}'`,
    );
  }
}

/** selector-template-mismatch: a workload's selector matches its own pod template. */
export function checkWorkloadSelector(pod: PodTemplate, report: Report): void {
  const { object } = pod.manifest;
  if (!SELECTING_WORKLOADS.includes(object.kind) || !object.spec?.selector) {
    return;
  }
  if (!selectorMatches(object.spec.selector, pod.labels)) {
    report(
      'selector-template-mismatch',
      pod.manifest,
      ['spec', 'selector'],
      `selector ${JSON.stringify(object.spec.selector)} does not match the pod template's labels ${JSON.stringify(pod.labels)}`,
    );
  }
}
