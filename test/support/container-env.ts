import { Manifest } from './manifests';

/**
 * The environment a container of `owner` gets in the cluster: literal values, and ConfigMap and Secret keys
 * resolved against the synthesized objects of its namespace. A reference that does not resolve fails the test.
 */
export function containerEnv(container: any, objects: readonly Manifest[], namespace: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) {
      env[entry.name] = entry.value;
      continue;
    }
    const ref = entry.valueFrom?.configMapKeyRef ?? entry.valueFrom?.secretKeyRef;
    const kind = entry.valueFrom?.configMapKeyRef ? 'ConfigMap' : 'Secret';
    const source = objects.find(
      o => o.kind === kind && o.metadata.name === ref?.name && o.metadata.namespace === namespace,
    );
    if (!source) {
      throw new Error(
        `env ${entry.name}: ${kind} '${ref?.name}' is not in namespace '${namespace}' of the synthesized output`,
      );
    }
    const value =
      kind === 'Secret'
        ? (source.stringData?.[ref.key] ??
          (source.data?.[ref.key] !== undefined
            ? Buffer.from(source.data[ref.key], 'base64').toString('utf8')
            : undefined))
        : source.data?.[ref.key];
    if (value === undefined) {
      throw new Error(`env ${entry.name}: ${kind} '${ref.name}' has no key '${ref.key}'`);
    }
    env[entry.name] = value;
  }
  return env;
}
