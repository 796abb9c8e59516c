import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { yamlFilesUnder } from './support/manifests';

// `npm run synth:stage` exactly as the README writes it, into a folder of its own (CDK8S_OUTDIR).
const ROOT = path.join(__dirname, '..');
jest.setTimeout(180_000);

function synthStage(args: string[]) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-stage-test-'));
  // An earlier stage's output, which synthesizing another must leave alone.
  fs.mkdirSync(path.join(outdir, 'prod'));
  fs.writeFileSync(path.join(outdir, 'prod', 'kustomization.yaml'), 'kept\n');
  const result = spawnSync('npm', ['run', 'synth:stage', '--', ...args], {
    cwd: ROOT,
    env: { ...process.env, CDK8S_OUTDIR: outdir },
    encoding: 'utf8',
  });
  const files = yamlFilesUnder(outdir);
  const kept = fs.readFileSync(path.join(outdir, 'prod', 'kustomization.yaml'), 'utf8');
  fs.rmSync(outdir, { recursive: true, force: true });
  return { ...result, files, kept };
}

describe('npm run synth:stage', () => {
  test("validates the stage it writes with cdk8s.yaml's plugin, as npm run synth does, and leaves the other stages alone", () => {
    const { status, stdout, files, kept } = synthStage(['dev']);
    expect(status).toBe(0);
    expect(stdout).toContain('Performing validations');
    expect(stdout).toMatch(/summary\s+│ 0 errors, 0 warnings in \d+ objects from 7 files/);
    expect(stdout).toContain('Validations ended succesfully');
    expect(files).toEqual([
      'dev/kustomization.yaml',
      'dev/manifests/0000-database.k8s.yaml',
      'dev/manifests/0001-app.k8s.yaml',
      'dev/manifests/0002-ingress.k8s.yaml',
      'dev/on-demand/postgres-restore.k8s.yaml',
      'gitops/argocd/dev.k8s.yaml',
      'gitops/flux/dev.k8s.yaml',
      'prod/kustomization.yaml',
    ]);
    expect(kept).toBe('kept\n');
  });

  test('a finding fails it with the report and the exit code of npm run synth (2)', () => {
    // The stack never creates the ingress namespace: a namespace the set lacks is a warning of the validator (the
    // cluster may have it), which the stack's strict validation fails on, as npm run synth does.
    const { status, stdout, stderr } = synthStage(['dev', '--set', 'ingress.namespace=ingress-nginx']);
    expect(status).toBe(2);
    expect(stdout).toMatch(/summary\s+│ 0 errors, 2 warnings/);
    expect(stdout).toContain('namespace-missing (warning)');
    expect(stderr).toContain('Validation failed. See above reports for details');
  });

  test('--check checks the configs of the stages named and writes nothing, as main.ts does', () => {
    const { status, stdout, files } = synthStage(['dev', '--check', '--set', 'database.storageSize=10Gi']);
    expect({ status, stdout: stdout.trim().split('\n').pop() }).toEqual({
      status: 0,
      stdout: "the config of stage 'dev' is valid; nothing was written (--check)",
    });
    expect(files).toEqual(['prod/kustomization.yaml']);
    expect(synthStage(['--check', 'dev', 'prod', '--set', 'database.storageSize=5GB']).status).toBe(1);
  });

  test('a bad config fails before synthesis, with the problem and no stack trace', () => {
    const { status, stderr, files } = synthStage(['dev', '--set', 'database.storagesize=10Gi']);
    expect(status).toBe(1);
    expect(stderr).toMatch(/database\.storagesize: unknown setting; did you mean 'storageSize'\?/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(files).toEqual(['prod/kustomization.yaml']);
  });
});
