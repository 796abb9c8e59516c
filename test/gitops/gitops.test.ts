import * as fs from 'fs';
import * as path from 'path';

import { Chart, Duration } from 'cdk8s';
import { parse, parseAllDocuments } from 'yaml';

import { DatabaseWorkload, resolveConfig, stageConfig, stageNames } from '../../lib/config';
import {
  ARGO_CD_APPLICATION_DEFAULTS,
  ArgoCdApplication,
  FLUX_GIT_REPOSITORY_DEFAULTS,
  FLUX_KUSTOMIZATION_DEFAULTS,
  FluxGitRepository,
  FluxKustomization,
  SYNC_WAVE_ANNOTATION,
  SyncWave,
} from '../../lib/gitops';
import { synthesizeGitOps, synthesizeStage } from '../../lib/synthesize';
import { Manifest, testApp } from '../support/manifests';
import { tempFolder } from '../support/temp-folders';

const outdir = tempFolder('gitops-');
const configs = stageNames().map(stageConfig);
configs.forEach(config => synthesizeStage(config, outdir));
synthesizeGitOps(configs, outdir);
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

const read = (...parts: string[]) => fs.readFileSync(path.join(outdir, ...parts), 'utf8');
const objectsOf = (text: string) => parseAllDocuments(text).map(d => d.toJS() as Manifest);
const stageObjects = (stage: string) =>
  fs
    .readdirSync(path.join(outdir, stage, 'manifests'))
    .sort()
    .flatMap(file => objectsOf(read(stage, 'manifests', file)));
const onCloudNativePG = (stage: string) => stageConfig(stage).database.workload === DatabaseWorkload.CLOUDNATIVE_PG;
const wave = (object: Manifest) => Number(object.metadata.annotations?.[SYNC_WAVE_ANNOTATION]);

describe.each(stageNames())('the %s stage folder', stage => {
  const objects = stageObjects(stage);

  test('manifests/ holds only Kubernetes objects (what `kubectl apply -f` reads); the kustomization beside it lists each once', () => {
    // on-demand/ holds the restore Job, which a person creates by hand: the kustomization does not list it.
    // CloudNativePG recovers from its object store through the Cluster itself (database.recovery): no Job.
    expect(fs.readdirSync(path.join(outdir, stage)).sort()).toEqual(
      onCloudNativePG(stage) ? ['kustomization.yaml', 'manifests'] : ['kustomization.yaml', 'manifests', 'on-demand'],
    );
    const files = fs.readdirSync(path.join(outdir, stage, 'manifests')).sort();
    expect(files).toEqual(['0000-database.k8s.yaml', '0001-app.k8s.yaml', '0002-ingress.k8s.yaml']);
    for (const file of files) {
      for (const object of objectsOf(read(stage, 'manifests', file))) {
        expect(object.apiVersion).not.toMatch(/^kustomize\.config\.k8s\.io\//);
        expect(typeof object.kind).toBe('string');
      }
    }
    const kustomization = parse(read(stage, 'kustomization.yaml'));
    expect(kustomization.kind).toBe('Kustomization');
    expect(kustomization.resources).toEqual(files.map(file => `manifests/${file}`));
    // sortOptions needs kustomize 5 (kubectl 1.27+; kubectl 1.26 rejects it) and makes kubectl warn on every apply.
    expect(Object.keys(kustomization).sort()).toEqual(['apiVersion', 'kind', 'resources']);
  });

  test('every object has a sync wave, and the waves order namespace < config < database < roles < backup < migration < app < ingress', () => {
    for (const object of objects) {
      // Number(undefined) is NaN, which expect.any(Number) would accept: require a whole number.
      expect({ object: `${object.kind}/${object.metadata.name}`, integer: Number.isInteger(wave(object)) }).toEqual({
        object: `${object.kind}/${object.metadata.name}`,
        integer: true,
      });
    }
    const waveOf = (predicate: (o: Manifest) => boolean) => [...new Set(objects.filter(predicate).map(wave))];
    const namespaces = waveOf(o => o.kind === 'Namespace');
    const config = waveOf(o => o.kind === 'ConfigMap' || o.kind === 'Secret');
    const database = waveOf(
      o =>
        o.metadata.labels?.['app.kubernetes.io/component'] === 'database' && !['ConfigMap', 'Secret'].includes(o.kind),
    );
    // The backup claim, the CronJob and the deploy-time dump, which binds the claim: one wave, before the migration.
    const backup = waveOf(o => o.metadata.labels?.['app.kubernetes.io/component'] === 'backup');
    const migration = waveOf(o => o.metadata.labels?.['app.kubernetes.io/component'] === 'migration');
    const app = waveOf(
      o => o.metadata.labels?.['app.kubernetes.io/component'] === 'server' && !['ConfigMap', 'Secret'].includes(o.kind),
    );
    const ingress = waveOf(o => o.metadata.labels?.['app.kubernetes.io/component'] === 'ingress');
    for (const group of [namespaces, config, database, backup, migration, app, ingress]) {
      expect(group).toHaveLength(1);
    }
    const order = [namespaces[0], config[0], database[0], backup[0], migration[0], app[0], ingress[0]];
    expect(order).toEqual([
      SyncWave.NAMESPACE,
      SyncWave.CONFIG,
      SyncWave.DATABASE,
      SyncWave.BACKUP,
      SyncWave.MIGRATION,
      SyncWave.APP,
      SyncWave.INGRESS,
    ]);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(new Set(order).size).toBe(order.length);
    // The roles Job (not with CloudNativePG, which makes its owner itself): after the database, before the backup
    // and the migration, which log in as the roles it makes.
    const roles = waveOf(o => o.metadata.labels?.['app.kubernetes.io/component'] === 'roles');
    expect(roles).toEqual(onCloudNativePG(stage) ? [] : [SyncWave.ROLES]);
    expect(SyncWave.DATABASE < SyncWave.ROLES && SyncWave.ROLES < SyncWave.BACKUP).toBe(true);
  });

  test('the roles Job, the migration Job and the deploy-time dump are Argo CD Sync hooks (not PreSync) that replace their previous run', () => {
    const jobs = objects.filter(o => o.kind === 'Job');
    // CloudNativePG takes its first base backup itself (the ScheduledBackup's `immediate`): no deploy-time dump Job.
    expect(jobs.map(job => job.metadata.labels?.['app.kubernetes.io/component']).sort()).toEqual(
      onCloudNativePG(stage) ? ['migration'] : ['backup', 'migration', 'roles'],
    );
    for (const job of jobs) {
      expect(job.metadata.annotations).toMatchObject({
        'argocd.argoproj.io/hook': 'Sync',
        'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
      });
    }
  });

  test("the migration Job and the deploy-time dump are re-created by Flux when they change (a Job's spec.template is immutable)", () => {
    for (const job of objects.filter(o => o.kind === 'Job')) {
      expect(job.metadata.annotations).toMatchObject({ 'kustomize.toolkit.fluxcd.io/force': 'enabled' });
    }
  });

  test('GitOps tools never prune or delete the database namespace, nor a claim or a CloudNativePG Cluster that holds data', () => {
    const keep = {
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    };
    const namespace = objects.find(o => o.kind === 'Namespace' && o.metadata.name === 'postgres')!;
    expect(namespace.metadata.annotations).toMatchObject(keep);
    expect(objects.filter(o => o.kind === 'Cluster')).toHaveLength(onCloudNativePG(stage) ? 1 : 0);
    for (const claim of objects.filter(o => o.kind === 'PersistentVolumeClaim' || o.kind === 'Cluster')) {
      expect(claim.metadata.annotations).toMatchObject(keep);
    }
  });

  test('every object carries the labels that identify this stack and stage, for kubectl apply --prune -l', () => {
    for (const object of objects) {
      expect(object.metadata.labels).toMatchObject({
        'app.kubernetes.io/instance': `stateful-todo-${stage}`,
        'app.kubernetes.io/part-of': 'stateful-todo',
      });
    }
  });

  test("the README's prune command prunes every kind this stage emits except those that hold data", () => {
    // kubectl ignores the Argo CD and Flux keep annotations: a Namespace or a claim must never be in its allowlist,
    // or a stage that stops emitting one would delete the data with it.
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const command = readme
      .split('\n')
      .find(line => line.includes('--prune -l "app.kubernetes.io/instance=stateful-todo-'))!;
    expect(command).toBeDefined();
    expect(command).toContain(
      'kubectl apply -f "dist/$STAGE/manifests/" --prune -l "app.kubernetes.io/instance=stateful-todo-$STAGE"',
    );
    const allowed = [...command.matchAll(/--prune-allowlist=(\S+)/g)].map(m => m[1]);
    // A monitored stage's PodMonitors: a separate entry, which the README says to add where the kind exists.
    if (objects.some(o => o.kind === 'PodMonitor')) {
      expect(readme).toContain('add\n`--prune-allowlist=monitoring.coreos.com/v1/PodMonitor` there');
      allowed.push('monitoring.coreos.com/v1/PodMonitor');
    }
    if (objects.some(o => o.kind === 'ScheduledBackup')) {
      expect(readme).toContain('add `--prune-allowlist=postgresql.cnpg.io/v1/ScheduledBackup`');
      allowed.push('postgresql.cnpg.io/v1/ScheduledBackup');
    }
    if (objects.some(o => o.kind === 'ObjectStore')) {
      expect(readme).toContain('and `--prune-allowlist=barmancloud.cnpg.io/v1/ObjectStore`');
      allowed.push('barmancloud.cnpg.io/v1/ObjectStore');
    }
    // A CloudNativePG Cluster holds data too: the operator deletes its claims with it.
    const neverPruned = [
      'core/v1/Namespace',
      'core/v1/PersistentVolumeClaim',
      'core/v1/PersistentVolume',
      'postgresql.cnpg.io/v1/Cluster',
    ];
    for (const kind of neverPruned) {
      expect(allowed).not.toContain(kind);
    }
    for (const object of objects) {
      const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : 'core';
      const version = object.apiVersion.split('/').pop();
      const kind = `${group}/${version}/${object.kind}`;
      expect({ kind, pruned: allowed.includes(kind) }).toEqual({ kind, pruned: !neverPruned.includes(kind) });
    }
  });
});

describe('secrets out of git', () => {
  test('prod carries no Secret and no password, and declares the Secrets the cluster provides', () => {
    const objects = stageObjects('prod');
    expect(objects.filter(o => o.kind === 'Secret')).toEqual([]);
    const text = fs
      .readdirSync(path.join(outdir, 'prod', 'manifests'))
      .map(f => read('prod', 'manifests', f))
      .join('\n');
    expect(text).not.toMatch(/password:|PASSWORD: \S|stringData|dev-only/i);
    const provided = objects
      .filter(o => o.kind === 'Namespace')
      .map(o => o.metadata.annotations?.['validator.todo-stack/provided-secrets']);
    // The superuser's and the roles' in the database's namespace; the server's and the migration's in the app's.
    expect(provided).toEqual([
      'postgres-credentials,postgres-roles',
      'stateful-flask-db-credentials,stateful-flask-migration-credentials',
    ]);
  });

  test('dev carries its generated password, which says it is for development', () => {
    const secrets = stageObjects('dev').filter(o => o.kind === 'Secret');
    expect(secrets).toHaveLength(4);
    for (const secret of secrets) {
      const values = Object.values(secret.data as Record<string, string>).map(v => Buffer.from(v, 'base64').toString());
      expect(values.some(v => v.includes('dev-only'))).toBe(true);
    }
  });
});

describe('Argo CD and Flux manifests', () => {
  test.each(stageNames())('%s: an Argo CD Application on dist/<stage>, syncing automatically with pruning', stage => {
    // The repository, branch and namespaces are the stage's config (a fork sets its own).
    const { gitops } = stageConfig(stage);
    const [application] = objectsOf(read('gitops', 'argocd', `${stage}.k8s.yaml`));
    expect(application).toMatchObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: `stateful-todo-${stage}`,
        namespace: gitops.argoCdNamespace,
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      },
      spec: {
        source: { repoURL: gitops.repoUrl, targetRevision: gitops.branch, path: `dist/${stage}` },
        destination: { server: 'https://kubernetes.default.svc' },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    });
    expect(application.metadata.labels).not.toHaveProperty(['app.kubernetes.io/instance']);
  });

  test.each(stageNames())(
    '%s: a Flux GitRepository and a Kustomization on ./dist/<stage> that waits for every object',
    stage => {
      const { gitops } = stageConfig(stage);
      const [source, kustomization] = objectsOf(read('gitops', 'flux', `${stage}.k8s.yaml`));
      expect(source).toMatchObject({
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        spec: { url: gitops.repoUrl, ref: { branch: gitops.branch } },
      });
      expect(kustomization).toMatchObject({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { namespace: gitops.fluxNamespace },
        spec: {
          path: `./dist/${stage}`,
          prune: true,
          wait: true,
          timeout: '10m',
          sourceRef: { kind: 'GitRepository', name: source.metadata.name },
        },
      });
    },
  );

  test('prod waits for the cluster infrastructure its config names; dev depends on nothing', () => {
    const dependsOn = (stage: string) => objectsOf(read('gitops', 'flux', `${stage}.k8s.yaml`))[1].spec.dependsOn;
    const prodNeeds = stageConfig('prod').gitops.fluxDependsOn;
    expect(prodNeeds.length).toBeGreaterThan(0);
    expect(dependsOn('prod')).toEqual(prodNeeds.map(name => ({ name })));
    expect(dependsOn('dev')).toBeUndefined();
  });

  test('the repository and branch come from the config', () => {
    const config = resolveConfig('qa', { gitops: { repoUrl: 'git@github.com:acme/todo.git', branch: 'release' } });
    const dir = tempFolder('gitops-qa-');
    synthesizeGitOps([config], dir);
    const [application] = objectsOf(fs.readFileSync(path.join(dir, 'gitops', 'argocd', 'qa.k8s.yaml'), 'utf8'));
    expect(application.spec.source).toEqual({
      repoURL: 'git@github.com:acme/todo.git',
      targetRevision: 'release',
      path: 'dist/qa',
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('single-stage synthesis', () => {
  test('rewrites only its own folder, and clears stale files from it', () => {
    const dir = tempFolder('stage-');
    fs.mkdirSync(path.join(dir, 'dev', 'manifests'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'dev', 'manifests', 'stale.k8s.yaml'), 'old');
    fs.mkdirSync(path.join(dir, 'prod'));
    fs.writeFileSync(path.join(dir, 'prod', 'keep.txt'), 'untouched');
    synthesizeStage(stageConfig('dev'), dir);
    expect(fs.readdirSync(path.join(dir, 'dev', 'manifests'))).not.toContain('stale.k8s.yaml');
    expect(fs.readFileSync(path.join(dir, 'prod', 'keep.txt'), 'utf8')).toBe('untouched');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('the GitOps constructs check their own props', () => {
  test('one error naming every bad prop, its value and the fix', () => {
    const chart = new Chart(testApp(), 'argocd', { namespace: 'argocd' });
    expect(
      () =>
        new ArgoCdApplication(chart, 'App', {
          name: 'Todo',
          repoUrl: 'github.com/x',
          targetRevision: 'main',
          path: '/dist/prod',
        }),
    ).toThrow(
      new RegExp(
        String.raw`argocd\/App: invalid props:\n {2}- 'name' must be a DNS-1123 subdomain.*\n {2}- 'repoUrl' must be ` +
          String.raw`an https:\/\/.*\n {2}- 'path' must be a folder relative to the repository's root, without '\.\.', ` +
          String.raw`such as 'dist\/prod', got "\/dist\/prod"`,
      ),
    );
    const source = new FluxGitRepository(chart, 'Source', {
      name: 'todo',
      url: 'https://example.com/todo.git',
      branch: 'main',
    });
    expect(
      () =>
        new FluxKustomization(chart, 'Kustomization', {
          name: 'todo',
          source,
          path: 'dist/prod',
          timeout: Duration.seconds(0),
        }),
    ).toThrow(
      new RegExp(
        String.raw`'path' must be a folder relative to the repository's root, starting with '\.\/'.*\n {2}- ` +
          String.raw`'timeout' must be whole seconds, at least Duration.seconds\(1\), got 0`,
      ),
    );
  });
});

describe('Flux durations', () => {
  const chart = () => new Chart(testApp(), 'flux-system', { namespace: 'flux-system' });
  const source = (scope: Chart, interval: Duration) =>
    new FluxGitRepository(scope, 'Source', {
      name: 'todo',
      url: 'https://example.com/todo.git',
      branch: 'main',
      interval,
    });

  test('are written in whole minutes where they can be, else in seconds', () => {
    const scope = chart();
    const kustomization = new FluxKustomization(scope, 'Kustomization', {
      name: 'todo',
      source: source(scope, Duration.seconds(90)),
      path: './dist/prod',
      timeout: Duration.minutes(15),
    });
    expect(source(chart(), Duration.seconds(90)).resource.toJson().spec.interval).toBe('90s');
    expect(kustomization.resource.toJson().spec.timeout).toBe('15m');
  });

  test.each([
    ['interval', (scope: Chart) => source(scope, Duration.seconds(0)), 0],
    ['interval', (scope: Chart) => source(scope, Duration.millis(1500)), 1.5],
    [
      'timeout',
      (scope: Chart) =>
        new FluxKustomization(scope, 'Kustomization', {
          name: 'todo',
          source: source(scope, Duration.minutes(5)),
          path: './dist/prod',
          timeout: Duration.millis(500),
        }),
      0.5,
    ],
  ])('a %s of less than a second, or not whole seconds, is refused by name (%#)', (prop, make, seconds) => {
    expect(() => make(chart())).toThrow(
      `'${prop}' must be whole seconds, at least Duration.seconds(1), got ${seconds}`,
    );
  });
});

describe('each GitOps construct resolves its defaults once, into the fields it exposes', () => {
  test('the Argo CD project, the Flux fetch interval and the Kustomization timeout come from their *_DEFAULTS', () => {
    const chart = new Chart(testApp(), 'gitops');
    const application = new ArgoCdApplication(chart, 'Application', {
      name: 'dev',
      repoUrl: 'https://github.com/example/todo.git',
      targetRevision: 'main',
      path: 'dist/dev',
    });
    const source = new FluxGitRepository(chart, 'Source', {
      name: 'todo',
      url: 'https://github.com/example/todo.git',
      branch: 'main',
    });
    const kustomization = new FluxKustomization(chart, 'Kustomization', { name: 'dev', source, path: './dist/dev' });
    expect(application.project).toBe(ARGO_CD_APPLICATION_DEFAULTS.project);
    expect(source.interval).toBe(FLUX_GIT_REPOSITORY_DEFAULTS.interval);
    expect(kustomization.timeout).toBe(FLUX_KUSTOMIZATION_DEFAULTS.timeout);
    expect(FluxKustomization.resolve({ name: 'dev', path: './dist/dev' }).dependsOn).toEqual([]);
  });
});
