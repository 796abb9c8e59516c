import { diffManifests } from '../src/diff-manifests';
import { Manifest } from '../src/manifest';

const manifest = (object: any): Manifest => ({ file: 'set.yaml', documentIndex: 0, object, lineOf: () => 1 });
const statefulSet = (name: string) =>
  manifest({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'shop' },
    spec: {
      serviceName: 'db',
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'db', image: 'postgres:17' }] } },
    },
  });
const service = (name: string) =>
  manifest({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'db', namespace: 'shop' },
    spec: { selector: { app: name }, ports: [{ port: 5432 }] },
  });
const budget = (name: string) =>
  manifest({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'db', namespace: 'shop' },
    spec: { maxUnavailable: 1, selector: { matchLabels: { app: name } } },
  });

describe('npm run diff: a selector that no running pod matches', () => {
  test('a Service and a PDB whose new selector matches none of the pods the previous version runs say so; their effect stays no-effect', () => {
    const diff = diffManifests(
      'prod',
      [statefulSet('postgresql'), service('postgresql'), budget('postgresql')],
      [statefulSet('postgres'), service('postgres'), budget('postgres')],
    );
    const byObject = Object.fromEntries(diff.objects.map(o => [o.object, o]));
    expect(byObject['Service shop/db']).toMatchObject({
      effect: 'no-effect',
      selects: expect.stringMatching(
        /matches none of the pods the previous version runs here.*no endpoints: clients cannot connect/,
      ),
    });
    expect(byObject['PodDisruptionBudget shop/db']).toMatchObject({
      effect: 'no-effect',
      selects: expect.stringMatching(/covers no pod; apply it together with the workload change/),
    });
    expect(byObject['StatefulSet shop/db'].effect).toBe('refused');
  });

  test('a selector that changes but still matches the running pods, or does not change, says nothing', () => {
    const wider = manifest({ ...service('postgresql').object, spec: { selector: {}, ports: [{ port: 5432 }] } });
    const diff = diffManifests(
      'prod',
      [statefulSet('postgresql'), service('postgresql')],
      [statefulSet('postgresql'), wider],
    );
    expect(diff.objects.every(o => o.selects === undefined)).toBe(true);
    const relabelled = manifest({
      ...service('postgresql').object,
      metadata: { name: 'db', namespace: 'shop', labels: { team: 'a' } },
    });
    expect(
      diffManifests('prod', [statefulSet('postgresql'), service('postgresql')], [statefulSet('postgresql'), relabelled])
        .objects[0].selects,
    ).toBeUndefined();
  });
});
