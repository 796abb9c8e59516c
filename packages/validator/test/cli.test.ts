import * as fs from 'fs';
import * as path from 'path';

import { stringify } from 'yaml';

import { runCli } from '../src/cli';

import { goodSet, tempFolder } from './support';

function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCli(
    args,
    text => out.push(text),
    text => err.push(text),
  );
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
    expect(out).toContain('Checked against Kubernetes 1.27.1 and 1.36.0.');
  });

  describe('--kubernetes-version', () => {
    const fixtures = path.join(__dirname, 'fixtures', 'kubernetes-versions');
    const schemaFindings = (out: string) =>
      out
        .split('\n')
        .filter(line => /unknown-kind|schema-violation/.test(line))
        .map(line => line.trim());

    test('an API removed in 1.32 is reported under 1.36 only, naming the version, the removal and the replacement', () => {
      const file = path.join(fixtures, 'flow-schema-v1beta3.yaml');
      expect(run(['--kubernetes-version', '1.27', file]).code).toBe(0);
      const newest = run(['--kubernetes-version', '1.36', file]);
      expect(newest.code).toBe(1);
      expect(newest.out).toContain('Checked against Kubernetes 1.36.0.');
      expect(schemaFindings(newest.out)).toEqual([
        "3  error    unknown-kind  apiVersion: apiVersion 'flowcontrol.apiserver.k8s.io/v1beta3' of kind FlowSchema " +
          'is not served by Kubernetes 1.36.0 (removed in 1.32)',
      ]);
      expect(newest.out).toContain("fix: use apiVersion 'flowcontrol.apiserver.k8s.io/v1'");
      // Both (the default): reported once, with the version that refuses it.
      expect(schemaFindings(run([file]).out)).toEqual(schemaFindings(newest.out));
    });

    test('a field that only the newer API has is reported under 1.27 only, with the version named', () => {
      const file = path.join(fixtures, 'sidecar-container.yaml');
      // (The fixture's pod breaks the policy rules too; only the schema's findings differ between versions.)
      expect(schemaFindings(run(['--kubernetes-version', '1.36', file]).out)).toEqual([]);
      const oldest = schemaFindings(run(['--kubernetes-version', '1.27', file]).out);
      expect(oldest).toEqual([
        "11  error    schema-violation  spec.initContainers[0].restartPolicy: unknown field 'restartPolicy' in spec.initContainers[0]",
      ]);
      expect(schemaFindings(run([file]).out)).toEqual([`${oldest[0]} (Kubernetes 1.27.1 only)`]);
    });

    test('an output folder given alone (dist/) is a set per stage folder, as without paths: the stages never collide', () => {
      const output = tempFolder('cli-output-');
      for (const stage of ['dev', 'prod']) {
        fs.mkdirSync(path.join(output, stage));
        fs.writeFileSync(
          path.join(output, stage, 'kustomization.yaml'),
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - set.yaml\n',
        );
        fs.writeFileSync(
          path.join(output, stage, 'set.yaml'),
          good()
            .map(o => stringify(o))
            .join('---\n'),
        );
      }
      const { code, out } = run(['--kubernetes-version', '1.36', output]);
      expect(out).not.toContain('duplicate-object');
      expect(out.split('\n').pop()).toBe(`0 errors, 0 warnings in ${2 * good().length} objects from 4 files`);
      expect(code).toBe(0);
      // Two paths stay one set: the same objects twice are duplicates.
      expect(run([path.join(output, 'dev'), path.join(output, 'prod')]).out).toContain('duplicate-object');
    });

    test('a version without a bundled schema is refused, naming the ones there are', () => {
      const { code, err } = run(['--kubernetes-version', '1.30', write(good())]);
      expect(code).toBe(2);
      expect(err).toContain(
        "--kubernetes-version must be 1.27 or 1.36 (the versions whose schemas are bundled), got '1.30'",
      );
    });
  });

  test('errors exit 1, grouped by file and object, with line, rule, path and fix', () => {
    const set = goodSet();
    (set.web.spec as any).replicaz = 2;
    const file = write(Object.values(set));
    const { code, out } = run([file]);
    expect(code).toBe(1);
    expect(out).toMatch(
      new RegExp(
        `^${file}\\n  Deployment shop/web\\n +\\d+  error    schema-violation  spec\\.replicaz: unknown field ` +
          "'replicaz' in spec \\(did you mean 'replicas'\\?\\)\\n +fix: ",
      ),
    );
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
    (set.ingress.metadata as any).annotations = {
      'skip.validator.todo-stack/ingress-class-missing': 'the cluster has exactly one controller, the default',
    };
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
    expect(report.kubernetesVersion).toBe('1.27.1 and 1.36.0');
    expect(report.kubernetesVersions).toEqual(['1.27.1', '1.36.0']);
    expect(report.summary).toMatch(/^1 error, 0 warnings/);
    expect(report.sets[0].findings[0]).toMatchObject({
      ruleId: 'database-replicas',
      severity: 'error',
      object: 'StatefulSet shop/db',
      path: 'spec.replicas',
    });
  });

  test('--namespace-exists and --provided-secret declare what the cluster has', () => {
    const set = goodSet();
    (set.web.spec.template.spec.containers[0].env[1].valueFrom as any).secretKeyRef = { name: 'vault', key: 'TOKEN' };
    const teamConfig = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'team-config', namespace: 'team' },
      data: {},
    };
    const file = write([teamConfig, ...Object.values(set)]);
    expect(run([file]).out).toMatch(
      /namespace 'team' is not in the set[\s\S]*Secret 'vault' is not in namespace 'shop'/,
    );
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
    expect(run(['--formt', 'json'])).toMatchObject({
      code: 2,
      err: expect.stringContaining("Unknown option '--formt'"),
    });
    expect(run(['--format', 'xml', 'x'])).toMatchObject({
      code: 2,
      err: expect.stringContaining("--format must be one of text, json, sarif, junit, got 'xml'"),
    });
    expect(run(['--skip', 'no-such-rule', 'x'])).toMatchObject({
      code: 2,
      err: expect.stringContaining("--skip names no rule: 'no-such-rule'"),
    });
    expect(run(['--provided-secret', 'vault', 'x'])).toMatchObject({
      code: 2,
      err: expect.stringContaining("--provided-secret must be NAMESPACE/NAME, got 'vault'"),
    });
    expect(run(['--help'])).toMatchObject({ code: 0, out: expect.stringContaining('Usage: npm run validate') });
  });
});
