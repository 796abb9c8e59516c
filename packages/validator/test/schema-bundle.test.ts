import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import { RULES } from '../src/rules';
import {
  generateSchemaBundle,
  NEWEST_SCHEMA_SOURCE_PACKAGE,
  schemaFile,
  serializeSchemaBundle,
} from '../src/schema/generate-schema';
import { generateSchemaBundleFromTypes } from '../src/schema/generate-schema-from-types';
import { generateValidators, validatorsFile } from '../src/schema/generate-validators';
import { KUBERNETES_VERSIONS } from '../src/schema/kubernetes-version';
import { isRemoved } from '../src/schema/removed-apis';

import { check } from './support';

const packageRoot = path.join(__dirname, '..');
const projectRoot = path.join(packageRoot, '..', '..');

describe('the Kubernetes schema bundles', () => {
  const committedBundle = (version: string) =>
    JSON.parse(fs.readFileSync(path.join(packageRoot, schemaFile(version)), 'utf8'));

  test('the committed bundles equal a fresh generation from kubernetes-models (run `npm run generate:schema`)', () => {
    const oldest = generateSchemaBundle();
    expect(
      fs.readFileSync(path.join(packageRoot, schemaFile('1.27.1')), 'utf8') === serializeSchemaBundle(oldest),
    ).toBe(true);
    const newest = generateSchemaBundleFromTypes(NEWEST_SCHEMA_SOURCE_PACKAGE, '1.36.0', oldest);
    expect(
      fs.readFileSync(path.join(packageRoot, schemaFile('1.36.0')), 'utf8') === serializeSchemaBundle(newest),
    ).toBe(true);
  });

  test.each(KUBERNETES_VERSIONS)(
    'the committed compiled validators of %s equal a fresh compilation of its bundle (run `npm run generate:schema`)',
    version => {
      const committed = fs.readFileSync(path.join(packageRoot, validatorsFile(version)), 'utf8');
      const fresh = generateValidators(committedBundle(version));
      expect(committed === fresh).toBe(true);
      // Its second line names its code, for V8's code cache (code-cache.ts).
      const [, digestLine, ...code] = committed.split('\n');
      expect(digestLine).toBe(`// sha256:${createHash('sha256').update(code.join('\n')).digest('hex')}`);
    },
  );

  test.each(KUBERNETES_VERSIONS)('%s: the kinds it serves, strict, and none it no longer serves', version => {
    const bundle = committedBundle(version);
    expect(bundle.kubernetesVersion).toBe(version);
    expect(Object.keys(bundle.kinds)).toEqual(
      expect.arrayContaining([
        'apps/v1/Deployment',
        'apps/v1/StatefulSet',
        'v1/Service',
        'batch/v1/Job',
        'autoscaling/v2/HorizontalPodAutoscaler',
        'policy/v1/PodDisruptionBudget',
        'networking.k8s.io/v1/Ingress',
        'networking.k8s.io/v1/NetworkPolicy',
      ]),
    );
    for (const removed of [
      'extensions/v1beta1/Deployment',
      'policy/v1beta1/PodDisruptionBudget',
      'autoscaling/v2beta2/HorizontalPodAutoscaler',
      'batch/v1beta1/CronJob',
    ]) {
      expect(bundle.kinds).not.toHaveProperty([removed]);
    }
    expect(Object.keys(bundle.kinds).filter(gvk => isRemoved(gvk, version))).toEqual([]);
    expect(bundle.definitions['io.k8s.api.apps.v1.DeploymentSpec'].additionalProperties).toBe(false);
  });

  test('1.36 has what came since 1.27, not what went: flowcontrol v1 in, v1beta3 (removed in 1.32) out; fields of 1.27 keep integer types', () => {
    const [oldest, newest] = [committedBundle('1.27.1'), committedBundle('1.36.0')];
    expect(oldest.kinds).toHaveProperty(['flowcontrol.apiserver.k8s.io/v1beta3/FlowSchema']);
    expect(newest.kinds).not.toHaveProperty(['flowcontrol.apiserver.k8s.io/v1beta3/FlowSchema']);
    expect(newest.kinds).toHaveProperty(['flowcontrol.apiserver.k8s.io/v1/FlowSchema']);
    expect(newest.kinds).toHaveProperty(['resource.k8s.io/v1/ResourceClaim']);
    // A field new since 1.27 (sidecar containers' restartPolicy) and one of 1.27 with its integer type and format.
    expect(oldest.definitions['io.k8s.api.core.v1.Container'].properties).not.toHaveProperty('restartPolicy');
    expect(newest.definitions['io.k8s.api.core.v1.Container'].properties.restartPolicy).toEqual({
      nullable: true,
      type: 'string',
    });
    expect(newest.definitions['io.k8s.api.core.v1.ServicePort']).toEqual(
      oldest.definitions['io.k8s.api.core.v1.ServicePort'],
    );
  });
});

describe('known errors of the source schema are fixed in the bundles', () => {
  // After the Kubernetes docs' podFailurePolicy example (concepts/workloads/controllers/job): a rule with onExitCodes alone,
  // which the 1.27.1 OpenAPI document refuses for want of onPodConditions (kubernetes/kubernetes#120204).
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'job-pod-failure-policy-example', namespace: 'default' },
    spec: {
      completions: 12,
      parallelism: 3,
      backoffLimit: 6,
      podFailurePolicy: {
        rules: [
          { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        ],
      },
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'docker.io/library/bash:5', command: ['bash', '-c', 'exit 42'] }],
        },
      },
    },
  };

  test.each(KUBERNETES_VERSIONS)('a podFailurePolicy rule with onExitCodes alone is valid for %s', version => {
    const report = check([job], { kubernetesVersions: [version] });
    expect(report.findings.filter(finding => finding.ruleId.startsWith('schema'))).toEqual([]);
  });
});

describe('the README rule catalogue', () => {
  const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  test.each(RULES.map(r => [r.id, r.severity] as const))('lists %s as %s', (id, severity) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${id}\` \\| ${severity} \\|`, 'm'));
  });
});
