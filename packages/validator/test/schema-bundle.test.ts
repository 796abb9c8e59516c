import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { generateSchemaBundle, SCHEMA_FILE, serializeSchemaBundle } from '../src/schema/generate-schema';
import { generateValidators, VALIDATORS_FILE } from '../src/schema/generate-validators';
import { RULES } from '../src/rules';

const packageRoot = path.join(__dirname, '..');
const projectRoot = path.join(packageRoot, '..', '..');

describe('the Kubernetes schema bundle', () => {
  test('the committed bundle equals a fresh generation from kubernetes-models (run `npm run generate:schema`)', () => {
    const committed = fs.readFileSync(path.join(packageRoot, SCHEMA_FILE), 'utf8');
    const fresh = serializeSchemaBundle(generateSchemaBundle());
    expect(committed === fresh).toBe(true);
  });

  test('the committed compiled validators equal a fresh compilation of the committed bundle (run `npm run generate:schema`)', () => {
    const committed = fs.readFileSync(path.join(packageRoot, VALIDATORS_FILE), 'utf8');
    const fresh = generateValidators(JSON.parse(fs.readFileSync(path.join(packageRoot, SCHEMA_FILE), 'utf8')));
    expect(committed === fresh).toBe(true);
    // Its second line names its code, for V8's code cache (code-cache.ts).
    const [, digestLine, ...code] = committed.split('\n');
    expect(digestLine).toBe(`// sha256:${createHash('sha256').update(code.join('\n')).digest('hex')}`);
  });

  test('holds the 1.27 kinds and nothing that 1.27 no longer serves', () => {
    const bundle = JSON.parse(fs.readFileSync(path.join(packageRoot, SCHEMA_FILE), 'utf8'));
    expect(bundle.kubernetesVersion).toBe('1.27.1');
    expect(Object.keys(bundle.kinds)).toEqual(expect.arrayContaining([
      'apps/v1/Deployment', 'apps/v1/StatefulSet', 'v1/Service', 'batch/v1/Job', 'autoscaling/v2/HorizontalPodAutoscaler',
      'policy/v1/PodDisruptionBudget', 'networking.k8s.io/v1/Ingress', 'networking.k8s.io/v1/NetworkPolicy',
    ]));
    for (const removed of ['extensions/v1beta1/Deployment', 'policy/v1beta1/PodDisruptionBudget', 'autoscaling/v2beta2/HorizontalPodAutoscaler', 'batch/v1beta1/CronJob']) {
      expect(bundle.kinds).not.toHaveProperty([removed]);
    }
    expect(bundle.definitions['io.k8s.api.apps.v1.DeploymentSpec'].additionalProperties).toBe(false);
  });
});

describe('the README rule catalogue', () => {
  const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  test.each(RULES.map(r => [r.id, r.severity] as const))('lists %s as %s', (id, severity) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${id}\` \\| ${severity} \\|`, 'm'));
  });
});
