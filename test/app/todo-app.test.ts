import * as fs from 'fs';
import * as path from 'path';

import { Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { Construct } from 'constructs';

import { readSettings } from '../../app/src/settings';
import { TASKS_CHANGED_CHANNEL } from '../../app/src/task-list-cache';
import { CONFIG_CHECKSUM_ANNOTATION, TodoApp } from '../../lib/app/todo-app';
import { AppPreset, TodoAppPreset } from '../../lib/app/todo-app-preset';
import { TODO_APP_DEFAULTS, TodoAppProps } from '../../lib/app/todo-app-props';
import { IDatabase, IDatabaseClient } from '../../lib/database/database';
import { ClientCredentials, ClientRole, DatabaseCredentials } from '../../lib/database/database-credentials';
import { jobScript } from '../../lib/database/job-script';
import { PostgresStatefulSet } from '../../lib/database/postgres-stateful-set';
import WAIT_SCRIPT from '../../lib/database/scripts/wait.sh';
import { Manifest, namespacedChart, only, synth, testApp } from '../support/manifests';

interface Built {
  app: TodoApp;
  db: PostgresStatefulSet;
  manifests: Manifest[];
  dbManifests: Manifest[];
}

function build(
  props: Partial<TodoAppProps> = {},
  credentials = DatabaseCredentials.forDevelopment('test-password-123'),
): Built {
  const cdk8sApp = testApp();
  const dbChart = namespacedChart('postgres', cdk8sApp);
  const db = new PostgresStatefulSet(dbChart, 'Postgres', { credentials, databaseName: 'tasks', user: 'flask' });
  const appChart = namespacedChart('stateful-namespace', cdk8sApp);
  const app = new TodoApp(appChart, 'TodoApp', { database: db, ...props });
  return { app, db, manifests: synth(appChart), dbManifests: synth(dbChart) };
}

const envOf = (container: any) => Object.fromEntries(container.env.map((e: any) => [e.name, e.valueFrom ?? e.value]));

describe('TodoApp', () => {
  test('defaults match the snapshot', () => {
    expect(build().manifests).toMatchSnapshot();
  });

  test('runs the tutorial image on port 5000 behind a ClusterIP Service named stateful-flask', () => {
    const { app, manifests } = build();
    const container = only(manifests, 'Deployment').spec.template.spec.containers[0];
    expect(container.image).toBe('daredrexel/stateful-flask:v0');
    expect(container.ports).toEqual([{ name: 'http', containerPort: 5000, protocol: 'TCP' }]);
    const service = only(manifests, 'Service');
    expect(service.metadata.name).toBe('stateful-flask');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 5000, targetPort: 'http', protocol: 'TCP' }]);
    expect(service.spec.selector).toEqual(only(manifests, 'Deployment').spec.selector.matchLabels);
    expect(app).toMatchObject({
      serviceName: 'stateful-flask',
      serviceNamespace: 'stateful-namespace',
      servicePort: 5000,
    });
  });

  test('DB_HOST, DB_PORT and DB_NAME come from a ConfigMap whose values are read off the database', () => {
    const { db, manifests } = build();
    const config = only(manifests, 'ConfigMap');
    expect(config.data).toEqual({ DB_HOST: db.host, DB_PORT: '5432', DB_NAME: 'tasks' });
    expect(config.data.DB_HOST).toBe('postgres.postgres.svc.cluster.local');
    const env = envOf(only(manifests, 'Deployment').spec.template.spec.containers[0]);
    for (const key of ['DB_HOST', 'DB_PORT', 'DB_NAME']) {
      expect(env[key]).toEqual({ configMapKeyRef: { name: config.metadata.name, key } });
    }
  });

  test("the server logs in as the database's service role, the migration Job as its owner: each password from a Secret of the app namespace", () => {
    const { manifests, dbManifests } = build();
    const decoded = (s: Manifest, key: string) => Buffer.from(s.data[key], 'base64').toString();
    const roles = only(dbManifests, 'Secret', 'postgres-roles');
    const server = envOf(only(manifests, 'Deployment').spec.template.spec.containers[0]);
    const migration = envOf(only(manifests, 'Job').spec.template.spec.containers[0]);
    expect(server.DB_USER).toBe('tasks_service');
    expect(migration.DB_USER).toBe('tasks_owner');
    expect(server.DB_PASSWORD).toEqual({ secretKeyRef: { name: 'stateful-flask-db-credentials', key: 'DB_PASSWORD' } });
    expect(migration.DB_PASSWORD).toEqual({
      secretKeyRef: { name: 'stateful-flask-migration-credentials', key: 'DB_PASSWORD' },
    });
    // Each holds its role's password, as the roles Job sets it; never the superuser's.
    const serverSecret = only(manifests, 'Secret', 'stateful-flask-db-credentials');
    const migrationSecret = only(manifests, 'Secret', 'stateful-flask-migration-credentials');
    expect(Object.keys(serverSecret.data)).toEqual(['DB_PASSWORD']);
    expect(decoded(serverSecret, 'DB_PASSWORD')).toBe(decoded(roles, 'SERVICE_PASSWORD'));
    expect(decoded(migrationSecret, 'DB_PASSWORD')).toBe(decoded(roles, 'OWNER_PASSWORD'));
    expect(decoded(serverSecret, 'DB_PASSWORD')).not.toBe(
      decoded(only(dbManifests, 'Secret', 'postgres-credentials'), 'POSTGRES_PASSWORD'),
    );
    expect(serverSecret.metadata.annotations?.['todo-stack/purpose']).toMatch(/^development only/);
  });

  test('with cluster-provided credentials no Secret is emitted and the named ones are referenced', () => {
    const { manifests } = build(
      {},
      DatabaseCredentials.fromClusterSecrets({
        databaseSecretName: 'pg',
        rolesSecretName: 'pg-roles',
        clientSecretName: 'todo-db',
        migrationSecretName: 'todo-db-owner',
      }),
    );
    expect(manifests.filter(m => m.kind === 'Secret')).toEqual([]);
    expect(envOf(only(manifests, 'Deployment').spec.template.spec.containers[0]).DB_PASSWORD).toEqual({
      secretKeyRef: { name: 'todo-db', key: 'DB_PASSWORD' },
    });
    expect(envOf(only(manifests, 'Job').spec.template.spec.containers[0]).DB_PASSWORD).toEqual({
      secretKeyRef: { name: 'todo-db-owner', key: 'DB_PASSWORD' },
    });
  });

  test('an init container waits, with the database image, until the database accepts connections, naming its user', () => {
    const { db, manifests } = build();
    const [init] = only(manifests, 'Deployment').spec.template.spec.initContainers;
    expect(init.name).toBe('wait-for-database');
    expect(init.image).toBe(db.image);
    // The pod's uid has no passwd entry in the database image: without -U, libpq makes "no attempt" (exit 3) forever.
    expect(init.command.join(' ')).toContain(
      'until pg_isready -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME"',
    );
    expect(envOf(init).DB_USER).toBe('tasks_service');
    expect(Object.keys(envOf(init)).sort()).toEqual(['DB_HOST', 'DB_NAME', 'DB_PORT', 'DB_USER']);
    expect(init.resources.limits.memory).toBe('64Mi');
  });

  test('Flask preset: started with flask run and no debugger, TCP probes (no probe touches the database)', () => {
    const container = only(build().manifests, 'Deployment').spec.template.spec.containers[0];
    expect(container.command).toEqual([
      'flask',
      'run',
      '--host=0.0.0.0',
      '--port=5000',
      '--no-debugger',
      '--no-reload',
    ]);
    expect(container.readinessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(container.livenessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(container.startupProbe.tcpSocket).toEqual({ port: 'http' });
    expect(envOf(container)).not.toHaveProperty('PORT');
  });

  test('Flask preset: the port is fixed by the image; another port is an error naming the prop, the value and the fix', () => {
    expect(only(build().manifests, 'Service').spec.ports[0].port).toBe(5000);
    expect(() => build({ port: 8080 })).toThrow(
      /'port' must be 5000 with the 'flask' preset, whose image always listens on 5000; leave it unset.*got 8080/,
    );
    expect(() => build({ preset: TodoAppPreset.NODE_SERVICE, port: 70000 })).toThrow(
      /'port' must be a whole number from 1 to 65535, got 70000/,
    );
  });

  test('node-service preset: the container listens where the Service and probes point (PORT from the port prop)', () => {
    const { manifests } = build({ preset: TodoAppPreset.NODE_SERVICE, port: 8080 });
    const container = only(manifests, 'Deployment').spec.template.spec.containers[0];
    expect(envOf(container).PORT).toBe('8080');
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(only(manifests, 'Service').spec.ports[0]).toMatchObject({ port: 8080, targetPort: 'http' });
    expect(container.command).toBeUndefined();
  });

  test('a terminating server pod keeps serving for a few seconds before it drains, within its grace period', () => {
    const pod = only(build().manifests, 'Deployment').spec.template.spec;
    expect(pod.containers[0].lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    expect(only(build().manifests, 'Job').spec.template.spec.containers[0]).not.toHaveProperty('lifecycle');
  });

  test('node-service preset: HTTP probes on /healthz and /readyz, its image and its migrate command', () => {
    const { manifests } = build({ preset: TodoAppPreset.NODE_SERVICE });
    const container = only(manifests, 'Deployment').spec.template.spec.containers[0];
    expect(container.image).toBe(TodoAppPreset.NODE_SERVICE.defaultImage);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(only(manifests, 'Job').spec.template.spec.containers[0].command).toEqual(['node', 'dist/migrate.js']);
  });

  test('restricted securityContext, read-only root, resources as given', () => {
    const { manifests } = build({
      resources: { cpuRequest: Cpu.millis(200), memoryRequest: Size.mebibytes(64), memoryLimit: Size.mebibytes(128) },
    });
    const pod = only(manifests, 'Deployment').spec.template.spec;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    for (const container of [...pod.containers, ...pod.initContainers]) {
      expect(container.securityContext).toEqual({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
    }
    expect(pod.containers[0].resources).toEqual({
      requests: { cpu: '200m', memory: '64Mi' },
      limits: { memory: '128Mi' },
    });
  });

  test('the migration Job runs the command with the same database env but its login (the owner), and is bounded', () => {
    const { manifests } = build({ migrationJobTtl: Duration.hours(2) });
    const job = only(manifests, 'Job');
    expect(job.metadata.name).toMatch(/^stateful-flask-migrate-[0-9a-f]{8}$/);
    expect(job.spec.backoffLimit).toBe(4);
    expect(job.spec.ttlSecondsAfterFinished).toBe(7200);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].command.join(' ')).toContain('flask db upgrade -d /tmp/migrations');
    const {
      DB_USER: _user,
      DB_PASSWORD: _password,
      ...serverEnv
    } = envOf(only(manifests, 'Deployment').spec.template.spec.containers[0]);
    expect(envOf(pod.containers[0])).toEqual({
      ...serverEnv,
      DB_USER: 'tasks_owner',
      DB_PASSWORD: { secretKeyRef: { name: 'stateful-flask-migration-credentials', key: 'DB_PASSWORD' } },
    });
    expect(pod.initContainers[0].name).toBe('wait-for-database');
  });

  test("the migration's init container waits, bounded, for the server and for its owner role to log in; a give-up fails the Job", () => {
    const { db, manifests } = build();
    const job = only(manifests, 'Job');
    const [init] = job.spec.template.spec.initContainers;
    expect(init.image).toBe(db.image);
    // The database Jobs' waits: under kubectl or Flux the migration starts with the roles Job, before its role exists.
    expect(init.command).toEqual([
      '/bin/sh',
      '-c',
      `${jobScript(WAIT_SCRIPT)}\nwait_for_server migration\nwait_for_login migration\n`,
    ]);
    expect(envOf(init)).toEqual({
      PGHOST: { configMapKeyRef: { name: 'stateful-flask-database', key: 'DB_HOST' } },
      PGPORT: { configMapKeyRef: { name: 'stateful-flask-database', key: 'DB_PORT' } },
      PGDATABASE: { configMapKeyRef: { name: 'stateful-flask-database', key: 'DB_NAME' } },
      PGUSER: 'tasks_owner',
      PGPASSWORD: { secretKeyRef: { name: 'stateful-flask-migration-credentials', key: 'DB_PASSWORD' } },
      PGCONNECT_TIMEOUT: '10',
      // The roles Job's deadline (600 s) and 2 minutes for its pod.
      WAIT_SECONDS: '720',
    });
    // A pod that waited its full bound still has the migrations' 10 minutes.
    expect(job.spec.activeDeadlineSeconds).toBe(720 + 600);
    expect(job.spec.podFailurePolicy).toEqual({
      rules: [
        {
          action: 'FailJob',
          onExitCodes: { containerName: 'wait-for-database', operator: 'In', values: [64, 75] },
        },
      ],
    });
    // The server pods keep their unbounded wait for the server alone: a Deployment's pod may wait as long as it takes.
    const [serverInit] = only(manifests, 'Deployment').spec.template.spec.initContainers;
    expect(serverInit.command.join(' ')).toContain('until pg_isready');
  });

  test('the Job name hashes its whole spec: anything that changes the (immutable) pod template gives a new Job', () => {
    const name = (props: Partial<TodoAppProps>) => only(build(props).manifests, 'Job').metadata.name;
    const base = name({});
    expect(name({})).toBe(base);
    expect(name({ migrationCommand: ['flask', 'db', 'upgrade'] })).not.toBe(base);
    expect(name({ image: 'daredrexel/stateful-flask:v1' })).not.toBe(base);
    expect(
      name({
        resources: {
          cpuRequest: Cpu.millis(200),
          memoryRequest: Size.mebibytes(128),
          memoryLimit: Size.mebibytes(256),
        },
      }),
    ).not.toBe(base);
    expect(name({ migrationJobTtl: Duration.hours(1) })).not.toBe(base);
    // The database image runs the Job's init container.
    const cdk8sApp = testApp();
    const db = new PostgresStatefulSet(namespacedChart('postgres', cdk8sApp), 'Postgres', {
      credentials: DatabaseCredentials.forDevelopment('test-password-123'),
      databaseName: 'tasks',
      user: 'flask',
      image: 'postgres:17.7-bookworm',
    });
    const chart = namespacedChart('stateful-namespace', cdk8sApp);
    new TodoApp(chart, 'TodoApp', { database: db });
    expect(only(synth(chart), 'Job').metadata.name).not.toBe(base);
    // What is not in the Job's spec does not rename it.
    expect(name({ replicas: 3 })).toBe(base);
  });

  test('the migration Job pods are labelled as migration, not selected by the Service', () => {
    const { manifests } = build();
    const jobLabels = only(manifests, 'Job').spec.template.metadata.labels;
    const selector = only(manifests, 'Service').spec.selector;
    expect(jobLabels['app.kubernetes.io/component']).toBe('migration');
    expect(Object.entries(selector).every(([k, v]) => jobLabels[k] === v)).toBe(false);
  });

  test('the database admits both the server and the migration pods', () => {
    const { app, manifests, dbManifests } = build();
    const policy = only(dbManifests, 'NetworkPolicy');
    // Beside the database's own roles Job.
    expect(policy.spec.ingress).toHaveLength(2);
    expect(policy.spec.ingress[0].from[0].podSelector.matchLabels['app.kubernetes.io/component']).toBe('roles');
    const peer = policy.spec.ingress[1].from[0];
    expect(peer.namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'stateful-namespace' });
    expect(peer.podSelector.matchLabels).toEqual(app.clientPodLabels);
    for (const template of [only(manifests, 'Deployment').spec.template, only(manifests, 'Job').spec.template]) {
      expect(template.metadata.labels).toMatchObject(app.clientPodLabels);
    }
  });

  test('one replica by default: no HPA and no PodDisruptionBudget', () => {
    const { manifests } = build();
    expect(only(manifests, 'Deployment').spec.replicas).toBe(1);
    expect(manifests.filter(m => m.kind === 'HorizontalPodAutoscaler' || m.kind === 'PodDisruptionBudget')).toEqual([]);
  });

  test('more than one replica adds a PodDisruptionBudget over the server pods and spreads them', () => {
    const { manifests } = build({ replicas: 3 });
    const deployment = only(manifests, 'Deployment');
    expect(deployment.spec.replicas).toBe(3);
    const pdb = only(manifests, 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: deployment.spec.selector });
    expect(deployment.spec.template.spec.topologySpreadConstraints[0].topologyKey).toBe('kubernetes.io/hostname');
  });

  test('autoscaling: an autoscaling/v2 HPA whose target is derived from the Deployment, which leaves replicas to it', () => {
    const { manifests } = build({ autoscaling: { minReplicas: 2, maxReplicas: 6, cpuUtilizationPercent: 60 } });
    const hpa = only(manifests, 'HorizontalPodAutoscaler');
    const deployment = only(manifests, 'Deployment');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: deployment.apiVersion,
      kind: deployment.kind,
      name: deployment.metadata.name,
    });
    expect(hpa.spec.scaleTargetRef.apiVersion).toBe('apps/v1');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
    expect(hpa.spec.metrics[0].resource.target).toEqual({ type: 'Utilization', averageUtilization: 60 });
    expect(deployment.spec).not.toHaveProperty('replicas');
    expect(only(manifests, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });

  test('the pods roll when the database settings change: a checksum of the ConfigMap is on the pod template', () => {
    const annotation = (props: Partial<TodoAppProps>) =>
      only(build(props).manifests, 'Deployment').spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    const base = annotation({});
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(annotation({ replicas: 2 })).toBe(base);
    const cdk8sApp = testApp();
    const db = new PostgresStatefulSet(namespacedChart('postgres', cdk8sApp), 'Postgres', {
      credentials: DatabaseCredentials.forDevelopment('test-password-123'),
      databaseName: 'other',
    });
    const chart = namespacedChart('stateful-namespace', cdk8sApp);
    new TodoApp(chart, 'TodoApp', { database: db });
    expect(only(synth(chart), 'Deployment').spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]).not.toBe(
      base,
    );
  });

  test('rolling updates never drop below the desired count', () => {
    const strategy = only(build().manifests, 'Deployment').spec.strategy;
    expect(strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  });

  test('fails on bad props with one error naming every prop, its value and the fix', () => {
    expect(() =>
      build({
        name: 'a'.repeat(47),
        port: 70000,
        replicas: 0,
        resources: {
          cpuRequest: Cpu.millis(100),
          memoryRequest: Size.mebibytes(256),
          memoryLimit: Size.mebibytes(128),
        },
      }),
    ).toThrow(
      new RegExp(
        [
          'stateful-namespace/TodoApp: invalid props:',
          "  - 'name' must be a DNS-1035 label .*at most 46 characters.*the migration Job is '<name>-migrate-<8 characters>'.*got \"a{47}\"",
          "  - 'port' must be a whole number from 1 to 65535, got 70000",
          "  - 'replicas' must be a whole number from 1 to 1000, got 0",
          '  - \'resources.memoryLimit\' must be at least the memory request \\(256Mi\\).*got "128Mi"',
        ].join('\n'),
      ),
    );
    // The longest name that fits: its Job name is exactly 63 characters.
    const { manifests } = build({ name: 'a'.repeat(46) });
    expect(only(manifests, 'Job').metadata.name).toHaveLength(63);
    expect(() => build({ image: 'todo' })).toThrow(/'image' must pin a tag or digest, such as 'todo:v0'/);
    expect(() => build({ migrationCommand: [] })).toThrow(
      /'migrationCommand' must be a non-empty list of non-empty strings/,
    );
    expect(() => build({ autoscaling: { minReplicas: 3, maxReplicas: 2 } })).toThrow(
      /'autoscaling.maxReplicas' must be a whole number from autoscaling.minReplicas to 1000, got 2/,
    );
  });

  test('connects to any IDatabase: host, port, names, client tools image and credentials are read off the interface', () => {
    const chart = namespacedChart('shop');
    const allowed: string[] = [];
    const database: IDatabase = Object.assign(new Construct(chart, 'ExternalDatabase'), {
      host: 'pg.example.internal',
      port: 6543,
      namespace: 'shop-db',
      selector: { app: 'shop-db' },
      databaseName: 'shop',
      clientToolsImage: 'postgres:16.4-bookworm',
      providedClientSecrets: () => ['shop-db'],
      bindClient: (_scope: Construct, _name: string, role: ClientRole): ClientCredentials => ({
        user: `shop_${role}`,
        password: { secretName: 'shop-db', key: `${role}-password` },
      }),
      allowClient: (client: IDatabaseClient) => {
        allowed.push(client.node.path);
      },
    });
    const app = new TodoApp(chart, 'TodoApp', { database, preset: TodoAppPreset.NODE_SERVICE });
    const manifests = synth(chart);
    expect(only(manifests, 'ConfigMap').data).toEqual({
      DB_HOST: 'pg.example.internal',
      DB_PORT: '6543',
      DB_NAME: 'shop',
    });
    const pod = only(manifests, 'Deployment').spec.template.spec;
    expect(pod.initContainers[0].image).toBe('postgres:16.4-bookworm');
    expect(envOf(pod.containers[0]).DB_USER).toBe('shop_service');
    expect(envOf(pod.containers[0]).DB_PASSWORD).toEqual({
      secretKeyRef: { name: 'shop-db', key: 'service-password' },
    });
    expect(envOf(only(manifests, 'Job').spec.template.spec.containers[0]).DB_USER).toBe('shop_owner');
    expect(manifests.filter(m => m.kind === 'Secret')).toEqual([]);
    expect(allowed).toEqual([app.node.path]);
  });

  test('presets are looked up by their enum, every member of which has one', () => {
    for (const name of Object.values(AppPreset)) {
      expect(TodoAppPreset.of(name).name).toBe(name);
    }
    expect(TodoAppPreset.of(AppPreset.FLASK)).toBe(TodoAppPreset.FLASK);
    expect(TodoAppPreset.of(AppPreset.NODE_SERVICE)).toBe(TodoAppPreset.NODE_SERVICE);
  });

  test("the node service preset's change channels are the ones the service LISTENs on and its migration notifies", () => {
    expect(TodoAppPreset.NODE_SERVICE.changeChannels).toEqual([TASKS_CHANGED_CHANNEL]);
    const migration = fs.readFileSync(
      path.join(__dirname, '..', '..', 'app', 'migrations', '0002_notify_task_changes.sql'),
      'utf8',
    );
    expect(migration).toContain(`pg_notify('${TASKS_CHANGED_CHANNEL}', '')`);
    // The Flask image keeps nothing in memory.
    expect(TodoAppPreset.FLASK.changeChannels).toEqual([]);
  });

  test('all props: the compiler forces this test to set every prop', () => {
    const cdk8sApp = testApp();
    const db = new PostgresStatefulSet(namespacedChart('postgres', cdk8sApp), 'Postgres', {
      credentials: DatabaseCredentials.forDevelopment('test-password-123'),
    });
    const all: Required<TodoAppProps> = {
      database: db,
      preset: TodoAppPreset.NODE_SERVICE,
      name: 'todo',
      image: 'registry.example.com/todo:1.2.3',
      port: 8080,
      replicas: 2,
      migrationCommand: ['node', 'migrate.js'],
      autoscaling: { minReplicas: 3, maxReplicas: 4 },
      resources: { cpuRequest: Cpu.units(1), memoryRequest: Size.gibibytes(1), memoryLimit: Size.gibibytes(1) },
      migrationJobTtl: Duration.minutes(30),
      taskListCache: false,
    };
    const chart = namespacedChart('apps', cdk8sApp);
    const app = new TodoApp(chart, 'TodoApp', all);
    const manifests = synth(chart);
    expect(app.replicas).toBe(3);
    expect(only(manifests, 'Service', 'todo').spec.ports[0].port).toBe(8080);
    expect(envOf(only(manifests, 'Deployment', 'todo').spec.template.spec.containers[0]).PORT).toBe('8080');
    expect(envOf(only(manifests, 'Deployment', 'todo').spec.template.spec.containers[0]).TASK_LIST_CACHE).toBe('off');
    expect(only(manifests, 'Deployment', 'todo').spec.template.spec.containers[0].image).toBe(
      'registry.example.com/todo:1.2.3',
    );
    expect(only(manifests, 'HorizontalPodAutoscaler').spec).toMatchObject({ minReplicas: 3, maxReplicas: 4 });
    expect(only(manifests, 'Job').spec.ttlSecondsAfterFinished).toBe(1800);
    expect(only(manifests, 'Job').spec.template.spec.containers[0].command).toEqual(['node', 'migrate.js']);
  });
});

describe('taskListCache: GET /tasks from memory, or always from the database', () => {
  const DB_ENV = { DB_HOST: 'db', DB_PORT: '5432', DB_NAME: 'todo', DB_USER: 'todo', DB_PASSWORD: 'secret' };

  function deploymentOf(props: Partial<TodoAppProps>): { server: any; manifests: Manifest[] } {
    const cdk8sApp = testApp();
    const db = new PostgresStatefulSet(namespacedChart('postgres', cdk8sApp), 'Postgres', {
      credentials: DatabaseCredentials.forDevelopment('test-password-123'),
    });
    const chart = namespacedChart('apps', cdk8sApp);
    new TodoApp(chart, 'TodoApp', { database: db, preset: TodoAppPreset.NODE_SERVICE, name: 'todo', ...props });
    const manifests = synth(chart);
    return { server: only(manifests, 'Deployment', 'todo').spec.template.spec.containers[0], manifests };
  }

  test('unset, the server gets no variable and keeps the image default (on); the service reads it so', () => {
    const { server } = deploymentOf({});
    expect(envOf(server)).not.toHaveProperty('TASK_LIST_CACHE');
    expect(readSettings(DB_ENV).taskListCache).toBe(true);
  });

  test.each([
    [true, 'on'],
    [false, 'off'],
  ])('%s sets the variable the service reads to %s', (taskListCache, value) => {
    const { server } = deploymentOf({ taskListCache });
    expect(TodoAppPreset.NODE_SERVICE.taskListCacheEnv).toBe('TASK_LIST_CACHE');
    expect(envOf(server).TASK_LIST_CACHE).toBe(value);
    // What the service itself makes of the pod's environment (app/src/settings.ts); DB_* come from the ConfigMap
    // and the Secret, stood in for by DB_ENV.
    const literal = Object.fromEntries(
      server.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]),
    );
    expect(readSettings({ ...DB_ENV, ...literal }).taskListCache).toBe(taskListCache);
  });

  test('turning it off rolls the server pods only: the migration Job (its name hashes its spec) stays the same', () => {
    const before = deploymentOf({});
    const after = deploymentOf({ taskListCache: false });
    expect(only(after.manifests, 'Job').metadata.name).toBe(only(before.manifests, 'Job').metadata.name);
    expect(only(after.manifests, 'Job')).toEqual(only(before.manifests, 'Job'));
  });

  test('the Flask image keeps nothing in memory: setting it there is an error that says so; a non-boolean is one too', () => {
    expect(TodoApp.checkProps({ preset: TodoAppPreset.FLASK, taskListCache: false })).toEqual([
      expect.objectContaining({
        prop: 'taskListCache',
        value: false,
        message: expect.stringContaining("the 'flask' preset's image keeps no task list in memory"),
      }),
    ]);
    expect(TodoApp.checkProps({ preset: TodoAppPreset.NODE_SERVICE, taskListCache: 'off' as any })).toEqual([
      expect.objectContaining({
        prop: 'taskListCache',
        value: 'off',
        message: expect.stringContaining('must be true'),
      }),
    ]);
    expect(TodoApp.checkProps({ preset: TodoAppPreset.NODE_SERVICE, taskListCache: false })).toEqual([]);
  });
});

describe('TodoApp.resolve: each default applied once, and what the constructor assigns', () => {
  test("the preset's image, fixed port and migration command; the autoscaler's defaults", () => {
    const resolved = TodoApp.resolve({ preset: TodoAppPreset.FLASK, autoscaling: { maxReplicas: 4 } });
    const flask = TodoAppPreset.FLASK;
    expect(resolved).toMatchObject({
      name: TODO_APP_DEFAULTS.name,
      image: flask.defaultImage,
      port: 5000,
      migrationCommand: flask.migrationCommand,
      autoscaling: {
        minReplicas: TODO_APP_DEFAULTS.autoscaling.minReplicas,
        maxReplicas: 4,
        cpuUtilizationPercent: TODO_APP_DEFAULTS.autoscaling.cpuUtilizationPercent,
      },
    });
    expect(TodoApp.resolve({ preset: TodoAppPreset.NODE_SERVICE }).port).toBe(TODO_APP_DEFAULTS.port);
  });
});
