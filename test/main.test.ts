import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { parseAllDocuments } from 'yaml';

import { STAGES } from '../lib/config';

import { bundleMain } from './support/main-bundle';
import { yamlFilesUnder } from './support/manifests';

// main.ts as `npm run synth:stage` runs it: bundled by esbuild, then plain node.
const ROOT = path.join(__dirname, '..');
const BUNDLE = bundleMain('main-under-test');

function runMain(args: string[], keep = false) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'main-'));
  const result = spawnSync(process.execPath, [BUNDLE, ...args], {
    cwd: ROOT,
    env: { ...process.env, CDK8S_OUTDIR: outdir },
    encoding: 'utf8',
  });
  const files = yamlFilesUnder(outdir);
  const contents = new Map(keep ? files.map(file => [file, fs.readFileSync(path.join(outdir, file), 'utf8')]) : []);
  fs.rmSync(outdir, { recursive: true, force: true });
  return { ...result, files, read: (file: string) => contents.get(file) ?? '' };
}

function parse(yaml: string): any[] {
  return parseAllDocuments(yaml).map(document => document.toJS());
}

describe('main.ts', () => {
  test('without arguments, synthesizes every stage and the GitOps manifests into CDK8S_OUTDIR', () => {
    const { status, files } = runMain([]);
    expect(status).toBe(0);
    expect(files).toEqual([
      'dev/kustomization.yaml',
      'dev/manifests/0000-database.k8s.yaml',
      'dev/manifests/0001-app.k8s.yaml',
      'dev/manifests/0002-ingress.k8s.yaml',
      'dev/on-demand/postgres-restore.k8s.yaml',
      'gitops/argocd/dev.k8s.yaml',
      'gitops/argocd/ha.k8s.yaml',
      'gitops/argocd/prod.k8s.yaml',
      'gitops/flux/dev.k8s.yaml',
      'gitops/flux/ha.k8s.yaml',
      'gitops/flux/prod.k8s.yaml',
      'ha/kustomization.yaml',
      'ha/manifests/0000-database.k8s.yaml',
      'ha/manifests/0001-app.k8s.yaml',
      'ha/manifests/0002-ingress.k8s.yaml',
      'prod/kustomization.yaml',
      'prod/manifests/0000-database.k8s.yaml',
      'prod/manifests/0001-app.k8s.yaml',
      'prod/manifests/0002-ingress.k8s.yaml',
      'prod/on-demand/postgres-restore.k8s.yaml',
    ]);
  });

  test('with a stage name, synthesizes that stage alone', () => {
    const { status, files } = runMain(['prod']);
    expect(status).toBe(0);
    expect(files.filter(f => f.startsWith('dev'))).toEqual([]);
    expect(files).toContain('prod/manifests/0001-app.k8s.yaml');
  });

  test('--set overrides a setting of the stages named, checked like any other value', () => {
    const ok = runMain(
      [
        'dev',
        '--set',
        'database.image=postgres:17.7-bookworm',
        '--set',
        'app.replicas=2',
        '--set',
        'clusterDomain=corp.internal',
      ],
      true,
    );
    expect(ok.status).toBe(0);
    expect(ok.read('dev/manifests/0000-database.k8s.yaml')).toContain('image: postgres:17.7-bookworm');
    expect(ok.read('dev/manifests/0001-app.k8s.yaml')).toMatch(/replicas: 2\n/);
    expect(ok.read('dev/manifests/0001-app.k8s.yaml')).toContain('DB_HOST: postgres.postgres.svc.corp.internal');
    const bad = runMain(['dev', '--set', 'database.storageSize=5GB']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('database.storageSize: must be a whole binary quantity');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  test('--set reads its value as YAML flow, as the README writes values', () => {
    const { status, read } = runMain(
      [
        'prod',
        '--set',
        'app.autoscaling={ minReplicas: 2, maxReplicas: 4 }',
        '--set',
        "gitops.fluxDependsOn=['infrastructure', 'cert-manager']",
        '--set',
        'database.podDisruptionBudget=false',
      ],
      true,
    );
    expect(status).toBe(0);
    const hpa = parse(read('prod/manifests/0001-app.k8s.yaml')).find((o: any) => o.kind === 'HorizontalPodAutoscaler');
    // The one field left out of the object takes its default.
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
    expect(hpa.spec.metrics[0].resource.target.averageUtilization).toBe(70);
    expect(read('gitops/flux/prod.k8s.yaml')).toMatch(
      /dependsOn:\n\s+- name: infrastructure\n\s+- name: cert-manager\n/,
    );
    expect(read('prod/manifests/0000-database.k8s.yaml')).not.toContain('kind: PodDisruptionBudget');
  });

  test('--set with a path into a nested object sets that one field, keeping the others the stage sets', () => {
    const { status, read } = runMain(
      ['ha', '--set', 'database.backup.schedule=0 4 * * *', '--set', 'database.backup.retentionPolicy=14d'],
      true,
    );
    expect(status).toBe(0);
    const objects = parse(read('ha/manifests/0000-database.k8s.yaml'));
    expect(objects.find((o: any) => o.kind === 'ScheduledBackup').spec.schedule).toBe('0 0 4 * * *');
    const store = objects.find((o: any) => o.kind === 'ObjectStore');
    expect(store.spec).toMatchObject({
      retentionPolicy: '14d',
      configuration: { destinationPath: (STAGES.ha.database as any).backup.objectStore.destinationPath },
    });
  });

  test.each([
    [['dev', '--set'], /^--set: needs PATH=VALUE after it, such as --set app\.replicas=2\n/],
    [['dev', '--set=app.replicas=2'], /^--set: write a space after --set, not '=': --set app\.replicas=2\n/],
    [['dev', '--set', 'nonsense'], /^--set: must be PATH=VALUE, PATH a setting's name with dots between the levels/],
    [['dev', '--sett', 'app.replicas=2'], /^unknown option "--sett"; the options are --set PATH=VALUE and --check\n/],
  ])('refuses %j, rather than ignore it or read it as a stage name', (args, message) => {
    const { status, stderr, files } = runMain(args);
    expect(status).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(files).toEqual([]);
  });

  test("every --set example of the README's section on it is accepted as written", () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('### Overriding a setting (`--set`)'),
      readme.indexOf('`--set` with nothing after it'),
    );
    const examples = section
      .split('\n')
      .filter(line => line.startsWith('CDK8S_OUTDIR=/tmp/rehearsal npm run synth:stage -- '));
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const example of examples) {
      // The shell splits the line as it would; main.ts checks the configs the command would synthesize.
      const command = example.replace(
        'CDK8S_OUTDIR=/tmp/rehearsal npm run synth:stage -- ',
        `"${process.execPath}" "${BUNDLE}" --check `,
      );
      const result = spawnSync('bash', ['-c', command], { cwd: ROOT, encoding: 'utf8' });
      expect({ example, status: result.status, stderr: result.stderr }).toEqual({ example, status: 0, stderr: '' });
    }
  });

  test('--check checks the configs and writes nothing: npm run synth runs it before cdk8s-cli, whose own stack trace it avoids', () => {
    expect(runMain(['--check'])).toMatchObject({ status: 0, stdout: '', stderr: '', files: [] });
    const bad = runMain(['--check', 'dev', '--set', 'database.storageSize=5GB']);
    expect(bad).toMatchObject({ status: 1, stdout: '', files: [] });
    expect(bad.stderr.trim()).toBe(
      "Invalid stack config for stage 'dev' (1 problem):\n  - database.storageSize: must be a whole binary quantity " +
        "such as '5Gi' or '512Mi'; write '5Gi' (binary suffixes Ki, Mi, Gi, Ti), got \"5GB\"",
    );
    const synth: string = require('../package.json').scripts.synth;
    expect(synth.indexOf('node .build/main.js --check &&')).toBeGreaterThan(-1);
    expect(synth.indexOf('node .build/main.js --check')).toBeLessThan(synth.indexOf('cdk8s synth'));
  });

  test("every bad stage's problems in one run, each block naming its stage; exit 1 once and nothing written", () => {
    const storageSize = (stage: string) =>
      `Invalid stack config for stage '${stage}' (1 problem):\n  - database.storageSize: must be a whole binary quantity ` +
      `such as '5Gi' or '512Mi'; write '5Gi' (binary suffixes Ki, Mi, Gi, Ti), got "5GB"`;
    const unknown = `Invalid stack config for stage 'qa' (1 problem):\n  - stage: unknown stage, got "qa"; known stages are 'dev', 'ha', 'prod'`;
    for (const check of [['--check'], []]) {
      const result = runMain([...check, 'dev', 'qa', 'prod', '--set', 'database.storageSize=5GB']);
      expect(result).toMatchObject({ status: 1, stdout: '', files: [] });
      expect(result.stderr.trim()).toBe([storageSize('dev'), unknown, storageSize('prod')].join('\n\n'));
    }
  });

  test('an unknown stage fails with the known ones, writes nothing and prints no stack trace', () => {
    const { status, stderr, stdout, files } = runMain(['dev', 'qa']);
    expect(status).toBe(1);
    expect(stderr.trim()).toBe(
      `Invalid stack config for stage 'qa' (1 problem):\n  - stage: unknown stage, got "qa"; known stages are 'dev', 'ha', 'prod'`,
    );
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toBe('');
    expect(files).toEqual([]);
  });
});
