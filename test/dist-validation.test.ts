import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {
  CrdCatalog,
  KUBERNETES_VERSIONS,
  KubernetesVersion,
  listManifestFiles,
  loadManifests,
  runCli,
  validatePaths,
} from '@stateful-todo/manifest-validator';
import { parse as parseYaml } from 'yaml';

import { stageConfig, stageNames } from '../lib/config';
import { synthesizeGitOps, synthesizeStage } from '../lib/synthesize';

describe('the validator on our own freshly synthesized dist/', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'our-dist-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test.each(stageNames().flatMap(stage => KUBERNETES_VERSIONS.map(version => [stage, version])))(
    '%s has 0 errors, 0 warnings and needs no suppression against Kubernetes %s, its custom resources checked against their CRDs',
    (stage, version) => {
      synthesizeStage(stageConfig(stage), outdir);
      const crds = CrdCatalog.fromFiles([path.join(__dirname, '..', 'crds')]);
      const report = validatePaths([path.join(outdir, stage)], {
        crds,
        kubernetesVersions: [version as KubernetesVersion],
      });
      expect(report.kubernetesVersions).toEqual([version]);
      expect(report.findings).toEqual([]);
      expect(report.suppressed).toBe(0);
      expect(report.unreadable).toEqual([]);
      expect(report.objectCount).toBeGreaterThanOrEqual(14);
    },
  );

  test('dist/gitops: the Argo CD and Flux objects pass their CRDs (crds/), strictly', () => {
    synthesizeGitOps(stageNames().map(stageConfig), outdir);
    const crds = CrdCatalog.fromFiles([path.join(__dirname, '..', 'crds')]);
    expect(crds.servedKinds).toEqual(
      expect.arrayContaining([
        'monitoring.coreos.com/v1/PodMonitor',
        'argoproj.io/v1alpha1/Application',
        'kustomize.toolkit.fluxcd.io/v1/Kustomization',
        'source.toolkit.fluxcd.io/v1/GitRepository',
      ]),
    );
    const report = validatePaths([path.join(outdir, 'gitops')], {
      crds,
      existingNamespaces: ['argocd', 'flux-system'],
    });
    expect(report.findings).toEqual([]);
    expect(report.objectCount).toBe(9);
    // The CRDs are really applied: a misspelled field of our Application is an error.
    const application = path.join(outdir, 'gitops', 'argocd', 'prod.k8s.yaml');
    fs.writeFileSync(application, fs.readFileSync(application, 'utf8').replace('selfHeal: true', 'selfHeel: true'));
    expect(validatePaths([application], { crds, existingNamespaces: ['argocd'] }).findings.map(f => f.message)).toEqual(
      [expect.stringMatching(/unknown field 'selfHeel' in spec.syncPolicy.automated \(did you mean 'selfHeal'\?\)/)],
    );
  });
});

describe('dist/ha against CloudNativePG v1.30.0 and the Barman Cloud plugin v0.14.0', () => {
  const root = path.join(__dirname, '..');
  const ha = path.join(root, 'dist', 'ha');
  const crds = CrdCatalog.fromFiles([path.join(root, 'crds')]);
  const objects = loadManifests([ha]).manifests.map(m => m.object);

  test("the ObjectStore is checked against the plugin's CRD: a misspelled field is an error", () => {
    expect(crds.servedKinds).toEqual(
      expect.arrayContaining(['barmancloud.cnpg.io/v1/ObjectStore', 'postgresql.cnpg.io/v1/Cluster']),
    );
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ha-typo-'));
    try {
      const file = path.join(outdir, 'database.yaml');
      fs.writeFileSync(
        file,
        fs
          .readFileSync(path.join(ha, 'manifests', '0000-database.k8s.yaml'), 'utf8')
          .replace('retentionPolicy: 7d', 'retentionPolicey: 7d'),
      );
      expect(validatePaths([file], { crds }).findings.map(f => `${f.object}: ${f.message}`)).toEqual([
        expect.stringMatching(/^ObjectStore postgres\/postgres-backups: unknown field 'retentionPolicey' in spec/),
      ]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('no field that CloudNativePG 1.30 deprecates: neither the in-tree Barman Cloud settings nor any its CRD marks deprecated', () => {
    const deprecated = [
      // The in-tree Barman Cloud support, deprecated since 1.26 and removed in 1.31 (its release notes).
      'Cluster spec.backup',
      'Cluster spec.externalClusters[].barmanObjectStore',
      'ScheduledBackup spec.method=barmanObjectStore',
      ...deprecatedInCrd('postgresql.cnpg.io_clusters.yaml', 'Cluster'),
      ...deprecatedInCrd('postgresql.cnpg.io_scheduledbackups.yaml', 'ScheduledBackup'),
    ];
    expect(deprecated).toEqual(
      expect.arrayContaining(['Cluster spec.monitoring.enablePodMonitor', 'Cluster spec.bootstrap.initdb.options']),
    );
    const used = objects
      .filter(o => o.kind === 'Cluster' || o.kind === 'ScheduledBackup')
      .flatMap(o => fieldsOf(o.spec, 'spec').map(f => `${o.kind} ${f}`));
    expect(used).toEqual(
      expect.arrayContaining(['Cluster spec.plugins[].isWALArchiver', 'ScheduledBackup spec.method=plugin']),
    );
    expect(used.filter(field => deprecated.some(d => field === d || field.startsWith(`${d}.`)))).toEqual([]);
  });

  // Every field path of `value` (array items as `[]`), with each string leaf also as `path=value`.
  function fieldsOf(value: any, at: string): string[] {
    if (Array.isArray(value)) {
      return value.flatMap(item => fieldsOf(item, `${at}[]`));
    }
    if (value !== null && typeof value === 'object') {
      return [at, ...Object.entries(value).flatMap(([key, child]) => fieldsOf(child, `${at}.${key}`))];
    }
    return typeof value === 'string' ? [at, `${at}=${value}`] : [at];
  }

  // The spec fields whose description in the CRD says they are deprecated.
  function deprecatedInCrd(file: string, kind: string): string[] {
    const crd = parseYaml(fs.readFileSync(path.join(root, 'crds', 'cloudnative-pg-1.30.0', file), 'utf8'));
    const found: string[] = [];
    const walk = (schema: any, at: string) => {
      if (/deprecated/i.test(schema?.description ?? '')) {
        found.push(`${kind} ${at}`);
      }
      Object.entries(schema?.properties ?? {}).forEach(([key, child]) => walk(child, `${at}.${key}`));
      if (schema?.items) {
        walk(schema.items, `${at}[]`);
      }
    };
    walk(crd.spec.versions[0].schema.openAPIV3Schema.properties.spec, 'spec');
    return found;
  }
});

describe('`npm run validate -- --kubernetes-version 1.36 dist/` on the committed dist/', () => {
  test('passes: every stage against the newest bundled Kubernetes, each stage a set of its own', () => {
    const printed: string[] = [];
    const cwd = process.cwd();
    process.chdir(path.join(__dirname, '..'));
    let code: number;
    try {
      code = runCli(
        [
          '--crd',
          'crds',
          '--namespace-exists',
          'argocd',
          '--namespace-exists',
          'flux-system',
          '--kubernetes-version',
          '1.36',
          'dist/',
        ],
        text => printed.push(text),
        text => printed.push(text),
      );
    } finally {
      process.chdir(cwd);
    }
    expect(printed.join('\n')).toContain('Checked against Kubernetes 1.36.0.');
    expect(printed.join('\n').trim().split('\n').pop()).toMatch(/^0 errors, 0 warnings in \d+ objects from \d+ files$/);
    expect(code).toBe(0);
  });
});

describe("the README's figures for the committed dist/", () => {
  const root = path.join(__dirname, '..');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

  test('`npm run validate` prints the summary the README quotes for it and for `npm run synth`; the synth lists as many files', () => {
    // `npm run validate`'s own arguments (package.json), run in the project's folder as npm runs it; the synth's
    // plugin validates the same sets of dist/ with the same CRDs and namespaces (cdk8s.yaml).
    expect(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.validate).toContain(
      'node packages/validator/dist/cli.js --crd crds --namespace-exists argocd --namespace-exists flux-system',
    );
    const printed: string[] = [];
    const cwd = process.cwd();
    process.chdir(root);
    let code: number;
    try {
      code = runCli(
        ['--crd', 'crds', '--namespace-exists', 'argocd', '--namespace-exists', 'flux-system'],
        text => printed.push(text),
        text => printed.push(text),
      );
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
