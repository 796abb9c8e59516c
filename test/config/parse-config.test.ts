import { App } from 'cdk8s';

import { TodoApp } from '../../lib/app/todo-app';
import { ConfigError, resolveConfig, stageConfig, stageNames, STAGES, TUTORIAL_DEFAULTS } from '../../lib/config';
import { DatabaseCredentials } from '../../lib/database/database-credentials';
import { PostgresStatefulSet } from '../../lib/database/postgres-stateful-set';
import { namespacedChart, only, synthStack } from '../support/manifests';

/** The problems a config reports, or [] when it is valid. */
function problemsOf(build: () => unknown): readonly string[] {
  try {
    build();
    return [];
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
}

describe('stack config', () => {
  test("the defaults are the tutorial's values", () => {
    const config = resolveConfig('default');
    expect(config.database.namespace).toBe('postgres');
    expect(config.database.storageClassName).toBeUndefined();
    expect(config.database.podDisruptionBudget).toBe(true);
    expect(config.database.storageSize.toGibibytes()).toBe(5);
    expect(config.app.namespace).toBe('stateful-namespace');
    expect(config.app.name).toBe('stateful-flask');
    expect(config.app.image).toBe('daredrexel/stateful-flask:v0');
    expect(config.app.port).toBe(5000);
    // Not the host: the tutorial's is drexii.me, and a fork sets its own (README, "Fork it").
    expect(config.ingress).toMatchObject({ namespace: 'default', path: '/tasks', ingressClassName: 'nginx' });
  });

  test('the defaults hold no password', () => {
    expect(JSON.stringify(TUTORIAL_DEFAULTS)).not.toMatch(/password"\s*:/i);
    expect(TUTORIAL_DEFAULTS.database.credentials.source).toBe('cluster-provided');
  });

  test('the shipped stages are valid', () => {
    expect(stageNames()).toEqual(['dev', 'ha', 'prod']);
    for (const stage of stageNames()) {
      expect(stageConfig(stage).stage).toBe(stage);
    }
  });

  test('an unknown stage fails with the list of known ones', () => {
    expect(() => stageConfig('qa')).toThrow(/stage: unknown stage, got "qa"; known stages are 'dev', 'ha', 'prod'/);
  });

  test.each([
    [
      'a name that is not DNS-1123',
      { app: { name: 'Stateful_Flask' } },
      /app\.name: must be a DNS-1035 label .* got "Stateful_Flask"/,
    ],
    [
      'a namespace that is not DNS-1123',
      { database: { namespace: 'Postgres' } },
      /database\.namespace: must be a DNS-1123 label .* got "Postgres"/,
    ],
    ['a quantity like 5GB', { database: { storageSize: '5GB' } }, /database\.storageSize: .*write '5Gi' .* got "5GB"/],
    [
      'a storage size of 0',
      { database: { storageSize: '0Gi' } },
      /database\.storageSize: must be greater than zero.* got "0Gi"/,
    ],
    [
      'a memory quantity like 512mb',
      { app: { resources: { cpuRequest: '100m', memoryRequest: '512mb', memoryLimit: '1Gi' } } },
      /app\.resources\.memoryRequest: .*write '512Mi'.* got "512mb"/,
    ],
    [
      'a memory limit below the request',
      { app: { resources: { cpuRequest: '100m', memoryRequest: '1Gi', memoryLimit: '512Mi' } } },
      /app\.resources\.memoryLimit: must be at least the memory request \(1Gi\).* got "512Mi"/,
    ],
    ['app replicas < 1', { app: { replicas: 0 } }, /app\.replicas: must be a whole number from 1 to 1000, got 0/],
    [
      'database replicas of 3',
      { database: { replicas: 3 } },
      /database\.replicas: must be 1 for a single-primary PostgreSQL without replication.*got 3/,
    ],
    ['an empty image', { app: { image: '' } }, /app\.image: must name an image with a pinned tag.* got ""/],
    [
      'an untagged image',
      { database: { image: 'postgres' } },
      /database\.image: must pin a tag or digest, such as 'postgres:17\.6-bookworm'.* got "postgres"/,
    ],
    [
      // Not "such as 'latest:<tag>'", which would name an image called latest.
      "the word 'latest' alone",
      { app: { image: 'latest' } },
      /^app\.image: must name an image with a pinned tag, such as '[^']+:[^']+', not a tag alone, got "latest"$/,
    ],
    [
      'a latest image',
      { app: { image: 'daredrexel/stateful-flask:latest' } },
      /app\.image: must pin a version tag, not 'latest'/,
    ],
    ['a port out of range', { app: { port: 70000 } }, /app\.port: must be a whole number from 1 to 65535, got 70000/],
    [
      'a host with a scheme',
      { ingress: { host: 'https://drexii.me' } },
      /ingress\.host: must be a bare host name such as 'drexii\.me'; drop the scheme 'https:\/\/', got "https:\/\/drexii\.me"/,
    ],
    [
      'a host with a path',
      { ingress: { host: 'drexii.me/tasks' } },
      /ingress\.host: must be a lower-case DNS host name/,
    ],
    [
      'a path without a leading /',
      { ingress: { path: 'tasks' } },
      /ingress\.path: must be an absolute path starting with '\/'.* got "tasks"/,
    ],
    [
      'an ingress controller namespace that is no name',
      { ingress: { controllerNamespace: 'Ingress_Nginx' } },
      /^ingress\.controllerNamespace: must be a DNS-1123 label .*got "Ingress_Nginx"$/,
    ],
    [
      'an autoscaler whose max is below its min',
      { app: { autoscaling: { minReplicas: 4, maxReplicas: 2, cpuUtilizationPercent: 70 } } },
      /app\.autoscaling\.maxReplicas: must be a whole number from autoscaling\.minReplicas to 1000, got 2/,
    ],
    // Its length, never its text: messages reach terminals and CI logs.
    [
      'a short dev password',
      { database: { credentials: { source: 'dev-generated', password: 'short' } } },
      /^database\.credentials\.password: must be a string of at least 12 characters.*, got a string of 5 characters \(not shown: a password\)$/,
    ],
    [
      'an unknown credentials source',
      { database: { credentials: { source: 'vault' } } },
      /database\.credentials\.source: must be 'dev-generated'.*or 'cluster-provided', got "vault"/,
    ],
    [
      'a static volume on a StatefulSet',
      { database: { staticVolumeHostPath: '/mnt/data' } },
      new RegExp(
        String.raw`^database\.staticVolumeHostPath: is a setting of the 'Deployment' workload; the 'StatefulSet' ` +
          String.raw`workload refuses it: remove it, or set database\.workload to 'Deployment', got "\/mnt\/data"$`,
      ),
    ],
    [
      'an unknown workload',
      { database: { workload: 'DaemonSet' } },
      /database\.workload: must be 'StatefulSet', 'Deployment' or 'CloudNativePG', got "DaemonSet"/,
    ],
    ['two charts in one namespace', { app: { namespace: 'postgres' } }, /must be three different namespaces/],
    [
      'a PostgreSQL identifier with a dash',
      { database: { user: 'todo-user' } },
      /database\.user: must be a lower-case PostgreSQL identifier.* got "todo-user"/,
    ],
    [
      'an app name too long for its Job',
      { app: { name: 'a'.repeat(47) } },
      /app\.name: must be a DNS-1035 label .*at most 46 characters/,
    ],
    [
      'another port with the Flask image, which listens on 5000 only',
      { app: { port: 8080 } },
      /app\.port: must be 5000 with the 'flask' preset.*'node-service', which reads PORT.*got 8080/,
    ],
    [
      'the task list cache with the Flask image, which keeps none',
      { app: { taskListCache: false } },
      /^app\.taskListCache: is a setting of the 'node-service' preset; the 'flask' preset refuses it.*got false$/,
    ],
    [
      'the task list cache as a string',
      { app: { preset: 'node-service', taskListCache: 'off' } },
      /app\.taskListCache: must be true .*or false .*got "off"/,
    ],
    [
      'a disruption budget that is not a boolean',
      { database: { podDisruptionBudget: 'yes' } },
      /database\.podDisruptionBudget: must be true .* or false .*, got "yes"/,
    ],
    [
      'an unknown TLS source',
      { ingress: { tls: { source: 'acme' } } },
      /ingress\.tls\.source: must be 'existing-secret' .* or 'cert-manager' .*, got "acme"/,
    ],
    [
      'a TLS issuer that is no name',
      { ingress: { tls: { source: 'cert-manager', clusterIssuer: 'Lets Encrypt' } } },
      /ingress\.tls\.clusterIssuer: must be a DNS-1123 subdomain .*the name of a cert-manager ClusterIssuer/,
    ],
    [
      'an app Secret name that is no name',
      {
        database: {
          credentials: {
            source: 'cluster-provided',
            databaseSecretName: 'pg',
            appSecretName: 'App_Secret',
            rolesSecretName: 'pg-roles',
            migrationSecretName: 'app-owner',
          },
        },
      },
      /database\.credentials\.appSecretName: must be a DNS-1123 subdomain .*got "App_Secret"/,
    ],
    [
      'an Ingress name that is no name',
      { ingress: { name: 'Todo' } },
      /ingress\.name: must be a DNS-1123 subdomain .*got "Todo"/,
    ],
    [
      'a cluster domain that is no domain',
      { clusterDomain: 'Cluster Local' },
      /clusterDomain: must be a DNS-1123 subdomain .*got "Cluster Local"/,
    ],
    [
      'a CPU quantity that is no CPU amount',
      { app: { resources: { cpuRequest: '1Gi', memoryRequest: '128Mi', memoryLimit: '256Mi' } } },
      /app\.resources\.cpuRequest: must be CPU in millicores or cores, such as '250m' or '1', got "1Gi"/,
    ],
    [
      'a repository URL that Flux and Argo CD cannot clone',
      { gitops: { repoUrl: 'github.com/acme/todo' } },
      /^gitops\.repoUrl: must be an https:\/\/, ssh:\/\/ or git@ Git URL.*got "github\.com\/acme\/todo"$/,
    ],
    [
      'a branch with a space',
      { gitops: { branch: 'my branch' } },
      /^gitops\.branch: must be a branch name, such as 'main', got "my branch"$/,
    ],
    [
      'a Flux dependency that is no name',
      { gitops: { fluxDependsOn: ['Infra Structure'] } },
      /^gitops\.fluxDependsOn\[0\]: must be a DNS-1123 subdomain .*got "Infra Structure"$/,
    ],
    [
      'a stack name too long for the instance label',
      { stackName: 'a'.repeat(60) },
      new RegExp(
        String.raw`^stackName: with the stage it makes the label app\.kubernetes\.io\/instance 'a{60}-test' \(65 ` +
          String.raw`characters\), and a label value holds at most 63`,
      ),
    ],
    [
      'a backup schedule with six fields',
      { database: { backup: { enabled: true, schedule: '0 0 3 * * *' } } },
      /^database\.backup\.schedule: must have five fields .*found 6, got "0 0 3 \* \* \*"$/,
    ],
    [
      'a backup retention of 0',
      { database: { backup: { enabled: true, retention: 0 } } },
      /^database\.backup\.retention: must be a whole number of dumps to keep, from 1 to 1000.*got 0$/,
    ],
    [
      'a backup volume size in GB',
      { database: { backup: { enabled: true, storageSize: '10GB' } } },
      /^database\.backup\.storageSize: must be a whole binary quantity.*got "10GB"$/,
    ],
    [
      'backups that are neither on nor off',
      { database: { backup: { enabled: 'yes' } } },
      /^database\.backup\.enabled: must be true .* or false .*got "yes"$/,
    ],
    [
      'an unknown backup setting',
      { database: { backup: { enabled: true, keep: 3 } } },
      /^database\.backup\.keep: unknown setting \(the settings are enabled, schedule, retention, storageSize, storageClassName\), got 3$/,
    ],
    [
      'a database name too long for its backup CronJob',
      { database: { name: 'a'.repeat(50) } },
      /^database\.name: must be at most 45 characters: the CronJob is named '<database name>-backup'/,
    ],
    [
      // The workload's own rule alone: the backup's length limit does not restate the name's form (another kind).
      'a database name of capitals, with backups',
      { database: { name: 'Foo' } },
      /^database\.name: must be a DNS-1035 label \(lower-case letters, digits and '-', at most 52 characters\)[^\n]*got "Foo"$/,
    ],
    [
      'an empty storage class (leave it unset for the default)',
      { database: { storageClassName: '' } },
      /database\.storageClassName: must be a DNS-1123 subdomain .*; or leave it unset for the cluster's default class/,
    ],
  ])('rejects %s, naming the field, the value and the fix', (_what, overrides, message) => {
    const problems = problemsOf(() => resolveConfig('test', overrides as any));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  test("cluster-provided Secrets left out of the stage take the schema's names, which prod's Secrets instructions create", () => {
    const config = resolveConfig('test', {
      database: { credentials: { source: 'cluster-provided', databaseSecretName: 'pg', appSecretName: 'app' } },
    } as any);
    expect(config.database.credentials).toEqual({
      source: 'cluster-provided',
      databaseSecretName: 'pg',
      appSecretName: 'app',
      rolesSecretName: 'postgres-roles',
      migrationSecretName: 'stateful-flask-migration-credentials',
    });
  });

  describe('the CloudNativePG workload', () => {
    const store = { destinationPath: 's3://todo-backups/postgres', credentialsSecretName: 'backup-store' };
    const cnpg = (database: Record<string, unknown> = {}) => ({
      database: {
        workload: 'CloudNativePG',
        image: 'ghcr.io/cloudnative-pg/postgresql:17.11-standard-trixie',
        replicas: 3,
        backup: { enabled: true, objectStore: store },
        ...database,
      },
    });

    test.each<[string, Record<string, unknown>, RegExp]>([
      [
        'the Docker library image',
        { image: 'postgres:17.6-bookworm' },
        /^database\.image: is the Docker library image: its postgres user is uid 999.*got "postgres:17\.6-bookworm"$/,
      ],
      ['ten instances', { replicas: 10 }, /^database\.replicas: must be a whole number from 1 to 9.*got 10$/],
      [
        'backups without an object store',
        { backup: { enabled: true } },
        new RegExp(
          String.raw`^database\.backup\.objectStore: is required with the CloudNativePG workload, such as .*; or set ` +
            String.raw`database\.backup\.enabled to false, got undefined$`,
        ),
      ],
      [
        'a dump retention, which it does not read',
        { backup: { enabled: true, objectStore: store, retention: 7 } },
        new RegExp(
          String.raw`^database\.backup\.retention: is a setting of the 'StatefulSet' and 'Deployment' workloads; the ` +
            String.raw`'CloudNativePG' workload refuses it: remove it, or set database\.workload to 'StatefulSet' or ` +
            String.raw`'Deployment', got 7$`,
        ),
      ],
      [
        'an object store that is no S3 path',
        { backup: { enabled: true, objectStore: { ...store, destinationPath: '/backups' } } },
        /^database\.backup\.objectStore\.destinationPath: must be an S3 bucket and folder.*got "\/backups"$/,
      ],
      [
        'an unknown object store setting',
        { backup: { enabled: true, objectStore: { ...store, region: 'fra1' } } },
        new RegExp(
          String.raw`^database\.backup\.objectStore\.region: unknown setting \(the settings are destinationPath, ` +
            String.raw`endpointUrl, credentialsSecretName\), got "fra1"$`,
        ),
      ],
      [
        'an unknown anti-affinity',
        { cloudNativePG: { operatorNamespace: 'cnpg-system', podAntiAffinity: 'always' } },
        /^database\.cloudNativePG\.podAntiAffinity: must be one of 'required', 'preferred', got "always"$/,
      ],
      [
        'an operator namespace that is no name',
        { cloudNativePG: { operatorNamespace: 'CNPG', podAntiAffinity: 'required' } },
        /^database\.cloudNativePG\.operatorNamespace: must be a DNS-1123 label.*got "CNPG"$/,
      ],
      [
        'CloudNativePG settings that are not an object',
        { cloudNativePG: null },
        /^database\.cloudNativePG: must be an object such as \{ operatorNamespace: 'cnpg-system', podAntiAffinity: 'required' \}, got null$/,
      ],
      [
        'recovery into the folder it recovers from',
        { recovery: { serverName: 'postgres' } },
        /^database\.backup\.serverName: must differ from recovery\.serverName \('postgres'\)/,
      ],
    ])('rejects %s, naming the field, the value and the fix', (_what, database, message) => {
      const problems = problemsOf(() => resolveConfig('test', cnpg(database) as any));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(message);
    });

    test('a misspelt CloudNativePG setting is an error that names the nearest setting, not its default taken silently', () => {
      expect(
        problemsOf(() =>
          resolveConfig(
            'test',
            cnpg({ cloudNativePG: { operatorNamspace: 'operators', podAntiAffinity: 'required' } }) as any,
          ),
        ),
      ).toEqual([
        "database.cloudNativePG.operatorNamspace: unknown setting; did you mean 'operatorNamespace'? (the settings " +
          'are operatorNamespace, podAntiAffinity), got "operators"',
      ]);
    });

    test('the other workloads refuse its settings rather than ignore them', () => {
      expect(
        problemsOf(() => resolveConfig('test', { database: { backup: { enabled: true, objectStore: store } } } as any)),
      ).toEqual([
        "database.backup.objectStore: is a setting of the 'CloudNativePG' workload; the 'StatefulSet' workload " +
          `refuses it: remove it, or set database.workload to 'CloudNativePG', got ${JSON.stringify(store)}`,
      ]);
      expect(
        problemsOf(() =>
          resolveConfig('test', { database: { workload: 'Deployment', recovery: { serverName: 'postgres' } } } as any),
        ),
      ).toEqual([
        expect.stringMatching(
          new RegExp(
            String.raw`^database\.recovery: is a setting of the 'CloudNativePG' workload; the 'Deployment' workload ` +
              String.raw`refuses it: remove it, or set database\.workload to 'CloudNativePG', ` +
              String.raw`got \{"serverName":"postgres"\}$`,
          ),
        ),
      ]);
      expect(
        problemsOf(() =>
          resolveConfig('test', { database: { cloudNativePG: { podAntiAffinity: 'preferred' } } } as any),
        ),
      ).toEqual([
        expect.stringMatching(
          /^database\.cloudNativePG: is a setting of the 'CloudNativePG' workload; the 'StatefulSet' workload refuses it/,
        ),
      ]);
      // replicas > 1 stays an error where it would make independent databases.
      expect(problemsOf(() => resolveConfig('test', { database: { replicas: 3 } }))).toEqual([
        expect.stringMatching(
          /^database\.replicas: must be 1 for a single-primary PostgreSQL without replication.*use an operator such as CloudNativePG/,
        ),
      ]);
    });

    test('replicas are its instances, and backups turned off leave no ScheduledBackup nor backup section', () => {
      const { all } = synthStack(resolveConfig('test', cnpg({ replicas: 1, backup: { enabled: false } }) as any));
      const cluster = only(all, 'Cluster');
      expect(cluster.spec.instances).toBe(1);
      expect(cluster.spec).not.toHaveProperty('backup');
      expect(all.filter(o => o.kind === 'ScheduledBackup' || o.kind === 'CronJob')).toEqual([]);
    });

    test('the ha stage: prod with a CloudNativePG Cluster of 3 instances, backed up to its bucket, its Secrets provided by the cluster', () => {
      const ha = stageConfig('ha');
      const prod = stageConfig('prod');
      expect(ha.database).toMatchObject({
        workload: 'CloudNativePG',
        replicas: 3,
        storageClassName: prod.database.storageClassName,
      });
      expect(ha.database.storageSize).toEqual(prod.database.storageSize);
      expect({ app: ha.app, ingress: ha.ingress, monitoring: ha.monitoring }).toEqual({
        app: prod.app,
        ingress: prod.ingress,
        monitoring: prod.monitoring,
      });
      const { all } = synthStack(ha);
      expect(all.filter(o => o.kind === 'Secret')).toEqual([]);
      const namespace = only(all, 'Namespace', 'postgres');
      expect(namespace.metadata.annotations?.['validator.todo-stack/provided-secrets']).toBe(
        'postgres-owner-credentials,postgres-backup-store',
      );
      expect(
        all.filter(o => ['StatefulSet', 'Deployment'].includes(o.kind) && o.metadata.namespace === 'postgres'),
      ).toEqual([]);
    });
  });

  test('app.taskListCache reaches the node service as TASK_LIST_CACHE; unset, the pods get no variable', () => {
    const serverEnv = (overrides: object) => {
      const { all } = synthStack(
        resolveConfig('cache', {
          app: { preset: 'node-service', image: 'ghcr.io/stateful-todo/todo-service:0.1.0', ...overrides },
        } as any),
      );
      return only(all, 'Deployment', TUTORIAL_DEFAULTS.app.name).spec.template.spec.containers[0].env.map((e: any) => [
        e.name,
        e.value,
      ]);
    };
    expect(serverEnv({ taskListCache: false })).toContainEqual(['TASK_LIST_CACHE', 'off']);
    expect(serverEnv({ taskListCache: true })).toContainEqual(['TASK_LIST_CACHE', 'on']);
    expect(serverEnv({}).map(([name]: string[]) => name)).not.toContain('TASK_LIST_CACHE');
  });

  test("app.dns: the app's pods reach the cluster DNS the stage names; a field left out keeps its default", () => {
    const dnsRule = (overrides: object) =>
      only(synthStack(resolveConfig('test', overrides)).all, 'NetworkPolicy', 'stateful-flask-egress').spec.egress[0];
    expect(
      dnsRule({
        app: {
          dns: {
            namespace: 'openshift-dns',
            podLabels: { 'dns.operator.openshift.io/daemonset-dns': 'default' },
            port: 5353,
          },
        },
      }),
    ).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openshift-dns' } },
          podSelector: { matchLabels: { 'dns.operator.openshift.io/daemonset-dns': 'default' } },
        },
      ],
      ports: [
        { port: 5353, protocol: 'UDP' },
        { port: 5353, protocol: 'TCP' },
      ],
    });
    expect(dnsRule({ app: { dns: { namespace: 'dns' } } })).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } },
          podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        },
      ],
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
    });
  });

  test('app.dns: a bad value is an error naming the field, the value and the fix', () => {
    expect(
      problemsOf(() =>
        resolveConfig('test', { app: { dns: { namespace: 'Kube_System', podLabels: {}, port: 70000 } } }),
      ),
    ).toEqual([
      'app.dns.namespace: must be a DNS-1123 label (lower-case letters, digits and \'-\', at most 63 characters), got "Kube_System"',
      'app.dns.port: must be a whole number from 1 to 65535, got 70000',
      "app.dns.podLabels: must hold at least one label of the DNS server pods, such as { 'k8s-app': 'kube-dns' }" +
        ' (without one, the pods could reach any pod of the namespace on that port), got {}',
    ]);
    expect(problemsOf(() => resolveConfig('test', { app: { dns: { podLabels: { 'k8s-app': 'kube dns' } } } }))).toEqual(
      [
        "app.dns.podLabels: has a value that is no label value: a string of at most 63 letters, digits, '-', '_' or '.'," +
          ' such as \'kube-dns\', got {"k8s-app":"kube dns"}',
      ],
    );
    expect(problemsOf(() => resolveConfig('test', { app: { dns: { podLabels: 'kube-dns' } } } as any))).toEqual([
      "app.dns.podLabels: must be an object of labels such as { 'k8s-app': 'kube-dns' }, got \"kube-dns\"",
    ]);
  });

  test('backups can be turned off: no CronJob, no backup claim, no deploy-time dump', () => {
    const { all } = synthStack(resolveConfig('no-backups', { database: { backup: { enabled: false } } }));
    expect(
      all.filter(o => o.kind === 'CronJob' || o.metadata.labels?.['app.kubernetes.io/component'] === 'backup'),
    ).toEqual([]);
    // A backup setting left out takes the construct's default.
    const { all: partial } = synthStack(
      resolveConfig('weekly', { database: { backup: { enabled: true, schedule: '@weekly' } } }),
    );
    expect(only(partial, 'CronJob').spec.schedule).toBe('@weekly');
    expect(only(partial, 'PersistentVolumeClaim', 'postgres-backups').spec.resources.requests.storage).toBe('10Gi');
  });

  test('reports every bad value together, in one error', () => {
    const build = () =>
      resolveConfig('broken', {
        database: { storageSize: '5GB', replicas: 2 },
        app: { port: 0, image: '' },
        ingress: { host: 'http://drexii.me', path: 'tasks' },
      } as any);
    expect(problemsOf(build)).toHaveLength(6);
    expect(build).toThrow(/^Invalid stack config for stage 'broken' \(6 problems\):\n {2}- /);
  });

  describe('a rejected value brings no follow-on problem from a check that reads it', () => {
    const PRESET =
      "app.preset: must be 'flask' (the tutorial's image) or 'node-service' (our service in app/), got \"django\"";
    const WORKLOAD = "database.workload: must be 'StatefulSet', 'Deployment' or 'CloudNativePG', got \"Mongo\"";
    test.each<[string, string, Record<string, unknown>, string[]]>([
      // Without the check, the flask preset stood in for 'django' and judged the stage's node-service image and port.
      ['a bad preset', 'dev', { app: { preset: 'django', port: 8080 } }, [PRESET]],
      // StatefulSet stood in for 'Mongo' and refused ha's 3 instances.
      ['a bad workload', 'ha', { database: { workload: 'Mongo' } }, [WORKLOAD]],
      ['a bad workload', 'dev', { database: { workload: 'Mongo', name: 'a'.repeat(50) } }, [WORKLOAD]],
      // The default 2 stood in for minReplicas and refused maxReplicas 1.
      [
        'a bad autoscaling.minReplicas',
        'dev',
        { app: { autoscaling: { minReplicas: 'x', maxReplicas: 1 } } },
        ['app.autoscaling.minReplicas: must be a number, got "x"'],
      ],
      [
        'a bad memory request',
        'dev',
        { app: { resources: { memoryRequest: 'x', memoryLimit: '100Mi' } } },
        ["app.resources.memoryRequest: must be a whole binary quantity such as '256Mi' or '512Mi', got \"x\""],
      ],
      // databaseName 'todo' stood in, whose owner role is todo_owner.
      [
        'a bad databaseName',
        'dev',
        { database: { databaseName: 5, user: 'todo_owner' } },
        ['database.databaseName: must be a string, got 5'],
      ],
      // The default namespace stood in, the same as the database's.
      [
        'a bad app.namespace',
        'dev',
        { app: { namespace: 5 }, database: { namespace: 'stateful-namespace' } },
        ['app.namespace: must be a string, got 5'],
      ],
      // Backups enabled stood in, whose CronJob name is too long for this database name.
      [
        'a bad database.backup.enabled',
        'dev',
        { database: { backup: { enabled: 'x' }, name: 'a'.repeat(50) } },
        ['database.backup.enabled: must be true (scheduled backups) or false (no backups), got "x"'],
      ],
    ])('%s (%s)', (_, stage, overrides, expected) => {
      const base = STAGES[stage];
      const merged = {
        ...base,
        ...overrides,
        database: { ...base.database, ...(overrides.database as object) },
        app: { ...base.app, ...(overrides.app as object) },
      };
      expect(problemsOf(() => resolveConfig(stage, merged as any))).toEqual(expected);
    });

    test('a problem that holds whatever the rejected value meant is still reported', () => {
      expect(
        problemsOf(() => resolveConfig('dev', { ...STAGES.dev, app: { preset: 'django', name: 'Bad_Name' } } as any)),
      ).toEqual([
        PRESET,
        "app.name: must be a DNS-1035 label (lower-case letters, digits and '-', at most 46 characters)" +
          '; the migration Job is \'<name>-migrate-<8 characters>\', a label value of at most 63, got "Bad_Name"',
      ]);
      expect(
        problemsOf(() =>
          resolveConfig('dev', { database: { ...STAGES.dev.database, workload: 'Mongo', user: 'todo_owner' } } as any),
        ),
      ).toEqual([
        WORKLOAD,
        "database.user: is the name of one of the database's own roles (todo_owner, todo_service, todo_exporter, todo_backup)" +
          "; the bootstrap superuser needs another name, such as 'todo' or 'postgres', got \"todo_owner\"",
      ]);
      // The workload's own settings, which the schema reaches only once the bad workload is out of the way.
      expect(
        problemsOf(() =>
          resolveConfig('dev', {
            database: { ...STAGES.dev.database, workload: 'Mongo', storageSize: '5GB' },
          } as any),
        ),
      ).toEqual([
        WORKLOAD,
        "database.storageSize: must be a whole binary quantity such as '5Gi' or '512Mi'; write '5Gi' (binary suffixes Ki, Mi, Gi, Ti), got \"5GB\"",
      ]);
      expect(
        problemsOf(() => resolveConfig('dev', { ...STAGES.dev, app: { preset: 'django', replicas: 'x' } } as any)),
      ).toEqual([PRESET, 'app.replicas: must be a number, got "x"']);
    });
  });

  test('an unknown setting is an error that suggests the nearest known setting and shows the value, at any depth', () => {
    expect(problemsOf(() => resolveConfig('test', { app: { replicaz: 3 } } as any))).toEqual([
      "app.replicaz: unknown setting; did you mean 'replicas'? (the settings are preset, namespace, name, port, " +
        'replicas, migrationCommand, autoscaling, resources, dns, image), got 3',
    ]);
    expect(problemsOf(() => resolveConfig('test', { databse: {} } as any))[0]).toMatch(
      /^databse: unknown setting; did you mean 'database'\? .*got \{\}$/,
    );
    expect(problemsOf(() => resolveConfig('test', { database: { storagesize: '10Gi' } } as any))).toEqual([
      expect.stringMatching(/^database\.storagesize: unknown setting; did you mean 'storageSize'\? .*, got "10Gi"$/),
    ]);
    expect(
      problemsOf(() =>
        resolveConfig('test', {
          ingress: { tls: { source: 'cert-manager', clusterIssuer: 'letsencrypt-prod', extra: 1 } },
        } as any),
      ),
    ).toEqual(['ingress.tls.extra: unknown setting (the settings are source, clusterIssuer, secretName), got 1']);
    expect(problemsOf(() => resolveConfig('test', { app: { resources: { cpu: '1' } } } as any))).toEqual([
      expect.stringMatching(/^app\.resources\.cpu: unknown setting; did you mean 'cpuRequest'\? .*got "1"$/),
    ]);
  });

  test('a section that is not an object is an error, not ignored', () => {
    expect(problemsOf(() => resolveConfig('test', { app: 5 } as any))).toEqual([
      "app: must be an object such as { preset: 'node-service', replicas: 2 }, got 5",
    ]);
  });

  test('overrides replace nested objects whole, so credentials never mix', () => {
    const config = resolveConfig('test', {
      database: { credentials: { source: 'dev-generated', password: 'long-enough-password' } },
    });
    expect(config.database.credentials).toEqual({ source: 'dev-generated', password: 'long-enough-password' });
    expect(config.database.namespace).toBe('postgres');
  });

  test('accepts digests, registries with ports and wildcard hosts', () => {
    expect(
      problemsOf(() =>
        resolveConfig('test', {
          app: { image: 'registry.local:5000/todo@sha256:' + 'a'.repeat(64) },
          ingress: { host: '*.drexii.me' },
        }),
      ),
    ).toEqual([]);
  });

  test("the constructs' own checks, reported under the config's field names with the value as written", () => {
    const chart = namespacedChart('stateful-namespace');
    const database = new PostgresStatefulSet(namespacedChart('postgres', chart.node.root as App), 'Postgres', {
      credentials: DatabaseCredentials.forDevelopment('long-enough-password'),
    });
    const fromConstruct = () => new TodoApp(chart, 'TodoApp', { database, name: 'a'.repeat(47) });
    const constructMessage = /'name' (must be a DNS-1035 label .*)/.exec(
      String(
        (() => {
          try {
            fromConstruct();
          } catch (error) {
            return (error as Error).message;
          }
          return '';
        })(),
      ),
    )![1];
    const [configProblem] = problemsOf(() => resolveConfig('test', { app: { name: 'a'.repeat(47) } }));
    expect(configProblem).toBe(`app.name: ${constructMessage}`);
  });

  test('parses quantities once into typed values, and the cluster domain reaches every DNS name', () => {
    const config = resolveConfig('test', {
      clusterDomain: 'corp.internal',
      app: { resources: { cpuRequest: '1', memoryRequest: '1Gi', memoryLimit: '1536Mi' } },
    });
    expect(config.app.resources.cpuRequest.amount).toBe('1');
    expect(config.app.resources.memoryLimit.toMebibytes()).toBe(1536);
    const { all } = synthStack(config);
    expect(only(all, 'ConfigMap', 'stateful-flask-database').data.DB_HOST).toBe('postgres.postgres.svc.corp.internal');
    expect(only(all, 'Service', 'stateful-flask-external').spec.externalName).toBe(
      'stateful-flask.stateful-namespace.svc.corp.internal',
    );
    expect(only(all, 'Deployment', 'stateful-flask').spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '1', memory: '1Gi' },
      limits: { memory: '1536Mi' },
    });
  });
});
