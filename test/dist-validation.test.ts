import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stageConfig, stageNames } from '../lib/config';
import { synthesizeGitOps, synthesizeStage } from '../lib/synthesize';
import { CrdCatalog, listManifestFiles, runCli, validatePaths } from '@stateful-todo/manifest-validator';

describe('the validator on our own freshly synthesized dist/', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'our-dist-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test.each(stageNames())('%s has 0 errors, 0 warnings and needs no suppression, its custom resources checked against their CRDs', stage => {
    synthesizeStage(stageConfig(stage), outdir);
    const crds = CrdCatalog.fromFiles([path.join(__dirname, '..', 'crds')]);
    const report = validatePaths([path.join(outdir, stage)], { crds });
    expect(report.findings).toEqual([]);
    expect(report.suppressed).toBe(0);
    expect(report.unreadable).toEqual([]);
    expect(report.objectCount).toBeGreaterThanOrEqual(14);
  });

  test('dist/gitops: the Argo CD and Flux objects pass their CRDs (crds/), strictly', () => {
    synthesizeGitOps(stageNames().map(stageConfig), outdir);
    const crds = CrdCatalog.fromFiles([path.join(__dirname, '..', 'crds')]);
    expect(crds.servedKinds).toEqual(expect.arrayContaining(['monitoring.coreos.com/v1/PodMonitor', 'argoproj.io/v1alpha1/Application',
      'kustomize.toolkit.fluxcd.io/v1/Kustomization', 'source.toolkit.fluxcd.io/v1/GitRepository']));
    const report = validatePaths([path.join(outdir, 'gitops')], { crds, existingNamespaces: ['argocd', 'flux-system'] });
    expect(report.findings).toEqual([]);
    expect(report.objectCount).toBe(9);
    // The CRDs are really applied: a misspelled field of our Application is an error.
    const application = path.join(outdir, 'gitops', 'argocd', 'prod.k8s.yaml');
    fs.writeFileSync(application, fs.readFileSync(application, 'utf8').replace('selfHeal: true', 'selfHeel: true'));
    expect(validatePaths([application], { crds, existingNamespaces: ['argocd'] }).findings.map(f => f.message))
      .toEqual([expect.stringMatching(/unknown field 'selfHeel' in spec.syncPolicy.automated \(did you mean 'selfHeal'\?\)/)]);
  });
});

describe("the README's figures for the committed dist/", () => {
  const root = path.join(__dirname, '..');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

  test('`npm run validate` prints the summary the README quotes for it and for `npm run synth`; the synth lists as many files', () => {
    // `npm run validate`'s own arguments (package.json), run in the project's folder as npm runs it; the synth's
    // plugin validates the same sets of dist/ with the same CRDs and namespaces (cdk8s.yaml).
    expect(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.validate)
      .toContain('node packages/validator/dist/cli.js --crd crds --namespace-exists argocd --namespace-exists flux-system');
    const printed: string[] = [];
    const cwd = process.cwd();
    process.chdir(root);
    let code: number;
    try {
      code = runCli(['--crd', 'crds', '--namespace-exists', 'argocd', '--namespace-exists', 'flux-system'], text => printed.push(text), text => printed.push(text));
    } finally {
      process.chdir(cwd);
    }
    expect(code).toBe(0);
    const summary = printed.join('\n').trim().split('\n').pop()!;
    expect(summary).toMatch(/^0 errors, 0 warnings in \d+ objects from \d+ files$/);
    expect(readme.split(`\`${summary}\``).length - 1).toBe(2);
    // The CLI lists every YAML file under the output folder, kustomization.yaml included.
    const files = listManifestFiles(path.join(root, 'dist'), []).length;
    expect(summary).toContain(`from ${files} files`);
    expect(readme).toContain(`\`Synthesizing application\`, the ${files} files written`);
  });
});
