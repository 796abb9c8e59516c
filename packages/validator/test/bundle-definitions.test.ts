import { reachableIds, sortKeys } from '../src/schema/bundle-definitions';

describe('the definitions a schema bundle keeps', () => {
  const definitions = {
    'io.k8s.api.core.v1.Pod': { properties: { spec: { $ref: 'io.k8s.api.core.v1.PodSpec#' } } },
    'io.k8s.api.core.v1.PodSpec': { properties: { containers: { items: { $ref: 'io.k8s.api.core.v1.Container#' } } } },
    'io.k8s.api.core.v1.Container': { properties: { name: { type: 'string' } } },
    'io.k8s.api.core.v1.Unused': { type: 'object' },
  };

  test('are those the roots reference, directly or through others', () => {
    expect(reachableIds(['io.k8s.api.core.v1.Pod'], definitions).sort()).toEqual([
      'io.k8s.api.core.v1.Container',
      'io.k8s.api.core.v1.Pod',
      'io.k8s.api.core.v1.PodSpec',
    ]);
  });

  test('a reference to a definition that none defines fails, naming it', () => {
    expect(() =>
      reachableIds(['io.k8s.api.core.v1.Pod'], { ...definitions, 'io.k8s.api.core.v1.Container': undefined as never }),
    ).toThrow("the definitions reference 'io.k8s.api.core.v1.Container', which none of them defines");
  });

  test('are written in code-unit order of their keys, whatever order they were read in', () => {
    expect(Object.keys(sortKeys({ b: 1, B: 2, a: 3, 'a.b': 4 }))).toEqual(['B', 'a', 'a.b', 'b']);
  });
});
