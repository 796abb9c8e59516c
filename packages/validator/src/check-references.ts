import { Finding, objectFinding } from './finding';
import { Manifest } from './manifest';
import { checkConfigReferences } from './references/config-references';
import { checkContainerEnvAndProbes } from './references/container-env-and-probes';
import { checkIngress } from './references/ingress-references';
import { checkNamespace } from './references/namespace-exists';
import { checkNetworkPolicyPeers } from './references/network-policy-peers';
import { checkPodReferences } from './references/pod-references';
import { ReferenceIndex, ReferenceOptions, Report } from './references/reference-index';
import { checkPodSelector, checkScaleTarget, checkWorkloadSelector } from './references/selector-targets';
import { checkService, checkStatefulSet } from './references/service-references';
import { checkClaimBinding } from './references/volume-binding';

export type { ReferenceOptions };

/**
 * Checks what no single object shows: that the objects of a set refer to each other correctly. This is where
 * the tutorial's manifests break while each file is schema-valid on its own. Each concern has its own module in
 * references/; they share one index of the set.
 */
export function checkReferences(manifests: readonly Manifest[], options: ReferenceOptions = {}): Finding[] {
  const index = new ReferenceIndex(manifests, options);
  const findings: Finding[] = [...index.duplicates];
  const report: Report = (ruleId, manifest, path, message) => {
    findings.push(objectFinding(ruleId, manifest, path, message));
  };
  for (const manifest of manifests) {
    checkNamespace(manifest, index, report);
    switch (manifest.object.kind) {
      case 'Service':
        checkService(manifest, index, report);
        break;
      case 'StatefulSet':
        checkStatefulSet(manifest, index, report);
        break;
      case 'Ingress':
        checkIngress(manifest, index, report);
        break;
      case 'PersistentVolumeClaim':
        checkClaimBinding(manifest, index, report);
        break;
      case 'HorizontalPodAutoscaler':
        checkScaleTarget(manifest, index, report);
        break;
      case 'PodDisruptionBudget':
        checkPodSelector(manifest, ['spec', 'selector'], 'PodDisruptionBudget selector', index, report);
        break;
      case 'NetworkPolicy':
        checkPodSelector(manifest, ['spec', 'podSelector'], 'NetworkPolicy podSelector', index, report);
        checkNetworkPolicyPeers(manifest, index, report);
        break;
    }
  }
  for (const pod of index.pods) {
    checkWorkloadSelector(pod, report);
    checkPodReferences(pod, index, report);
    checkContainerEnvAndProbes(pod, report);
    checkConfigReferences(pod, index, report);
  }
  return findings;
}
