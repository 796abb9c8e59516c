import { Manifest } from '../manifest';
import { selectorMatches } from '../pod-templates';

import { namespaceOf, ReferenceIndex, Report } from './reference-index';

/**
 * Each `from`/`to` peer whose podSelector matches no pod of the set in the namespace it selects: its own, or the
 * one a `kubernetes.io/metadata.name` namespaceSelector names, when the set holds that namespace (other namespace
 * selectors, and namespaces the set holds nothing of, such as an operator's, cannot be resolved here).
 */
export function checkNetworkPolicyPeers(manifest: Manifest, index: ReferenceIndex, report: Report): void {
  const spec = manifest.object.spec ?? {};
  const own = namespaceOf(manifest.object);
  for (const [direction, peersKey] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const) {
    (Array.isArray(spec[direction]) ? spec[direction] : []).forEach((rule: any, r: number) => {
      (Array.isArray(rule?.[peersKey]) ? rule[peersKey] : []).forEach((peer: any, p: number) => {
        const selector = peer?.podSelector;
        if (
          !selector ||
          typeof selector !== 'object' ||
          (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)
        ) {
          return;
        }
        const namespaceSelector = peer.namespaceSelector;
        let namespace: string | undefined = own;
        if (namespaceSelector !== undefined) {
          const named = namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
          if (typeof named !== 'string' || (namespaceSelector.matchExpressions ?? []).length > 0) {
            return;
          }
          namespace = named;
        }
        // The pods of a namespace the set holds nothing of (an operator's) are not the set's to judge.
        if (namespace !== own && !index.holdsNamespace(namespace)) {
          return;
        }
        if (!index.podLabelsIn(namespace).some(pod => selectorMatches(selector, pod.labels, pod.added))) {
          report(
            'network-policy-peer-no-match',
            manifest,
            ['spec', direction, r, peersKey, p, 'podSelector'],
            `${peersKey} podSelector ${JSON.stringify(selector)} matches no pod template in namespace '${namespace}'`,
          );
        }
      });
    });
  }
}
