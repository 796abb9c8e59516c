import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { parseAllDocuments } from 'yaml';

import { withLibraryBuildLock } from './support/library-build-lock';
import { Manifest, only } from './support/manifests';
import { tempFolder } from './support/temp-folders';

// The package as a user installs it (README, "Using the constructs in your own cdk8s app"): `npm pack` here, then
// `npm install` of the tarball into a cdk8s app of their own that has only public packages.
const ROOT = path.join(__dirname, '..');
const CONSUMER = path.join(__dirname, 'fixtures', 'consumer-app');
const project = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const PEERS = ['cdk8s', 'cdk8s-plus-27', 'constructs'];
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

// npm run exports the calling project's prefix and package to its children; the consumer's npm must find its own.
const npmEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^npm_(config_local_prefix|package_|lifecycle_|command)/.test(name)),
);

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = npmEnv): string {
  try {
    return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/** Every file under `folder`, relative to it. */
function filesUnder(folder: string): string[] {
  return fs
    .readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter(file => fs.statSync(path.join(folder, file)).isFile());
}

interface PackResult {
  filename: string;
  size: number;
  files: { path: string }[];
}

describe('the package, packed and installed into another cdk8s app', () => {
  let packed: PackResult;
  let app: string;
  let installed: string;
  let objects: Record<string, Manifest[]>;

  beforeAll(
    () => {
      const work = tempFolder('packaging-');
      // prepack builds the library: the tarball is what a user gets from a fresh clone.
      [packed] = withLibraryBuildLock(() =>
        JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], ROOT)),
      );

      app = path.join(work, 'app');
      fs.mkdirSync(app);
      fs.copyFileSync(path.join(CONSUMER, 'main.ts'), path.join(app, 'main.ts'));
      fs.copyFileSync(path.join(CONSUMER, 'tsconfig.json'), path.join(app, 'tsconfig.json'));
      // The app a user starts from: cdk8s and its peers (the versions this project tests with), and Node's types.
      const publicPackages = [...PEERS, '@types/node'].map(name => `${name}@${project.devDependencies[name]}`);
      fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true }));
      // From the cache `npm ci` filled; the registry only for what it lacks.
      run(
        'npm',
        [
          'install',
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
          ...publicPackages,
          path.join(work, packed.filename),
        ],
        app,
      );
      installed = path.join(app, 'node_modules', project.name);

      run(process.execPath, [TSC, '-p', '.'], app);
      const outdir = path.join(app, 'out');
      run(process.execPath, [path.join('build', 'main.js')], app, { ...npmEnv, CDK8S_OUTDIR: outdir });
      objects = Object.fromEntries(
        fs
          .readdirSync(outdir)
          .sort()
          .map(file => [
            file,
            parseAllDocuments(fs.readFileSync(path.join(outdir, file), 'utf8')).map(doc => doc.toJSON() as Manifest),
          ]),
      );
    },
    10 * 60 * 1000,
  );

  test('the tarball holds the built library and its declarations, and nothing else', () => {
    const paths = packed.files.map(file => file.path);
    // Of the generated bindings, only the Kubernetes ones (re-exported as `k8s`): no public declaration names a CRD's.
    const unexpected = paths.filter(
      file =>
        !/^(package\.json|README\.md|\.build\/library\/index\.js|\.build\/library\/types\/(lib\/.+|imports\/k8s)\.d\.ts)$/.test(
          file,
        ),
    );
    expect(unexpected).toEqual([]);
    expect(paths).toEqual(
      expect.arrayContaining([
        '.build/library/index.js',
        '.build/library/types/lib/index.d.ts',
        '.build/library/types/imports/k8s.d.ts',
      ]),
    );
    expect(packed.size).toBeLessThan(300_000);
  });

  test('depends on no private package: cdk8s, cdk8s-plus-27, constructs are peers, zod (config schema) the one dependency, the rest bundled', () => {
    const published = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
    // zod is public, pinned, and read at run time by the exported config (lib/config/stack-config.ts).
    expect(Object.keys(published.dependencies ?? {})).toEqual(['zod']);
    expect(published.optionalDependencies ?? {}).toEqual({});
    expect(Object.keys(published.peerDependencies).sort()).toEqual(PEERS);
    // Neither the JavaScript nor a declaration file names a workspace package.
    const naming = filesUnder(installed)
      .filter(file => /\.(js|d\.ts)$/.test(file))
      .filter(file => fs.readFileSync(path.join(installed, file), 'utf8').includes('@stateful-todo/'));
    expect(naming).toEqual([]);
  });

  test("the app ends up with one copy of cdk8s, cdk8s-plus-27 and constructs, the app's own", () => {
    for (const name of PEERS) {
      const copies = run('npm', ['ls', name, '--all', '--parseable'], app).trim().split('\n');
      expect({ name, copies }).toEqual({ name, copies: [path.join(app, 'node_modules', name)] });
    }
  });

  test('type-checks strictly without skipping libraries; synthesizes PostgresStatefulSet, TodoApp (own preset, k8s types) and IngressBridge', () => {
    const tsconfig = JSON.parse(fs.readFileSync(path.join(app, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.compilerOptions).toMatchObject({ strict: true, skipLibCheck: false });
    expect(Object.keys(objects)).toEqual(['0000-database.k8s.yaml', '0001-app.k8s.yaml', '0002-ingress.k8s.yaml']);
    const [database, todo, ingress] = Object.values(objects);

    const statefulSet = only(database, 'StatefulSet', 'orders');
    expect(statefulSet.metadata.namespace).toBe('shop-db');
    expect(statefulSet.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('8Gi');
    expect(only(database, 'Service', 'orders').metadata.namespace).toBe('shop-db');

    const deployment = only(todo, 'Deployment', 'shop-todo');
    expect(deployment.metadata.namespace).toBe('shop');
    // The app's own preset probes with the package's `k8s` types, and its annotation went through `todo.deployment`.
    expect(deployment.spec.template.spec.containers[0].readinessProbe.httpGet).toEqual({
      path: '/health/ready',
      port: 'http',
    });
    expect(deployment.spec.template.spec.containers[0].livenessProbe.httpGet).toEqual({
      path: '/healthz',
      port: 'http',
    });
    expect(deployment.metadata.annotations).toEqual({ 'shop.example.com/owner': 'orders-team' });
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.containers[0].image).toBe('registry.example.com/shop/todo-service:2.0.0');
    // Host, database and the cluster-provided client Secret are read off the database construct.
    expect(only(todo, 'ConfigMap').data).toMatchObject({
      DB_HOST: 'orders.shop-db.svc.cluster.local',
      DB_NAME: 'orders',
      DB_PORT: '5432',
    });
    const env = Object.fromEntries(
      deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.valueFrom]),
    );
    expect(env.DB_PASSWORD).toEqual({ secretKeyRef: { name: 'orders-db-client', key: 'DB_PASSWORD' } });
    // The server logs in as the service role, never as the bootstrap superuser (`user: 'orders'`).
    expect(deployment.spec.template.spec.containers[0].env.find((e: any) => e.name === 'DB_USER').value).toBe(
      'orders_service',
    );
    const [migration] = todo.filter(m => m.kind === 'Job');
    expect(todo.filter(m => m.kind === 'Job')).toHaveLength(1);
    // The migration logs in as the owner role, with the password of the Secret named for it.
    const migrationEnv = Object.fromEntries(
      migration.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.valueFrom ?? e.value]),
    );
    expect(migrationEnv.DB_PASSWORD).toEqual({ secretKeyRef: { name: 'orders-db-migration', key: 'DB_PASSWORD' } });
    // The roles Job of the database reads every role's password from the roles Secret.
    expect(database.filter(m => m.kind === 'Job' && m.metadata.name.startsWith('orders-roles-'))).toHaveLength(1);

    expect(only(ingress, 'Service', 'shop-todo-external').spec).toMatchObject({
      type: 'ExternalName',
      externalName: 'shop-todo.shop.svc.cluster.local',
    });
    expect(only(ingress, 'Ingress', 'shop-todo').spec).toMatchObject({
      rules: [{ host: 'todo.shop.example.com' }],
      tls: [{ hosts: ['todo.shop.example.com'], secretName: 'shop-todo-tls' }],
    });
  });
});
