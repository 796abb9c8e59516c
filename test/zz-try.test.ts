import { ConfigError, resolveConfig } from '../lib/config';
const cases: any[] = [
  { ingress: { tls: { source: 'existing-secret' } } },
  { ingress: { tls: { source: 'cert-manager' } } },
  { ingress: { tls: true } },
  { ingress: { tls: { source: 'cert-manager', clusterIssuer: 'x', extra: 1 } } },
  { app: { preset: 'django' } },
  { app: { preset: 'flask', image: 'ghcr.io/stateful-todo/todo-service:0.1.0' } },
  { database: { storagesize: '10Gi' } },
  { database: 5 },
  { database: { backup: { schedule: '@weekly' } } },
  { database: { storageSize: '250' } },
  { database: { backup: { enabled: true, objectStore: {destinationPath: 's3://a/b', credentialsSecretName: 'x'} } } },
  { database: { workload: 'CloudNativePG', replicas: 3, backup: { enabled: true } } },
  { databse: {} },
  { app: { replicaz: 3 } },
  { database: { credentials: { source: 'dev-generated' } } },
  { gitops: { fluxDependsOn: 'infrastructure' } },
  { database: { storageSize: '5GB', replicas: 2 }, app: { port: 0, image: '' }, ingress: { host: 'http://drexii.me', path: 'tasks' } },
];
test('x', () => {
  for (const c of cases) {
    try { resolveConfig('t', c); console.log(JSON.stringify(c), 'OK'); } catch (e) { console.log(JSON.stringify(c) + '\n' + (e instanceof ConfigError ? e.problems.join('\n') : (e as Error).stack)); }
  }
});
