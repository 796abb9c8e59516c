import { parseQuantity } from '@stateful-todo/kube-conventions';

import { Manifest } from '../manifest';
import { selectorMatches } from '../pod-templates';

import { namespaceOf, ReferenceIndex, Report } from './reference-index';

/** pv-pvc-mismatch: a claim and the PersistentVolume it names, or that names it, can bind. */
export function checkClaimBinding(claim: Manifest, index: ReferenceIndex, report: Report): void {
  const claimSpec = claim.object.spec ?? {};
  const namespace = namespaceOf(claim.object);
  const volume =
    (claimSpec.volumeName && index.find('PersistentVolume', undefined, claimSpec.volumeName)) ||
    index.volumes.find(
      m =>
        m.object.spec?.claimRef?.name === claim.object.metadata.name &&
        (m.object.spec?.claimRef?.namespace ?? 'default') === namespace,
    );
  if (!volume) {
    checkUnnamedBinding(claim, index, report);
    return;
  }
  const problems = bindingProblems(claimSpec, volume);
  if (problems.length > 0) {
    report(
      'pv-pvc-mismatch',
      claim,
      ['spec'],
      `cannot bind to PersistentVolume '${volume.object.metadata.name}' (${volume.file}:${volume.lineOf(['spec'])}): ${problems.join('; ')}`,
    );
  }
}

/**
 * A claim and a volume meant for each other though neither names the other: the claim's selector matches the
 * volume, they share a label, or their names differ only by a -pv/-pvc/-volume/-claim suffix. The PV controller
 * binds a claim to any free volume of its class that satisfies it; when none of the volumes meant for it does, the
 * claim stays Pending.
 */
function checkUnnamedBinding(claim: Manifest, index: ReferenceIndex, report: Report): void {
  const claimSpec = claim.object.spec ?? {};
  if (claimSpec.volumeName) {
    return;
  }
  const meant = index.volumes.filter(volume => !volume.object.spec?.claimRef && isMeantFor(claim, volume));
  if (meant.length === 0) {
    return;
  }
  const verdicts = meant.map(volume => ({ volume, problems: bindingProblems(claimSpec, volume) }));
  if (verdicts.some(verdict => verdict.problems.length === 0)) {
    return;
  }
  const { volume, problems } = verdicts[0];
  report(
    'pv-pvc-mismatch',
    claim,
    ['spec'],
    `cannot bind to PersistentVolume '${volume.object.metadata.name}' ` +
      `(${volume.file}:${volume.lineOf(['spec'])}), which it is meant for: ${problems.join('; ')}`,
  );
}

/** Why the claim cannot bind the volume; empty when it can. */
function bindingProblems(claimSpec: any, volume: Manifest): string[] {
  const pv = volume.object.spec ?? {};
  const problems: string[] = [];
  const missingModes = (claimSpec.accessModes ?? []).filter((mode: string) => !(pv.accessModes ?? []).includes(mode));
  if (missingModes.length > 0) {
    problems.push(
      `access modes ${JSON.stringify(claimSpec.accessModes)} are not all offered by the volume's ${JSON.stringify(pv.accessModes ?? [])}`,
    );
  }
  if (claimSpec.storageClassName === undefined && !pv.storageClassName) {
    problems.push(
      "the claim has no storageClassName, so the cluster's default storage class is set on it when it is " +
        'created, and it will not bind a volume without a class: set storageClassName: "" on the claim (no class)',
    );
  } else if (
    claimSpec.storageClassName !== undefined &&
    (claimSpec.storageClassName ?? '') !== (pv.storageClassName ?? '')
  ) {
    problems.push(
      `storage class '${claimSpec.storageClassName}' differs from the volume's '${pv.storageClassName ?? ''}'`,
    );
  }
  if ((claimSpec.volumeMode ?? 'Filesystem') !== (pv.volumeMode ?? 'Filesystem')) {
    problems.push(
      `volume mode ${claimSpec.volumeMode ?? 'Filesystem'} differs from the volume's ${pv.volumeMode ?? 'Filesystem'}`,
    );
  }
  const requested = parseQuantity(String(claimSpec.resources?.requests?.storage ?? ''));
  const capacity = parseQuantity(String(pv.capacity?.storage ?? ''));
  if (requested !== undefined && capacity !== undefined && capacity < requested) {
    problems.push(
      `the claim requests ${claimSpec.resources.requests.storage} but the volume holds ${pv.capacity.storage}`,
    );
  }
  return problems;
}

/** Whether `claim` is evidently meant for `volume` (see checkUnnamedBinding). */
function isMeantFor(claim: Manifest, volume: Manifest): boolean {
  const selector = claim.object.spec?.selector;
  const volumeLabels: Record<string, string> = volume.object.metadata.labels ?? {};
  if (selector && typeof selector === 'object') {
    return selectorMatches(selector, volumeLabels);
  }
  const claimLabels: Record<string, string> = claim.object.metadata.labels ?? {};
  if (Object.entries(claimLabels).some(([key, value]) => volumeLabels[key] === value)) {
    return true;
  }
  const stem = (name: unknown) => String(name ?? '').replace(/-(pvc|pv|volume|claim|vol)$/, '');
  return (
    stem(claim.object.metadata.name) !== '' && stem(claim.object.metadata.name) === stem(volume.object.metadata.name)
  );
}
