import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { parseAllDocuments } from 'yaml';

import { withLibraryBuildLock } from './support/library-build-lock';
import { Manifest, only } from './support/manifests';
import { tempFolder } from './support/temp-folders';

const ROOT = path.join(__dirname, '..');
const EXAMPLES = path.join(ROOT, 'examples');

/** The objects of every file in `folder`, by file name. */
function synthesized(folder: string): Record<string, Manifest[]> {
  return Object.fromEntries(
    fs
      .readdirSync(folder)
      .sort()
      .map(file => [
        file,
        parseAllDocuments(fs.readFileSync(path.join(folder, file), 'utf8')).map(doc => doc.toJSON() as Manifest),
      ]),
  );
}

describe('examples/: another cdk8s app, built from the library entry point only', () => {
  test('imports nothing of this project but the package entry point (no relative path into lib/)', () => {
    for (const file of fs.readdirSync(EXAMPLES).filter(f => f.endsWith('.ts'))) {
      const imports = [...fs.readFileSync(path.join(EXAMPLES, file), 'utf8').matchAll(/from '([^']+)'/g)].map(
        m => m[1],
      );
      expect(imports.filter(spec => spec.startsWith('.') || spec.includes('lib/'))).toEqual([]);
      expect(imports).toContain('stateful-todo-stack');
    }
  });

  // `npm run example` builds the library (JavaScript and declarations, as package.json's exports name them),
  // type-checks the example against those declarations, bundles it with the library left external, and runs it:
  // Node resolves 'stateful-todo-stack' through the package's own exports, as a consumer's would.
  test('compiles against the built declarations and synthesizes PostgREST on PostgresStatefulSet behind IngressBridge', () => {
    const outdir = tempFolder('example-');
    withLibraryBuildLock(() =>
      execFileSync('npm', ['run', '--silent', 'example'], {
        cwd: ROOT,
        env: { ...process.env, CDK8S_OUTDIR: outdir },
        stdio: 'pipe',
      }),
    );
    const files = synthesized(outdir);
    expect(Object.keys(files)).toEqual(['0000-database.k8s.yaml', '0001-api.k8s.yaml', '0002-ingress.k8s.yaml']);
    const [database, api, ingress] = Object.values(files);

    const statefulSet = only(database, 'StatefulSet', 'catalog');
    expect(statefulSet.metadata.namespace).toBe('catalog-db');
    expect(statefulSet.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
    // The API's pods, and only they, are let through the database's NetworkPolicy.
    // (Beside the database's own roles Job.)
    expect(only(database, 'NetworkPolicy').spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'catalog-db' } },
            podSelector: {
              matchLabels: { 'app.kubernetes.io/name': 'catalog', 'app.kubernetes.io/component': 'roles' },
            },
          },
        ],
        ports: [{ port: 5432, protocol: 'TCP' }],
      },
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'catalog' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'postgrest' } },
          },
        ],
        ports: [{ port: 5432, protocol: 'TCP' }],
      },
    ]);
    // It logs in as the database's service role, with its password from the cluster-provided client Secret.
    expect(only(api, 'Deployment', 'postgrest').spec.template.spec.containers[0].env).toContainEqual({
      name: 'DB_USER',
      value: 'catalog_service',
    });
    expect(only(api, 'Deployment', 'postgrest').spec.template.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'postgrest',
    });
    // Host, port, database and the cluster-provided client Secret are read off the IDatabase.
    const env = Object.fromEntries(
      only(api, 'Deployment', 'postgrest').spec.template.spec.containers[0].env.map((e: any) => [
        e.name,
        e.value ?? e.valueFrom,
      ]),
    );
    expect(env.PGRST_DB_URI).toBe(
      'host=catalog.catalog-db.svc.cluster.local port=5432 dbname=catalog user=$(DB_USER) password=$(DB_PASSWORD)',
    );
    expect(env.DB_PASSWORD).toEqual({ secretKeyRef: { name: 'catalog-db-client', key: 'DB_PASSWORD' } });
    expect(api.filter(m => m.kind === 'Secret')).toEqual([]);

    expect(only(ingress, 'Service', 'postgrest-external').spec).toMatchObject({
      type: 'ExternalName',
      externalName: 'postgrest.catalog.svc.cluster.local',
      ports: [{ name: 'http', port: 3000, protocol: 'TCP' }],
    });
    expect(only(ingress, 'Ingress', 'postgrest').spec.tls).toEqual([
      { hosts: ['catalog.example.com'], secretName: 'catalog-example-com-tls' },
    ]);
  });
});
