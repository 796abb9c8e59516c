import { PROVIDED_SECRETS_ANNOTATION } from '@stateful-todo/kube-conventions';

import { DatabaseWorkload, resolveConfig, stageConfig, stageNames } from '../../lib/config';
import { PostgresStatefulSet } from '../../lib/database/postgres-stateful-set';
import { sizeToQuantity } from '../../lib/kube/size';
import { Manifest, only, synthStack } from '../support/manifests';

const RECOMMENDED = ['name', 'instance', 'component', 'part-of', 'managed-by', 'version'].map(
  l => `app.kubernetes.io/${l}`,
);
const CLUSTER_SCOPED = new Set(['Namespace', 'PersistentVolume']);

/** Every pod template of a manifest set, with the object that holds it. */
function podTemplates(manifests: Manifest[]): Array<{ owner: Manifest; template: any }> {
  return manifests
    .filter(m => ['Deployment', 'StatefulSet', 'Job'].includes(m.kind))
    .map(owner => ({ owner, template: owner.spec.template }));
}

/** Every `{ kind, name, key }` an env var of a pod reads, with the namespace it is read in. */
function keyReferences(manifests: Manifest[]) {
  return podTemplates(manifests).flatMap(({ owner, template }) =>
    [...template.spec.containers, ...(template.spec.initContainers ?? [])].flatMap((c: any) =>
      (c.env ?? [])
        .filter((e: any) => e.valueFrom)
        .map((e: any) => {
          const ref = e.valueFrom.secretKeyRef ?? e.valueFrom.configMapKeyRef;
          return {
            kind: e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap',
            name: ref.name,
            key: ref.key,
            namespace: owner.metadata.namespace,
            from: `${owner.kind}/${owner.metadata.name}`,
          };
        }),
    ),
  );
}

describe.each(stageNames())('the %s stack', stage => {
  const config = stageConfig(stage);
  const { stack, charts, all } = synthStack(config);

  test('one chart per namespace, in apply order: database, app, ingress', () => {
    expect(charts.map(objects => objects.find(o => o.metadata.namespace)?.metadata.namespace)).toEqual([
      config.database.namespace,
      config.app.namespace,
      config.ingress.namespace,
    ]);
  });

  test('the database and app charts emit their Namespace first, cluster-scoped and enforcing "restricted"', () => {
    for (const [objects, namespace] of [
      [charts[0], config.database.namespace],
      [charts[1], config.app.namespace],
    ] as const) {
      const [first] = objects;
      expect(first.kind).toBe('Namespace');
      expect(first.metadata.name).toBe(namespace);
      expect(first.metadata).not.toHaveProperty('namespace');
      expect(first.metadata.labels).toMatchObject({
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'v1.27',
      });
    }
  });

  test('the ingress chart does not create the ingress namespace (default)', () => {
    expect(charts[2].filter(o => o.kind === 'Namespace')).toEqual([]);
  });

  test('every namespaced object is in one of the stack namespaces, and cluster-scoped ones in none', () => {
    const namespaces = [config.database.namespace, config.app.namespace, config.ingress.namespace];
    for (const object of all) {
      if (CLUSTER_SCOPED.has(object.kind)) {
        expect(object.metadata.namespace).toBeUndefined();
      } else {
        expect(namespaces).toContain(object.metadata.namespace);
      }
    }
  });

  test('every object and every pod template carries the six recommended labels and the stage instance', () => {
    for (const object of all) {
      expect(Object.keys(object.metadata.labels ?? {})).toEqual(expect.arrayContaining(RECOMMENDED));
      expect(object.metadata.labels!['app.kubernetes.io/instance']).toBe(`stateful-todo-${stage}`);
    }
    for (const { template } of podTemplates(all)) {
      expect(Object.keys(template.metadata.labels)).toEqual(expect.arrayContaining(RECOMMENDED));
    }
  });

  test('every secretKeyRef and configMapKeyRef names an object and key in its namespace of the output, or a Secret declared provided there', () => {
    const references = keyReferences(all);
    expect(references.length).toBeGreaterThanOrEqual(10);
    for (const ref of references) {
      const target = all.find(
        o => o.kind === ref.kind && o.metadata.name === ref.name && o.metadata.namespace === ref.namespace,
      );
      if (target) {
        expect({ ...ref, has: Object.keys(target.data ?? {}).includes(ref.key) }).toEqual({ ...ref, has: true });
      } else {
        const namespace = only(all, 'Namespace', ref.namespace);
        expect(ref.kind).toBe('Secret');
        expect(namespace.metadata.annotations?.[PROVIDED_SECRETS_ANNOTATION]?.split(',')).toContain(ref.name);
      }
    }
  });

  test('no ConfigMap holds a password or anything secret-looking', () => {
    for (const configMap of all.filter(o => o.kind === 'ConfigMap')) {
      for (const [key, value] of Object.entries(configMap.data as Record<string, string>)) {
        expect(key).not.toMatch(/PASSWORD|SECRET|TOKEN/i);
        expect(value).not.toMatch(/password/i);
      }
    }
  });

  test('the app reaches the database through its client Service, on its port', () => {
    const appConfig = only(all, 'ConfigMap', `${config.app.name}-database`);
    if (config.database.workload === DatabaseWorkload.CLOUDNATIVE_PG) {
      // The operator makes the Service: `<cluster>-rw`, which it keeps pointed at the primary, on 5432.
      const cluster = only(all, 'Cluster', config.database.name);
      expect(appConfig.data.DB_HOST).toBe(
        `${cluster.metadata.name}-rw.${cluster.metadata.namespace}.svc.cluster.local`,
      );
      expect(appConfig.data.DB_PORT).toBe('5432');
      expect(stack.databaseChart.database.host).toBe(appConfig.data.DB_HOST);
      return;
    }
    const dbService = only(
      all.filter(o => o.metadata.namespace === config.database.namespace),
      'Service',
      config.database.name,
    );
    expect(appConfig.data.DB_HOST).toBe(`${dbService.metadata.name}.${dbService.metadata.namespace}.svc.cluster.local`);
    expect(appConfig.data.DB_PORT).toBe(String(dbService.spec.ports[0].port));
    expect(stack.databaseChart.database.host).toBe(appConfig.data.DB_HOST);
  });

  test('the ExternalName Service targets the app Service FQDN, and the Ingress routes to it', () => {
    const appService = only(
      all.filter(o => o.metadata.namespace === config.app.namespace),
      'Service',
    );
    const external = only(
      all.filter(o => o.metadata.namespace === config.ingress.namespace),
      'Service',
    );
    const ingress = only(all, 'Ingress');
    expect(external.spec.externalName).toBe(
      `${appService.metadata.name}.${appService.metadata.namespace}.svc.cluster.local`,
    );
    expect(external.spec.ports[0].port).toBe(appService.spec.ports[0].port);
    const backend = ingress.spec.rules[0].http.paths[0].backend.service;
    expect(backend).toEqual({ name: external.metadata.name, port: { number: external.spec.ports[0].port } });
    expect(ingress.metadata.namespace).toBe(external.metadata.namespace);
  });

  test('object names are unique per kind and namespace', () => {
    const keys = all.map(o => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('stages', () => {
  test("dev runs the StatefulSet on the cluster's default storage class, with no disruption budget and a dev-only Secret", () => {
    const config = stageConfig('dev');
    const { stack, all } = synthStack(config);
    // A Deployment would start a second postmaster on the same volume while the first one terminates.
    expect(stack.databaseChart.database).toBeInstanceOf(PostgresStatefulSet);
    const claim = only(all, 'StatefulSet').spec.volumeClaimTemplates[0].spec;
    expect(claim).not.toHaveProperty('storageClassName');
    expect(claim.resources.requests.storage).toBe(sizeToQuantity(config.database.storageSize));
    expect(all.filter(o => o.kind === 'PodDisruptionBudget')).toEqual([]);
    const secrets = all.filter(o => o.kind === 'Secret');
    // The superuser's, the roles', the server's and the migration's.
    expect(secrets.map(s => s.metadata.name)).toEqual([
      'postgres-credentials',
      'postgres-roles',
      'stateful-flask-db-credentials',
      'stateful-flask-migration-credentials',
    ]);
    for (const secret of secrets) {
      expect(secret.metadata.annotations!['todo-stack/purpose']).toMatch(/^development only/);
    }
    expect(only(all, 'Deployment', 'stateful-flask').spec.replicas).toBe(1);
  });

  test('prod runs the part 2 StatefulSet and our service (not the Flask debugger), no Secret nor password, autoscales, TLS from cert-manager', () => {
    const config = stageConfig('prod');
    const { stack, all } = synthStack(config);
    expect(config.database.workload).toBe(DatabaseWorkload.STATEFUL_SET);
    expect(stack.databaseChart.database).toBeInstanceOf(PostgresStatefulSet);
    expect(all.filter(o => o.kind === 'Secret')).toEqual([]);
    expect(JSON.stringify(all)).not.toMatch(/dev-only-password|stringData|"data":\{"(POSTGRES|DB)_PASSWORD/);
    expect(only(all, 'HorizontalPodAutoscaler').spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(only(all, 'PodDisruptionBudget', 'stateful-flask')).toBeDefined();
    // The host, issuer, storage class and size are the stage's own settings, read off its config (a fork sets its own).
    const tls = config.ingress.tls;
    expect(tls?.source).toBe('cert-manager');
    expect(stack.ingressChart.bridge.tlsSecretName).toBeDefined();
    expect(only(all, 'Ingress').spec.tls).toEqual([
      { hosts: [config.ingress.host], secretName: stack.ingressChart.bridge.tlsSecretName },
    ]);
    expect(only(all, 'Ingress').metadata.annotations).toMatchObject({
      'cert-manager.io/cluster-issuer': tls?.source === 'cert-manager' ? tls.clusterIssuer : undefined,
    });
    expect(config.app.preset).toBe('node-service');
    expect(only(all, 'Deployment', 'stateful-flask').spec.template.spec.containers[0].command).toBeUndefined();
    expect(only(all, 'PodDisruptionBudget', 'postgres').spec.minAvailable).toBe(1);
    // The app namespace holds the hand-made Secret: no prune or GitOps deletion may take it.
    expect(only(all, 'Namespace', 'stateful-namespace').metadata.annotations).toMatchObject({
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    });
    expect(config.database.storageClassName).toBeDefined();
    expect(only(all, 'StatefulSet').spec.volumeClaimTemplates[0].spec).toMatchObject({
      storageClassName: config.database.storageClassName,
      resources: { requests: { storage: sizeToQuantity(config.database.storageSize) } },
    });
  });

  test('a config choosing the Deployment workload with a static volume emits a PV that binds to the claim', () => {
    const config = resolveConfig('single-node', {
      database: {
        workload: DatabaseWorkload.DEPLOYMENT,
        storageClassName: 'manual',
        staticVolumeHostPath: '/mnt/data',
      },
    });
    const { all } = synthStack(config);
    const pv = only(all, 'PersistentVolume');
    const pvc = only(all, 'PersistentVolumeClaim', 'postgres-data');
    expect(pv.spec.claimRef).toEqual({ namespace: pvc.metadata.namespace, name: pvc.metadata.name });
    expect(pv.spec.capacity.storage).toBe(pvc.spec.resources.requests.storage);
    expect(pv.spec.storageClassName).toBe(pvc.spec.storageClassName);
  });
});
