import { parseFile, validateLoaded } from '@stateful-todo/manifest-validator';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

import { TodoApp } from '../../lib/app/todo-app';
import { DatabaseCredentials } from '../../lib/database/database-credentials';
import { PostgresBackup } from '../../lib/database/postgres-backup';
import { PostgresCluster } from '../../lib/database/postgres-cluster';
import { PostgresDatabase } from '../../lib/database/postgres-database';
import { PostgresDeployment } from '../../lib/database/postgres-deployment';
import { PostgresStatefulSet } from '../../lib/database/postgres-stateful-set';
import { PodMetrics } from '../../lib/monitoring/pod-monitor';
import { Manifest, namespacedChart, synth } from '../support/manifests';

const EXPORTER = 'quay.io/prometheuscommunity/postgres-exporter:v0.17.1';

/**
 * Two of every workload construct in one namespace (one chart), as an app with several databases builds them:
 * StatefulSets `orders` and `users`, Deployments `archive` and `audit`, each with its backup and PodMonitor, and an
 * app (HPA and PDB) on each StatefulSet.
 */
function twoOfEach() {
  const chart = namespacedChart('shop');
  const credentials = (name: string) =>
    DatabaseCredentials.fromClusterSecrets({
      databaseSecretName: `${name}-credentials`,
      clientSecretName: `${name}-client`,
      rolesSecretName: `${name}-roles`,
      migrationSecretName: `${name}-migration`,
    });
  const databases: PostgresDatabase[] = [
    new PostgresStatefulSet(chart, 'Orders', {
      name: 'orders',
      credentials: credentials('orders'),
      metricsExporterImage: EXPORTER,
    }),
    new PostgresStatefulSet(chart, 'Users', {
      name: 'users',
      credentials: credentials('users'),
      metricsExporterImage: EXPORTER,
    }),
    new PostgresDeployment(chart, 'Archive', {
      name: 'archive',
      credentials: credentials('archive'),
      metricsExporterImage: EXPORTER,
    }),
    new PostgresDeployment(chart, 'Audit', {
      name: 'audit',
      credentials: credentials('audit'),
      metricsExporterImage: EXPORTER,
    }),
  ];
  for (const database of databases) {
    new PostgresBackup(chart, `${database.node.id}Backup`, { database });
    new PodMetrics(chart, `${database.node.id}Metrics`, {
      name: database.name,
      selector: database.selector,
      portName: database.metricsPortName,
      identity: { name: database.name, component: 'database' },
    });
  }
  const apps = [
    new TodoApp(chart, 'OrdersApp', {
      name: 'orders-app',
      database: databases[0],
      autoscaling: { minReplicas: 2, maxReplicas: 4 },
    }),
    new TodoApp(chart, 'UsersApp', {
      name: 'users-app',
      database: databases[1],
      autoscaling: { minReplicas: 2, maxReplicas: 4 },
    }),
  ];
  return { chart, databases, apps, manifests: synth(chart) };
}

const objectsOf = (scope: Construct) =>
  scope.node
    .findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject)
    .map(o => o.toJson());
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** Every pod template of the set, named by its workload. */
function podTemplates(manifests: Manifest[]): Array<{ owner: string; labels: Record<string, string> }> {
  return manifests.flatMap(m => {
    const template = m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template : m.spec?.template;
    return template ? [{ owner: `${m.kind} ${m.metadata.name}`, labels: template.metadata.labels }] : [];
  });
}

/** Every selector an object has of the pods of its own namespace, with where it is. */
function selectorsOf(object: any): Array<{ at: string; selector: Record<string, string> }> {
  const at = (path: string) => `${object.kind} ${object.metadata.name} ${path}`;
  switch (object.kind) {
    case 'Service':
      return [{ at: at('spec.selector'), selector: object.spec.selector }];
    case 'StatefulSet':
    case 'Deployment':
    case 'PodDisruptionBudget':
    case 'PodMonitor':
      return [{ at: at('spec.selector'), selector: object.spec.selector.matchLabels }];
    case 'NetworkPolicy':
      return [{ at: at('spec.podSelector'), selector: object.spec.podSelector.matchLabels }];
    default:
      return [];
  }
}

describe('two of every workload construct in one namespace', () => {
  test("every selector of a database matches its own pods and no one else's", () => {
    const { databases, manifests } = twoOfEach();
    const pods = podTemplates(manifests);
    for (const database of databases) {
      const workload =
        database instanceof PostgresStatefulSet ? database.statefulSet : (database as PostgresDeployment).deployment;
      const own = `${workload.kind} ${database.name}`;
      const selectors = [
        ...objectsOf(database),
        ...objectsOf(database.node.scope!.node.findChild(`${database.node.id}Metrics`)),
      ].flatMap(selectorsOf);
      // Services (client and headless), the workload, its PDB, its NetworkPolicy and its PodMonitor.
      expect(selectors.length).toBeGreaterThanOrEqual(database instanceof PostgresStatefulSet ? 6 : 5);
      for (const { at, selector } of selectors) {
        expect({ at, selects: pods.filter(pod => matches(selector, pod.labels)).map(pod => pod.owner) }).toEqual({
          at,
          selects: [own],
        });
      }
    }
  });

  test("every selector of an app matches its server pods and no one else's; its HPA scales its own Deployment", () => {
    const { apps, manifests } = twoOfEach();
    const pods = podTemplates(manifests);
    for (const app of apps) {
      const objects = objectsOf(app);
      const selectors = objects.flatMap(selectorsOf);
      expect(selectors.map(s => s.at.split(' ')[0]).sort()).toEqual(['Deployment', 'PodDisruptionBudget', 'Service']);
      for (const { at, selector } of selectors) {
        expect({ at, selects: pods.filter(pod => matches(selector, pod.labels)).map(pod => pod.owner) }).toEqual({
          at,
          selects: [`Deployment ${app.name}`],
        });
      }
      const autoscaler = objects.find(o => o.kind === 'HorizontalPodAutoscaler');
      expect(autoscaler.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: app.name });
    }
  });

  test("a database's NetworkPolicy admits its own app, backup and restore pods, and none of the other database's", () => {
    const { databases, manifests } = twoOfEach();
    const pods = podTemplates(manifests);
    const [orders] = databases;
    const policy = objectsOf(orders).find(o => o.kind === 'NetworkPolicy');
    const admitted = policy.spec.ingress
      .flatMap((rule: any) => rule.from.map((peer: any) => peer.podSelector?.matchLabels).filter(Boolean))
      .flatMap((selector: Record<string, string>) =>
        pods.filter(pod => matches(selector, pod.labels)).map(pod => pod.owner),
      );
    expect([...new Set(admitted)].sort()).toEqual(
      [
        'CronJob orders-backup',
        'Deployment orders-app',
        expect.stringMatching(/^Job orders-app-migrate-/),
        expect.stringMatching(/^Job orders-backup-/),
        expect.stringMatching(/^Job orders-roles-/),
      ].sort(),
    );
    // The restore Job is made by hand (not in the set): its pods are admitted by the name of their database.
    const restore = policy.spec.ingress
      .map((rule: any) => rule.from[0].podSelector?.matchLabels)
      .find((selector: any) => selector?.['app.kubernetes.io/component'] === 'restore');
    expect(restore).toMatchObject({ 'app.kubernetes.io/name': 'orders' });
  });

  test('the validator finds no workloads or Services that share pods in it', () => {
    const { manifests } = twoOfEach();
    const loaded = { manifests: [] as any[], files: ['shop.yaml'], findings: [], unreadable: [] };
    // JSON is YAML: one document per object.
    parseFile('shop.yaml', manifests.map(m => JSON.stringify(m)).join('\n---\n'), loaded);
    const findings = validateLoaded(loaded, {
      providedSecrets: ['orders', 'users', 'archive', 'audit'].flatMap(n => [
        `shop/${n}-credentials`,
        `shop/${n}-client`,
        `shop/${n}-roles`,
        `shop/${n}-migration`,
      ]),
    }).findings;
    expect(
      findings.filter(f => f.ruleId === 'workload-selector-overlap' || f.ruleId === 'service-selects-two-workloads'),
    ).toEqual([]);
  });

  test("two CloudNativePG Clusters: what selects an instance's pods names its cluster, the operator's own label", () => {
    const chart = namespacedChart('shop');
    const clusters = ['orders', 'users'].map(
      name =>
        new PostgresCluster(chart, name, {
          name,
          credentials: DatabaseCredentials.fromClusterSecrets({
            databaseSecretName: `${name}-owner`,
            clientSecretName: `${name}-client`,
          }),
        }),
    );
    for (const cluster of clusters) {
      const policy = objectsOf(cluster).find(o => o.kind === 'NetworkPolicy');
      expect(policy.spec.podSelector.matchLabels).toEqual({ 'cnpg.io/cluster': cluster.name });
      expect(cluster.selector).toMatchObject({ 'cnpg.io/cluster': cluster.name });
    }
  });
});
