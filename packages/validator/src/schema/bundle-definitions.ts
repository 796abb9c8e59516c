/**
 * The definitions a bundle keeps: those its kinds reference, directly or through others. Every id referenced must
 * be defined: a dangling `$ref` would compile into a validator that fails at its first use.
 */
export function reachableIds(roots: readonly string[], definitions: Record<string, object>): string[] {
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) {
      return;
    }
    if (!definitions[id]) {
      throw new Error(`the definitions reference '${id}', which none of them defines`);
    }
    seen.add(id);
    JSON.stringify(definitions[id], (key, value) => {
      if (key === '$ref' && typeof value === 'string') {
        visit(value.replace(/#$/, ''));
      }
      return value;
    });
  };
  roots.forEach(visit);
  return [...seen];
}

/** `object` with its keys in code-unit order, so that the committed bundle does not depend on the order read. */
export function sortKeys<T extends Record<string, any>>(object: T): T {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}
