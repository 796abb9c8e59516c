import * as fs from 'fs';
import * as path from 'path';
import { loadManifests } from '../src/load-manifests';
import { validatePaths } from '../src/validate-manifests';
import { checkText, tempFolder } from './support';

function folder(files: Record<string, string>): string {
  const dir = tempFolder('validate-');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n';

describe('loading manifests', () => {
  test('a syntax error is reported with its file and line, and the other files are still checked', () => {
    const dir = folder({
      'a-broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  key: [unclosed\n',
      'b-good.yaml': `${NAMESPACE}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: shop\ndata:\n  API_SECRET: x\n`,
    });
    const report = validatePaths([dir]);
    const parse = report.findings.find(f => f.ruleId === 'parse-error')!;
    expect(parse.file).toBe(path.join(dir, 'a-broken.yaml'));
    expect(parse.line).toBeGreaterThanOrEqual(6);
    expect(report.findings.find(f => f.ruleId === 'secret-in-configmap')?.file).toBe(path.join(dir, 'b-good.yaml'));
    expect(report.files).toHaveLength(2);
  });

  test('reads multi-document YAML, JSON, and List kinds; skips empty documents and kustomization files', () => {
    const dir = folder({
      'one.yaml': `---\n${NAMESPACE}---\n---\n`,
      'two.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'shop' }, data: {} }] }),
      'sub/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [one.yaml]\n',
      'notes.txt': 'not a manifest',
    });
    const loaded = loadManifests([dir]);
    expect(loaded.findings).toEqual([]);
    expect(loaded.files.map(f => path.relative(dir, f))).toEqual(['one.yaml', path.join('sub', 'kustomization.yaml'), 'two.json']);
    expect(loaded.manifests.map(m => `${m.object.kind}/${m.object.metadata.name}`)).toEqual(['Namespace/shop', 'ConfigMap/a']);
  });

  test('documents that are not Kubernetes objects are reported, not crashed on', () => {
    const report = checkText('- a\n- b\n---\nkind: ConfigMap\n---\n42\n');
    expect(report.findings.map(f => [f.ruleId, f.line])).toEqual([['not-kubernetes-object', 1], ['not-kubernetes-object', 4], ['not-kubernetes-object', 6]]);
  });

  test('a missing path is unreadable', () => {
    expect(loadManifests(['/no/such/file.yaml']).unreadable).toEqual(['/no/such/file.yaml']);
  });

  test('duplicates are found across two files', () => {
    const dir = folder({ 'a.yaml': NAMESPACE, 'b.yaml': NAMESPACE });
    const duplicate = validatePaths([dir]).findings.find(f => f.ruleId === 'duplicate-object')!;
    expect(duplicate.file).toBe(path.join(dir, 'b.yaml'));
    expect(duplicate.message).toContain(`${path.join(dir, 'a.yaml')}:4`);
  });

  test('findings point at the line of the field', () => {
    const report = checkText(`${NAMESPACE}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  type: NodePort\n  ports:\n    - port: 5432\n`);
    const exposed = report.findings.find(f => f.ruleId === 'database-port-exposed')!;
    expect(exposed.line).toBe(14);
    expect(exposed.path).toBe('spec.ports[0]');
    expect(exposed.object).toBe('Service shop/web');
  });

  test('malformed objects (wrong types everywhere, null List items) are reported, never crashed on', () => {
    const report = validatePaths([path.join(__dirname, 'fixtures', 'malformed')]);
    expect(report.objectCount).toBe(8);
    const messages = report.findings.map(f => `${f.line} ${f.ruleId} ${f.message}`);
    expect(messages).toEqual(expect.arrayContaining([
      '4 schema-violation must be an object, got 7',
      '13 statefulset-service StatefulSet has no serviceName',
      '54 schema-violation must be a string or an integer, got [1]',
      "59 not-kubernetes-object item 0 of the List in document 8 is not a Kubernetes object: it needs string fields 'apiVersion' and 'kind'",
    ]));
    expect(report.errors).toBeGreaterThanOrEqual(30);
  });
});
