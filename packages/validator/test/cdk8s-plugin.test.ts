import * as fs from 'fs';
import * as path from 'path';

import { stringify } from 'yaml';

import { ManifestValidation } from '../src/cdk8s-plugin';

import { goodSet, tempFolder } from './support';

function fakeContext(manifests: string[]) {
  const violations: any[] = [];
  const submitted: any[] = [];
  return {
    violations,
    submitted,
    context: {
      manifests,
      report: { addViolation: (v: any) => violations.push(v), submit: (...args: any[]) => submitted.push(args) },
    },
  };
}

function stageFolder(root: string, stage: string, objects: object[]): string {
  fs.mkdirSync(path.join(root, stage), { recursive: true });
  const file = path.join(root, stage, 'all.k8s.yaml');
  fs.writeFileSync(file, objects.map(o => stringify(o)).join('---\n'));
  return file;
}

describe('the cdk8s validation plugin', () => {
  test('validates each output folder as its own set, so two stages never collide', async () => {
    const root = tempFolder('plugin-');
    const files = ['dev', 'prod'].map(stage => stageFolder(root, stage, Object.values(goodSet())));
    const { context, violations, submitted } = fakeContext(files);
    await new ManifestValidation().validate(context);
    expect(violations).toEqual([]);
    expect(submitted).toEqual([
      [
        'success',
        {
          'kubernetes version': '1.27.1 and 1.36.0',
          summary: expect.stringMatching(/^0 errors, 0 warnings in \d+ objects from 2 files$/),
        },
      ],
    ]);
  });

  test('kubernetesVersions chooses the versions checked; one without a bundled schema fails the synth, naming it', async () => {
    const root = tempFolder('plugin-versions-');
    const file = stageFolder(root, 'dev', [
      {
        apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3',
        kind: 'PriorityLevelConfiguration',
        metadata: { name: 'batch' },
        spec: { type: 'Limited', limited: { nominalConcurrencyShares: 10, limitResponse: { type: 'Reject' } } },
      },
    ]);
    const oldest = fakeContext([file]);
    await new ManifestValidation({ kubernetesVersions: ['1.27'] }).validate(oldest.context);
    expect(oldest.submitted).toEqual([['success', expect.objectContaining({ 'kubernetes version': '1.27.1' })]]);
    const newest = fakeContext([file]);
    await new ManifestValidation({ kubernetesVersions: ['1.36'] }).validate(newest.context);
    expect(newest.violations.map(v => v.recommendation)).toEqual([
      "apiVersion 'flowcontrol.apiserver.k8s.io/v1beta3' of kind PriorityLevelConfiguration is not served by Kubernetes 1.36.0 (removed in 1.32)",
    ]);
    expect(newest.submitted[0][0]).toBe('failure');
    const unknown = fakeContext([file]);
    await new ManifestValidation({ kubernetesVersions: ['1.31'] }).validate(unknown.context);
    expect(unknown.violations.map(v => v.recommendation)).toEqual([
      "kubernetesVersions must name 1.27 or 1.36 (the versions whose schemas are bundled), got '1.31'",
    ]);
    expect(unknown.submitted).toEqual([['failure', { summary: 'unknown Kubernetes version in `kubernetesVersions`' }]]);
  });

  test('validates a stage (its kustomization.yaml folder) as one set wherever --output put it, outside the working folder too', async () => {
    // As `cdk8s synth --output /tmp/out` writes it: the Job run by hand, in on-demand/, uses the stage's Namespace,
    // ConfigMap and Secret from manifests/; validated apart, it would name them all missing.
    const out = tempFolder('plugin-output-');
    expect(path.relative(process.cwd(), out).startsWith('..')).toBe(true);
    const files = ['dev', 'prod'].flatMap(stage => {
      const { web, ...applied } = goodSet();
      fs.mkdirSync(path.join(out, stage), { recursive: true });
      fs.writeFileSync(path.join(out, stage, 'kustomization.yaml'), 'resources:\n  - manifests/all.k8s.yaml\n');
      return [
        stageFolder(out, `${stage}/manifests`, Object.values(applied)),
        stageFolder(out, `${stage}/on-demand`, [web]),
      ];
    });
    const { context, violations, submitted } = fakeContext(files);
    await new ManifestValidation().validate(context);
    expect(violations).toEqual([]);
    expect(submitted[0][0]).toBe('success');
  });

  test('reports violations with their rule, fix and location, and fails on warnings by default', async () => {
    const root = tempFolder('plugin-');
    const set = goodSet();
    (set.ingress.spec as any).ingressClassName = undefined;
    const file = stageFolder(root, 'prod', Object.values(set));
    const { context, violations, submitted } = fakeContext([file]);
    await new ManifestValidation().validate(context);
    expect(violations).toEqual([
      {
        ruleName: 'ingress-class-missing (warning)',
        recommendation: 'the Ingress sets no ingressClassName',
        fix: expect.stringContaining('ingressClassName'),
        violatingResources: [
          {
            resourceName: 'Ingress edge/web',
            locations: ['spec'],
            manifestPath: expect.stringMatching(/all\.k8s\.yaml:\d+$/),
          },
        ],
      },
    ]);
    expect(submitted[0][0]).toBe('failure');
    const lenient = fakeContext([file]);
    await new ManifestValidation({ strict: false }).validate(lenient.context);
    expect(lenient.submitted[0][0]).toBe('success');
  });
});
