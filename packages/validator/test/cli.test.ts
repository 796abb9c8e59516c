import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { runCli } from '../src/cli';
import { goodSet, tempFolder } from './support';

function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCli(args, text => out.push(text), text => err.push(text));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function write(objects: object[]): string {
  const file = path.join(tempFolder('cli-'), 'set.yaml');
  fs.writeFileSync(file, objects.map(o => stringify(o)).join('---\n'));
  return file;
}

const good = () => Object.values(goodSet());

describe('npm run validate', () => {
  test('a clean set exits 0 and prints the summary line', () => {
    const { code, out } = run([write(good())]);
    expect(code).toBe(0);
    expect(out.split('\n').pop()).toBe(`0 errors, 0 warnings in ${good().length} objects from 1 file`);
    expect(out).toContain('Checked against Kubernetes 1.27.1.');
  });

  test('errors exit 1, grouped by file and object, with line, rule, path and fix', () => {
    const set = goodSet();
    (set.web.spec as any).replicaz = 2;
    const file = write(Object.values(set));
    const { code, out } = run([file]);
    expect(code).toBe(1);
    expect(out).toMatch(new RegExp(`^${file}\\n  Deployment shop/web\\n +\\d+  error    schema-violation  spec\\.replicaz: unknown field 'replicaz' in spec \\(did you mean 'replicas'\\?\\)\\n +fix: `));
    expect(out).toMatch(/1 error, 0 warnings in \d+ objects from 1 file$/);
  });

  test('warnings exit 0, or 1 with --strict', () => {
    const set = goodSet();
    (set.ingress.spec as any).ingressClassName = undefined;
    const file = write(Object.values(set));
    expect(run([file]).code).toBe(0);
    expect(run(['--strict', file]).code).toBe(1);
  });

  test('--skip silences a rule', () => {
    const set = goodSet();
    (set.ingress.spec as any).ingressClassName = undefined;
    const { code, out } = run(['--strict', '--skip', 'ingress-class-missing,image-tag', write(Object.values(set))]);
    expect(code).toBe(0);
    expect(out).not.toContain('ingress-class-missing');
  });

  test('a suppression annotation with a reason silences its rule on that object only, and is counted', () => {
    const set = goodSet();
    (set.ingress.spec as any).ingressClassName = undefined;
    (set.ingress.metadata as any).annotations = { 'skip.validator.todo-stack/ingress-class-missing': 'the cluster has exactly one controller, the default' };
    const { code, out } = run(['--strict', write(Object.values(set))]);
    expect(code).toBe(0);
    expect(out).toContain('1 suppressed with a reason');
  });

  test('--format json is machine-readable', () => {
    const set = goodSet();
    set.db.spec.replicas = 2;
    const { code, out } = run(['--format', 'json', write(Object.values(set))]);
    expect(code).toBe(1);
    const report = JSON.parse(out);
    expect(report.kubernetesVersion).toBe('1.27.1');
    expect(report.summary).toMatch(/^1 error, 0 warnings/);
    expect(report.sets[0].findings[0]).toMatchObject({ ruleId: 'database-replicas', severity: 'error', object: 'StatefulSet shop/db', path: 'spec.replicas' });
  });

  test('--namespace-exists and --provided-secret declare what the cluster has', () => {
    const set = goodSet();
    (set.web.spec.template.spec.containers[0].env[1].valueFrom as any).secretKeyRef = { name: 'vault', key: 'TOKEN' };
    const teamConfig = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'team-config', namespace: 'team' }, data: {} };
    const file = write([teamConfig, ...Object.values(set)]);
    expect(run([file]).out).toMatch(/namespace 'team' is not in the set[\s\S]*Secret 'vault' is not in namespace 'shop'/);
    expect(run(['--namespace-exists', 'team', '--provided-secret', 'shop/vault', file]).code).toBe(0);
  });

  test('unreadable input exits 2 and still reports the rest', () => {
    const file = write(good());
    const { code, out } = run([file, '/no/such/dir']);
    expect(code).toBe(2);
    expect(out).toContain('/no/such/dir\n  cannot be read');
    expect(out).toMatch(/0 errors, 0 warnings in \d+ objects from 1 file$/);
  });

  test('a YAML syntax error exits 2', () => {
    const file = path.join(tempFolder('cli-'), 'bad.yaml');
    fs.writeFileSync(file, 'kind: [\n');
    expect(run([file]).code).toBe(2);
  });

  test('bad options exit 2 with a clear message and the usage', () => {
    expect(run(['--formt', 'json'])).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option '--formt'") });
    expect(run(['--format', 'xml', 'x'])).toMatchObject({ code: 2, err: expect.stringContaining("--format must be one of text, json, sarif, junit, got 'xml'") });
    expect(run(['--skip', 'no-such-rule', 'x'])).toMatchObject({ code: 2, err: expect.stringContaining("--skip names no rule: 'no-such-rule'") });
    expect(run(['--provided-secret', 'vault', 'x'])).toMatchObject({ code: 2, err: expect.stringContaining("--provided-secret must be NAMESPACE/NAME, got 'vault'") });
    expect(run(['--help'])).toMatchObject({ code: 0, out: expect.stringContaining('Usage: npm run validate') });
  });
});
