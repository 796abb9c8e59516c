import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// main.ts as `npm run synth:stage` runs it: bundled by esbuild, then plain node.
const ROOT = path.join(__dirname, '..');
const BUNDLE = path.join(ROOT, '.build', 'main-under-test.js');

beforeAll(() => {
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'esbuild'), ['main.ts', '--bundle', '--platform=node', '--packages=external',
    '--target=node20', `--outfile=${BUNDLE}`, '--log-level=warning'], { cwd: ROOT });
});

function runMain(args: string[]) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'main-'));
  const result = spawnSync(process.execPath, [BUNDLE, ...args], { cwd: ROOT, env: { ...process.env, CDK8S_OUTDIR: outdir }, encoding: 'utf8' });
  const files = fs.readdirSync(outdir, { recursive: true }).map(String).filter(f => f.endsWith('.yaml')).sort();
  fs.rmSync(outdir, { recursive: true, force: true });
  return { ...result, files };
}

describe('main.ts', () => {
  test('without arguments, synthesizes every stage and the GitOps manifests into CDK8S_OUTDIR', () => {
    const { status, files } = runMain([]);
    expect(status).toBe(0);
    expect(files).toEqual([
      'dev/kustomization.yaml', 'dev/manifests/0000-database.k8s.yaml', 'dev/manifests/0001-app.k8s.yaml', 'dev/manifests/0002-ingress.k8s.yaml', 'dev/on-demand/postgres-restore.k8s.yaml',
      'gitops/argocd/dev.k8s.yaml', 'gitops/argocd/ha.k8s.yaml', 'gitops/argocd/prod.k8s.yaml',
      'gitops/flux/dev.k8s.yaml', 'gitops/flux/ha.k8s.yaml', 'gitops/flux/prod.k8s.yaml',
      'ha/kustomization.yaml', 'ha/manifests/0000-database.k8s.yaml', 'ha/manifests/0001-app.k8s.yaml', 'ha/manifests/0002-ingress.k8s.yaml',
      'prod/kustomization.yaml', 'prod/manifests/0000-database.k8s.yaml', 'prod/manifests/0001-app.k8s.yaml', 'prod/manifests/0002-ingress.k8s.yaml', 'prod/on-demand/postgres-restore.k8s.yaml',
    ]);
  });

  test('with a stage name, synthesizes that stage alone', () => {
    const { status, files } = runMain(['prod']);
    expect(status).toBe(0);
    expect(files.filter(f => f.startsWith('dev'))).toEqual([]);
    expect(files).toContain('prod/manifests/0001-app.k8s.yaml');
  });

  test('--set overrides a setting of the stages named, checked like any other value', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'main-set-'));
    try {
      const ok = spawnSync(process.execPath, [BUNDLE, 'dev', '--set', 'database.image=postgres:17.7-bookworm', '--set', 'app.replicas=2',
        '--set', 'clusterDomain=corp.internal'],
        { cwd: ROOT, env: { ...process.env, CDK8S_OUTDIR: outdir }, encoding: 'utf8' });
      expect(ok.status).toBe(0);
      const database = fs.readFileSync(path.join(outdir, 'dev', 'manifests', '0000-database.k8s.yaml'), 'utf8');
      expect(database).toContain('image: postgres:17.7-bookworm');
      const app = fs.readFileSync(path.join(outdir, 'dev', 'manifests', '0001-app.k8s.yaml'), 'utf8');
      expect(app).toMatch(/replicas: 2\n/);
      expect(app).toContain('DB_HOST: postgres.postgres.svc.corp.internal');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
    const bad = runMain(['dev', '--set', 'database.storageSize=5GB']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('database.storageSize: must be a whole binary quantity');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(runMain(['dev', '--set', 'nonsense']).stderr).toContain('--set: must be SECTION.FIELD=VALUE');
  });

  test('an unknown stage fails with the known ones, writes nothing and prints no stack trace', () => {
    const { status, stderr, stdout, files } = runMain(['dev', 'qa']);
    expect(status).toBe(1);
    expect(stderr.trim()).toBe(`Invalid stack config for stage 'qa' (1 problem):\n  - stage: unknown stage, got "qa"; known stages are 'dev', 'ha', 'prod'`);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toBe('');
    expect(files).toEqual([]);
  });
});
