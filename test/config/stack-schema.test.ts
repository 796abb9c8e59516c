import { parse as parseYaml } from 'yaml';

import { ConfigError, resolveConfig, StackOverrides } from '../../lib/config';
import { withSettings } from '../../lib/config/stage-arguments';
import { POSTGRES_CLUSTER_DEFAULTS } from '../../lib/database';
import { only, synthStack } from '../support/manifests';

/** The problems a config reports, or [] when it is valid. */
function problemsOf(overrides: unknown): readonly string[] {
  try {
    resolveConfig('test', overrides as StackOverrides);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
}

const STORE = { destinationPath: 's3://todo-backups/postgres', credentialsSecretName: 'backup-store' };
const CNPG = { database: { workload: 'CloudNativePG', replicas: 3, backup: { enabled: true, objectStore: STORE } } };

describe('the stack schema', () => {
  test.each<[string, unknown, RegExp]>([
    [
      'an existing Secret without its name (no Ingress TLS at all, else)',
      { source: 'existing-secret' },
      new RegExp(
        String.raw`^ingress\.tls\.secretName: is required with source 'existing-secret': a kubernetes\.io\/tls ` +
          String.raw`Secret's name, such as 'drexii-me-tls', got undefined$`,
      ),
    ],
    [
      'cert-manager without its ClusterIssuer (no certificate ever issued, else)',
      { source: 'cert-manager' },
      /^ingress\.tls\.clusterIssuer: is required with source 'cert-manager': the name of a ClusterIssuer, such as 'letsencrypt-prod', got undefined$/,
    ],
    [
      'a TLS setting without its source, which a stage must choose',
      { secretName: 'drexii-me-tls' },
      new RegExp(
        String.raw`^ingress\.tls\.source: must be 'existing-secret' \(a kubernetes\.io\/tls Secret you create\) or ` +
          String.raw`'cert-manager' \(issued from a ClusterIssuer\), got undefined$`,
      ),
    ],
    [
      'a TLS setting that is no object',
      true,
      /^ingress\.tls: must be an object such as \{ source: 'cert-manager', clusterIssuer: 'letsencrypt-prod' \}, got true$/,
    ],
  ])('refuses an incomplete ingress.tls: %s', (_what, tls, message) => {
    expect(problemsOf({ ingress: { tls } })).toEqual([expect.stringMatching(message)]);
  });

  test('an unknown app preset names the allowed ones, with no TypeError', () => {
    expect(problemsOf({ app: { preset: 'django' } })).toEqual([
      `app.preset: must be 'flask' (the tutorial's image) or 'node-service' (our service in app/), got "django"`,
    ]);
  });

  test.each([
    ['flask', 'ghcr.io/stateful-todo/todo-service:0.2.0', 'node-service'],
    ['node-service', 'daredrexel/stateful-flask:v0', 'flask'],
  ])(
    "the '%s' preset with the other preset's image (%s) is an error naming both settings",
    (preset, image, imagePreset) => {
      const [problem, ...rest] = problemsOf({ app: { preset, image } });
      expect(rest).toEqual([]);
      expect(problem).toMatch(
        new RegExp(
          `^app\\.image: is the image of preset '${imagePreset}', not of preset '${preset}' \\(its pods would crash-loop\\): ` +
            `set preset to '${imagePreset}', or image to one made for '${preset}'.*, got "${image.replace(/[.]/g, '\\.')}"$`,
        ),
      );
    },
  );

  test('an image of neither preset is taken as it is (a fork builds its own)', () => {
    expect(problemsOf({ app: { preset: 'node-service', image: 'registry.example.com/todo:1.0.0' } })).toEqual([]);
  });

  test("a nested object with a field left out takes that field's default", () => {
    const config = resolveConfig('test', {
      database: { backup: { schedule: '@weekly' }, resources: { cpuRequest: '500m' } },
      app: { autoscaling: { minReplicas: 2, maxReplicas: 4 } },
    } as StackOverrides);
    expect(config.database.backup).toMatchObject({ enabled: true, schedule: '@weekly' });
    expect(config.database.resources.cpuRequest.amount).toBe('500m');
    expect(config.database.resources.memoryLimit.toMebibytes()).toBe(512);
    expect(config.app.autoscaling).toEqual({ minReplicas: 2, maxReplicas: 4, cpuUtilizationPercent: 70 });
    const cluster = resolveConfig('test', {
      database: { ...CNPG.database, cloudNativePG: { podAntiAffinity: 'preferred' } },
    } as StackOverrides);
    expect(cluster.database.workload === 'CloudNativePG' && cluster.database.cloudNativePG).toEqual({
      operatorNamespace: 'cnpg-system',
      podAntiAffinity: 'preferred',
    });
    const { all } = synthStack(config);
    expect(only(all, 'CronJob').spec.schedule).toBe('@weekly');
  });

  test("a value that selects a variant brings that variant's defaults", () => {
    const config = resolveConfig('test', { app: { preset: 'node-service' } } as StackOverrides);
    expect(config.app.image).toBe('ghcr.io/stateful-todo/todo-service:0.1.0');
    const cluster = resolveConfig('test', {
      database: { workload: 'CloudNativePG', backup: { enabled: false } },
    } as StackOverrides);
    expect(cluster.database).toMatchObject({ image: POSTGRES_CLUSTER_DEFAULTS.image, replicas: 3 });
  });

  // Each: a field, a wrong value for it, and the settings it needs around it.
  const WRONG_VALUES: Array<[string, unknown, object?]> = [
    ['database', 5],
    ['database.storageSize', '250'],
    ['database.storageSize', '0Gi'],
    ['database.resources', 1],
    ['database.resources.cpuRequest', '1Gi'],
    ['database.resources.memoryLimit', 'big'],
    ['database.credentials', 'vault'],
    ['database.credentials.password', undefined, { database: { credentials: { source: 'dev-generated' } } }],
    ['database.backup', true],
    ['database.backup.storageSize', '10GB'],
    ['database.backup.objectStore', 's3://bucket', CNPG],
    ['database.backup.objectStore', undefined, { database: { ...CNPG.database, backup: { enabled: true } } }],
    ['database.cloudNativePG', 1, CNPG],
    ['database.recovery', 1, CNPG],
    ['database.image', 'postgres'],
    ['database.image', '', CNPG],
    ['app', 5],
    ['app.image', ''],
    ['app.image', 'ghcr.io/stateful-todo/todo-service:0.1.0'],
    ['app.autoscaling', true],
    ['app.resources.memoryRequest', '512mb'],
    ['ingress', 1],
    ['ingress.host', 'https://drexii.me'],
    ['ingress.path', 'tasks'],
    ['ingress.tls', true],
    ['ingress.tls.secretName', undefined, { ingress: { tls: { source: 'existing-secret' } } }],
    ['ingress.tls.clusterIssuer', undefined, { ingress: { tls: { source: 'cert-manager' } } }],
    ['ingress.tls.clusterIssuer', 'Lets Encrypt', { ingress: { tls: { source: 'cert-manager' } } }],
    ['gitops', 1],
    ['gitops.fluxDependsOn', 'infrastructure'],
    ['gitops.branch', 'my branch'],
    ['monitoring', 1],
    ['monitoring.exporterImage', ''],
  ];

  test.each(WRONG_VALUES)(
    'every example in the message for %s (given %j) is valid for that field',
    (field, wrong, around = {}) => {
      const path = field.split('.');
      const problems = problemsOf(withSettings(around as StackOverrides, [{ path, value: wrong }])).filter(p =>
        p.startsWith(`${field}: `),
      );
      expect(problems).toHaveLength(1);
      const examples = examplesIn(problems[0]);
      expect(examples.length).toBeGreaterThan(0);
      for (const example of examples) {
        const again = problemsOf(withSettings(around as StackOverrides, [{ path, value: example }]));
        expect({ example, problems: again.filter(p => p.startsWith(field)) }).toEqual({ example, problems: [] });
      }
    },
  );

  test('a value of any type in any field is a config error (a message), never a crash', () => {
    const crashes: string[] = [];
    const bases: Array<[string, Record<string, unknown>]> = [
      ['default', {}],
      ['CloudNativePG', CNPG],
      [
        'node-service with TLS',
        { app: { preset: 'node-service' }, ingress: { tls: { source: 'existing-secret', secretName: 'tls' } } },
      ],
    ];
    for (const [name, base] of bases) {
      const config = resolveConfig('test', base as StackOverrides) as unknown as Record<string, unknown>;
      for (const field of fieldsOf(config).filter(f => f !== 'stage')) {
        for (const value of [null, 'x', -1, 1.5, true, [], {}, ['x'], { x: 1 }]) {
          try {
            resolveConfig('test', withSettings(base as StackOverrides, [{ path: field.split('.'), value }]));
          } catch (error) {
            if (!(error instanceof ConfigError)) {
              crashes.push(`${name}: ${field}=${JSON.stringify(value)}: ${String(error)}`);
            }
          }
        }
      }
    }
    expect(crashes).toEqual([]);
  });
});

/** Every field of a parsed config, nested ones included (typed values such as a Size are one field). */
function fieldsOf(value: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, child]) => {
    const field = `${prefix}${key}`;
    return child !== null && typeof child === 'object' && Object.getPrototypeOf(child) === Object.prototype
      ? [field, ...fieldsOf(child as Record<string, unknown>, `${field}.`)]
      : [field];
  });
}

/** The examples a message gives after "such as": YAML flow (`{ … }`, `[ … ]`) or quoted strings (`'5Gi' or '512Mi'`). */
function examplesIn(message: string): unknown[] {
  return [...message.matchAll(/such as (\{(?:[^{}]|\{[^{}]*\})*\}|\[[^\]]*\]|'[^']*'(?: or '[^']*')*)/g)].flatMap(
    ([, example]) =>
      example.startsWith("'") ? [...example.matchAll(/'([^']*)'/g)].map(quoted => quoted[1]) : [parseYaml(example)],
  );
}
