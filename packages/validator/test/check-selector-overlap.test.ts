import { check, findingsOf, goodSet, GoodSet } from './support';

// The variants of workload-selector-overlap and service-selects-two-workloads beyond the one case each in rules.test.ts.
const OVERLAP = 'workload-selector-overlap';
const SERVICE = 'service-selects-two-workloads';

function messages(mutate: (set: GoodSet) => object[] | void, ruleId: string): string[] {
  const set = goodSet();
  const extra = mutate(set) ?? [];
  return findingsOf(check([...Object.values(set), ...extra]), ruleId).map(f => `${f.object}: ${f.message}`);
}

/** A copy of the good set's Deployment, named `name`, with these pod labels and selector. */
function deployment(
  set: GoodSet,
  name: string,
  labels: Record<string, string>,
  selector: Record<string, string> = labels,
): object {
  const copy = JSON.parse(JSON.stringify(set.web));
  copy.metadata = { name, namespace: 'shop', labels };
  copy.spec.selector = { matchLabels: selector };
  copy.spec.template.metadata.labels = labels;
  return copy;
}

const cluster = (name: string, inherited?: Record<string, string>) => ({
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name, namespace: 'shop' },
  spec: { instances: 3, storage: { size: '1Gi' }, ...(inherited ? { inheritedMetadata: { labels: inherited } } : {}) },
});

describe('workload-selector-overlap', () => {
  test('one way: a wider selector is reported at the workload that has it, naming the other', () => {
    expect(messages(s => [deployment(s, 'web-all', { app: 'web', role: 'all' }, { app: 'web' })], OVERLAP)).toEqual([
      // web's own selector 'app=web' matches web-all's pods; web-all's selector matches web's.
      expect.stringMatching(
        /^Deployment shop\/web-all: selector 'app=web' matches the pods of Deployment shop\/web too, and the selector of Deployment shop\/web/,
      ),
    ]);
    expect(messages(s => [deployment(s, 'api', { app: 'api' })], OVERLAP)).toEqual([]);
    expect(
      messages(s => [deployment(s, 'narrow', { app: 'web', part: 'api' }, { app: 'web', part: 'api' })], OVERLAP),
    ).toEqual([
      "Deployment shop/web: selector 'app=web' matches the pods of Deployment shop/narrow too: each controller adopts the other's " +
        'orphaned pods, and a Service, PodDisruptionBudget or NetworkPolicy with these labels covers both',
    ]);
  });

  test('matchExpressions are read as kubectl -l writes them', () => {
    expect(
      messages(s => {
        const both = deployment(s, 'web-or-shop', { app: 'shop' }) as any;
        both.spec.selector = {
          matchExpressions: [
            { key: 'app', operator: 'In', values: ['web', 'shop'] },
            { key: 'track', operator: 'DoesNotExist' },
          ],
        };
        return [both];
      }, OVERLAP),
    ).toEqual([
      expect.stringMatching(
        /^Deployment shop\/web-or-shop: selector 'app in \(web,shop\),!track' matches the pods of Deployment shop\/web too:/,
      ),
    ]);
  });

  test("a selector that matches the pods an operator makes for a CloudNativePG Cluster; other namespaces' workloads never count", () => {
    expect(
      messages(
        s => [
          cluster('pg'),
          deployment(s, 'pooler', { 'cnpg.io/cluster': 'pg', app: 'pooler' }, { 'cnpg.io/cluster': 'pg' }),
        ],
        OVERLAP,
      ),
    ).toEqual([
      expect.stringMatching(
        /^Deployment shop\/pooler: selector 'cnpg\.io\/cluster=pg' matches the pods of Cluster shop\/pg \(the pods its operator makes\) too:/,
      ),
    ]);
    expect(
      messages(
        s => [{ ...deployment(s, 'web', { app: 'web' }), metadata: { name: 'web', namespace: 'edge' } }],
        OVERLAP,
      ),
    ).toEqual([]);
  });

  test("a Job's pods are not a workload's: its selector is generated, and its pods run to completion", () => {
    expect(
      messages(s => {
        s.archiver.spec.template = { ...s.archiver.spec.template, metadata: { labels: { app: 'web' } } } as any;
      }, OVERLAP),
    ).toEqual([]);
  });
});

describe('service-selects-two-workloads', () => {
  test('a Service over an app and a CloudNativePG Cluster whose pods inherit one of its labels', () => {
    expect(
      messages(s => {
        s.web.spec.template.metadata.labels = { app: 'web', tier: 'front' } as any;
        s.webService.spec.selector = { tier: 'front' } as any;
        return [cluster('pg', { tier: 'front' })];
      }, SERVICE),
    ).toEqual([
      "Service shop/web: selector 'tier=front' matches the pods of Deployment shop/web and of Cluster shop/pg (the pods its operator " +
        "makes), which are not one application (their pods differ in app ('web' vs (none))): each connection goes to any of them",
    ]);
  });

  test("all the pods of one Cluster (instances, initdb and join Jobs) are one workload's", () => {
    expect(
      messages(
        () => [
          cluster('pg'),
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'pg-any', namespace: 'shop' },
            spec: { selector: { 'cnpg.io/cluster': 'pg' }, ports: [{ port: 5432 }] },
          },
        ],
        SERVICE,
      ),
    ).toEqual([]);
  });

  test('two workloads without any application label cannot be told apart from two applications', () => {
    expect(
      messages(s => {
        s.web.spec.template.metadata.labels = { tier: 'front', track: 'stable' } as any;
        s.web.spec.selector.matchLabels = { tier: 'front', track: 'stable' } as any;
        s.webService.spec.selector = { tier: 'front' } as any;
        (s.pdb.spec.selector.matchLabels as any) = { tier: 'front' };
        (s.policy.spec.ingress[0].from[0].podSelector.matchLabels as any) = { tier: 'front' };
        return [deployment(s, 'web-canary', { tier: 'front', track: 'canary' })];
      }, SERVICE),
    ).toEqual([
      "Service shop/web: selector 'tier=front' matches the pods of Deployment shop/web and of Deployment shop/web-canary, which are " +
        'not one application (none of their pods says which application it belongs to): each connection goes to any of them',
    ]);
  });

  test('the recommended labels: a canary of one name, instance and component passes; another component does not', () => {
    const labels = {
      'app.kubernetes.io/name': 'shop',
      'app.kubernetes.io/instance': 'shop-prod',
      'app.kubernetes.io/component': 'server',
    };
    const setUp = (s: GoodSet, other: Record<string, string>) => {
      s.web.spec.template.metadata.labels = { ...labels, track: 'stable' } as any;
      s.web.spec.selector.matchLabels = { ...labels, track: 'stable' } as any;
      s.webService.spec.selector = { 'app.kubernetes.io/name': 'shop' } as any;
      (s.pdb.spec.selector.matchLabels as any) = labels;
      (s.policy.spec.ingress[0].from[0].podSelector.matchLabels as any) = labels;
      return [deployment(s, 'web-2', other)];
    };
    expect(messages(s => setUp(s, { ...labels, track: 'canary' }), SERVICE)).toEqual([]);
    expect(messages(s => setUp(s, { ...labels, 'app.kubernetes.io/component': 'worker' }), SERVICE)).toEqual([
      "Service shop/web: selector 'app.kubernetes.io/name=shop' matches the pods of Deployment shop/web and of Deployment shop/web-2, " +
        "which are not one application (their pods differ in app.kubernetes.io/component ('server' vs 'worker')): " +
        'each connection goes to any of them',
    ]);
  });
});
