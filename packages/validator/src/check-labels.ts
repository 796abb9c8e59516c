import { DNS_SUBDOMAIN, LABEL_VALUE, QUALIFIED_NAME } from '@stateful-todo/kube-conventions';

import { Finding, objectFinding } from './finding';
import { Manifest, PathSegment } from './manifest';
import { podTemplateOf } from './pod-templates';

/** invalid-label and invalid-annotation: the keys and values of the object's labels (and its pod template's), and its annotation keys. */
export function checkLabelsAndAnnotations(manifest: Manifest): Finding[] {
  const findings: Finding[] = [];
  const checkLabels = (labels: unknown, path: PathSegment[]) => {
    if (!labels || typeof labels !== 'object') {
      return;
    }
    for (const [key, value] of Object.entries(labels)) {
      if (!isQualifiedKey(key)) {
        findings.push(objectFinding('invalid-label', manifest, [...path, key], `label key '${key}' is malformed`));
      }
      if (typeof value === 'string' && (value.length > 63 || !LABEL_VALUE.test(value))) {
        findings.push(
          objectFinding('invalid-label', manifest, [...path, key], `label value '${value}' of '${key}' is malformed`),
        );
      }
    }
  };
  const { metadata } = manifest.object;
  checkLabels(metadata.labels, ['metadata', 'labels']);
  const pod = podTemplateOf(manifest);
  if (pod && pod.manifest.object.kind !== 'Pod') {
    checkLabels(pod.labels, [...pod.specPath.slice(0, -1), 'metadata', 'labels']);
  }
  for (const key of Object.keys(metadata.annotations ?? {})) {
    if (!isQualifiedKey(key)) {
      findings.push(
        objectFinding(
          'invalid-annotation',
          manifest,
          ['metadata', 'annotations', key],
          `annotation key '${key}' is malformed`,
        ),
      );
    }
  }
  return findings;
}

function isQualifiedKey(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return false;
  }
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME.test(name);
}
