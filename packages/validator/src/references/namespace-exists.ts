import { isNamespaced, Manifest } from '../manifest';

import { ReferenceIndex, Report } from './reference-index';

/** namespace-missing: the object's namespace is neither in the set, nor one every cluster has, nor known to exist. */
export function checkNamespace(manifest: Manifest, index: ReferenceIndex, report: Report): void {
  const namespace = manifest.object.metadata.namespace;
  if (isNamespaced(manifest.object.kind) && typeof namespace === 'string' && !index.namespaceExists(namespace)) {
    report(
      'namespace-missing',
      manifest,
      ['metadata', 'namespace'],
      `namespace '${namespace}' is not in the set and not known to exist`,
    );
  }
}
