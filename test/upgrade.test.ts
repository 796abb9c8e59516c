import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {
  runCli,
  loadManifests,
  parseFile,
  Manifest,
  CrdCatalog,
  validateLoaded,
  validatePaths,
} from '@stateful-todo/manifest-validator';
import { Size } from 'cdk8s';

import { resolveConfig, STAGES, stageConfig, stageNames } from '../lib/config';
import { DatabaseWorkload, StackOverrides } from '../lib/config/stack-config';
import { sizeToQuantity } from '../lib/kube/size';
import { synthesizeStage } from '../lib/synthesize';

// The upgrade check: what a live cluster, running the committed dist/, would refuse of a new version.
const DIST = path.join(__dirname, '..', 'dist');
const upgradeFindings = (report: { findings: readonly { ruleId: string }[] }) =>
  report.findings.filter(f => f.ruleId === 'immutable-field' || f.ruleId === 'data-left-behind');

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'upgrade-'));
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

/** Synthesizes `stage` with `change` on top of its own overrides, and checks it against the committed dist/<stage>. */
function upgrade(stage: string, change: (own: StackOverrides) => StackOverrides) {
  const caseDir = fs.mkdtempSync(path.join(outdir, 'case-'));
  synthesizeStage(resolveConfig(stage, merge(STAGES[stage], change(STAGES[stage]))), caseDir);
  const previous = loadManifests([path.join(DIST, stage)]).manifests;
  return validatePaths([path.join(caseDir, stage)], { previous, existingNamespaces: ['argocd', 'flux-system'] });
}

function merge(base: StackOverrides, change: StackOverrides): StackOverrides {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(change)) {
    result[key] = typeof value === 'object' && !Array.isArray(value) ? { ...(base as any)[key], ...value } : value;
  }
  return result as StackOverrides;
}

const onCloudNativePG = (stage: string) => STAGES[stage].database?.workload === DatabaseWorkload.CLOUDNATIVE_PG;

/** The stage's database size, and that size times `factor`, as quantities: read off its config, so a fork tests its own. */
function storageSizes(stage: string, factor: number): { size: string; scaled: string } {
  const size = stageConfig(stage).database.storageSize;
  return {
    size: sizeToQuantity(size),
    scaled: sizeToQuantity(Size.kibibytes(Math.floor(size.toKibibytes() * factor))),
  };
}

describe.each(stageNames())('upgrading the committed dist/%s', stage => {
  test.each<[string, (own: StackOverrides) => StackOverrides]>([
    [
      '(a) a new database image',
      () => ({
        database: {
          image: onCloudNativePG(stage)
            ? 'ghcr.io/cloudnative-pg/postgresql:17.12-standard-trixie'
            : 'postgres:17.7-bookworm',
        },
      }),
    ],
    ['(b) a new app image', () => ({ app: { image: 'ghcr.io/stateful-todo/todo-service:0.2.0' } })],
    [
      '(c) new resources',
      () => ({
        database: { resources: { cpuRequest: '500m', memoryRequest: '512Mi', memoryLimit: '1Gi' } },
        app: { resources: { cpuRequest: '200m', memoryRequest: '192Mi', memoryLimit: '384Mi' } },
      }),
    ],
    ['(d) a new app port', () => ({ app: { port: 8080 } })],
    ['(e) a new migration command', () => ({ app: { migrationCommand: ['node', 'dist/migrate.js', '--verbose'] } })],
    ['the task list cache turned off', () => ({ app: { taskListCache: false } })],
  ])('%s: nothing the API server refuses', (_what, change) => {
    const report = upgrade(stage, change);
    expect(upgradeFindings(report)).toEqual([]);
    expect(report.errors).toBe(0);
  });
});

describe.each(stageNames().filter(stage => !onCloudNativePG(stage)))(
  'upgrading the StatefulSet of the committed dist/%s',
  stage => {
    test('(f) a larger volume: exactly the claim-template finding, naming both sizes and the expansion procedure', () => {
      const { size, scaled: larger } = storageSizes(stage, 2);
      const report = upgrade(stage, () => ({ database: { storageSize: larger } }));
      const findings = upgradeFindings(report);
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({
        ruleId: 'immutable-field',
        severity: 'error',
        object: 'StatefulSet postgres/postgres',
        path: 'spec.volumeClaimTemplates[0].spec.resources.requests.storage',
        message: `changes from "${size}" to "${larger}", which the API server refuses on update`,
        fix: expect.stringMatching(
          new RegExp(
            String.raw`expand the existing claim \(kubectl patch pvc\), orphan-delete the StatefulSet \(kubectl ` +
              String.raw`delete statefulset NAME --cascade=orphan\) and apply; README`,
          ),
        ),
      });
    });

    test('(g) another storage class: exactly the claim-template finding, naming the copy procedure', () => {
      const storageClassName = stageConfig(stage).database.storageClassName;
      const moved = `${storageClassName ?? 'default'}-moved`;
      const findings = upgradeFindings(upgrade(stage, () => ({ database: { storageClassName: moved } })));
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({
        ruleId: 'immutable-field',
        path: 'spec.volumeClaimTemplates[0].spec.storageClassName',
        message: `changes from ${storageClassName ? `"${storageClassName}"` : '(unset)'} to "${moved}", which the API server refuses on update`,
        fix: expect.stringMatching(
          /cannot move to another storage class: dump the database, orphan-delete the StatefulSet/,
        ),
      });
    });

    test('renaming the database: its StatefulSet is gone, and its claims with it (a new, empty database)', () => {
      const findings = upgradeFindings(upgrade(stage, () => ({ database: { name: 'pg' } })));
      expect(findings.map(f => `${f.ruleId} ${(f as any).object}`)).toContain(
        'data-left-behind StatefulSet postgres/postgres',
      );
    });
  },
);

describe.each(stageNames().filter(onCloudNativePG))(
  'upgrading the CloudNativePG Cluster of the committed dist/%s',
  stage => {
    test('a larger volume and more instances: nothing CloudNativePG refuses (it grows the claims in place)', () => {
      const report = upgrade(stage, () => ({ database: { storageSize: storageSizes(stage, 2).scaled, replicas: 5 } }));
      expect(upgradeFindings(report)).toEqual([]);
      expect(report.errors).toBe(0);
    });

    test("a smaller volume: exactly the finding CloudNativePG's webhook would refuse with", () => {
      const { size, scaled: smaller } = storageSizes(stage, 0.5);
      const findings = upgradeFindings(upgrade(stage, () => ({ database: { storageSize: smaller } })));
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({
        ruleId: 'immutable-field',
        object: 'Cluster postgres/postgres',
        path: 'spec.storage.size',
        message: `changes from "${size}" to "${smaller}", which the API server refuses on update`,
        fix: expect.stringMatching(/can only grow/),
      });
    });

    test('an older PostgreSQL major version: refused', () => {
      const findings = upgradeFindings(
        upgrade(stage, () => ({ database: { image: 'ghcr.io/cloudnative-pg/postgresql:16.11-standard-trixie' } })),
      );
      expect(findings.map(f => `${f.ruleId} ${(f as any).path}`)).toEqual(['immutable-field spec.imageName']);
    });

    test('renaming the database: the Cluster is gone, and the operator deletes its claims with it', () => {
      const findings = upgradeFindings(upgrade(stage, () => ({ database: { name: 'pg' } })));
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({
        ruleId: 'data-left-behind',
        object: 'Cluster postgres/postgres',
        message: expect.stringMatching(/deleting it deletes its claims/),
      });
    });
  },
);

describe('this release\'s selectors, which name their database (a one-time step: README, "Upgrades the API server accepts")', () => {
  const FIXTURES = path.join(__dirname, 'fixtures', 'upgrade');
  const before = (file: string) => loadManifests([path.join(FIXTURES, file)]).manifests;
  const NAME_CHANGE = /^changes from "postgresql" to "postgres", which the API server refuses on update$/;

  test('the committed prod StatefulSet against the one a cluster runs: exactly its selector and claim-template label, how to adopt its pod', () => {
    const report = validatePaths([path.join(DIST, 'prod')], {
      previous: before('prod-statefulset-before-named-selectors.yaml'),
      existingNamespaces: ['argocd', 'flux-system'],
    });
    const findings = upgradeFindings(report);
    expect(findings.map(f => (f as any).path)).toEqual([
      'spec.selector.matchLabels["app.kubernetes.io/name"]',
      'spec.volumeClaimTemplates[0].metadata.labels["app.kubernetes.io/name"]',
    ]);
    for (const finding of findings) {
      expect(finding).toMatchObject({
        ruleId: 'immutable-field',
        object: 'StatefulSet postgres/postgres',
        message: expect.stringMatching(NAME_CHANGE),
      });
    }
    expect((findings[0] as any).fix).toMatch(
      /orphan-delete the StatefulSet .*give its pods the new selector's labels \(kubectl label pod NAME-0 KEY=VALUE --overwrite\), and apply/,
    );
  });

  test('the database on the Deployment workload: exactly its selector, and to delete it with its pod', () => {
    const caseDir = fs.mkdtempSync(path.join(outdir, 'case-'));
    synthesizeStage(
      resolveConfig('prod', merge(STAGES.prod, { database: { workload: DatabaseWorkload.DEPLOYMENT } })),
      caseDir,
    );
    const findings = upgradeFindings(
      validatePaths([path.join(caseDir, 'prod')], { previous: before('prod-deployment-before-named-selectors.yaml') }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      ruleId: 'immutable-field',
      object: 'Deployment postgres/postgres',
      path: 'spec.selector.matchLabels["app.kubernetes.io/name"]',
      message: expect.stringMatching(NAME_CHANGE),
      fix: expect.stringMatching(/delete the workload with its pods \(kubectl delete KIND NAME\) and apply/),
    });
  });
});

describe('moving ha from the in-tree Barman Cloud support (dist/ha before 2026-12) to the Barman Cloud plugin', () => {
  test('the API server and the webhook refuse nothing; the check shows the archive moving to the plugin, in the same folder', () => {
    const previous = loadManifests([path.join(__dirname, 'fixtures', 'ha-database-in-tree-backup.k8s.yaml')]).manifests;
    expect(previous.find(m => m.object.kind === 'Cluster')?.object.spec.backup.barmanObjectStore).toBeDefined();
    const crds = CrdCatalog.fromFiles([path.join(__dirname, '..', 'crds')]);
    const report = validatePaths([path.join(DIST, 'ha')], {
      previous,
      crds,
      existingNamespaces: ['argocd', 'flux-system'],
    });
    expect(report.errors).toBe(0);
    expect(report.findings.map(f => `${f.severity} ${f.ruleId} ${f.object}: ${f.message}`)).toEqual([
      'info wal-archiver-change Cluster postgres/postgres: archives WAL and base backups through the Barman Cloud ' +
        "plugin (ObjectStore 'postgres-backups') instead of the in-tree spec.backup.barmanObjectStore, " +
        'into s3://stateful-todo-backups/ha/postgres, the same folder: the backup history goes on',
    ]);
  });
});

describe('the upgrade check, rule by rule', () => {
  const check = (before: string, after: string) => {
    const previous = { manifests: [] as Manifest[], findings: [] };
    parseFile('before.yaml', before, previous);
    const next = { manifests: [] as Manifest[], files: ['after.yaml'], findings: [], unreadable: [] };
    parseFile('after.yaml', after, next);
    return upgradeFindings(validateLoaded(next, { previous: previous.manifests })).map(
      f => `${f.ruleId} ${(f as any).path ?? ''}: ${(f as any).message}`,
    );
  };
  const deployment = (selector: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: ${selector}}}
  template:
    metadata: {labels: {app: ${selector}}}
    spec: {containers: [{name: web, image: "nginx:1.27"}]}
`;

  test('a workload selector', () => {
    expect(check(deployment('web'), deployment('web2'))).toEqual([
      expect.stringMatching(/^immutable-field spec\.selector\.matchLabels\.app: changes from "web" to "web2"/),
    ]);
    expect(check(deployment('web'), deployment('web').replace('nginx:1.27', 'nginx:1.28'))).toEqual([]);
  });

  test('a Job template under the same name', () => {
    const job = (image: string) => `apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: default}
spec:
  template:
    spec: {restartPolicy: Never, containers: [{name: c, image: "${image}"}]}
`;
    expect(check(job('busybox:1.36'), job('busybox:1.37'))).toEqual([
      expect.stringMatching(
        /^immutable-field spec\.template\.spec\.containers\[0\]\.image: changes from "busybox:1\.36" to "busybox:1\.37"/,
      ),
    ]);
  });

  test('a claim: it may grow, but not shrink nor change class', () => {
    const claim = (size: string, cls = 'standard') => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: default}
spec: {accessModes: [ReadWriteOnce], storageClassName: ${cls}, resources: {requests: {storage: ${size}}}}
`;
    expect(check(claim('1Gi'), claim('2Gi'))).toEqual([]);
    expect(check(claim('2Gi'), claim('1Gi'))).toEqual([
      expect.stringMatching(/^immutable-field spec\.resources\.requests\.storage: changes from "2Gi" to "1Gi"/),
    ]);
    expect(check(claim('1Gi'), claim('1Gi', 'fast'))).toEqual([
      expect.stringMatching(/^immutable-field spec\.storageClassName/),
    ]);
  });

  test('a Service that turns headless, or the reverse', () => {
    const service = (headless: boolean) => `apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec: {${headless ? 'clusterIP: None, ' : ''}ports: [{port: 5432}]}
`;
    expect(check(service(false), service(true))).toEqual([
      expect.stringMatching(/^immutable-field spec\.clusterIP: changes from \(unset\) to "None"/),
    ]);
    expect(check(service(true), service(true))).toEqual([]);
  });

  test('an immutable ConfigMap', () => {
    const config = (value: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\nimmutable: true\ndata: {key: "${value}"}\n`;
    expect(check(config('a'), config('b'))).toEqual([
      expect.stringMatching(/^immutable-field data\.key: changes from "a" to "b"/),
    ]);
    expect(check(config('a').replace('immutable: true\n', ''), config('b'))).toEqual([]);
  });

  test('a claim left behind when its namespace goes', () => {
    const set = (ns: string) => `apiVersion: v1
kind: Namespace
metadata: {name: ${ns}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: ${ns}}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;
    expect(check(set('db'), set('database'))).toEqual([
      expect.stringMatching(
        new RegExp(
          String.raw`^data-left-behind metadata\.name: namespace 'db' is gone from the new version: pruning ` +
            String.raw`it \(kubectl apply --prune, Argo CD or Flux with prune\) deletes everything in it`,
        ),
      ),
      expect.stringMatching(
        /^data-left-behind metadata\.name: claim 'data' is gone from the new version \(namespace 'db' is gone too\)/,
      ),
    ]);
  });

  test('a namespace that GitOps never prunes: its data stays, unmanaged', () => {
    const namespace = (name: string) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  annotations: {argocd.argoproj.io/sync-options: "Prune=false,Delete=false", kustomize.toolkit.fluxcd.io/prune: disabled}
`;
    expect(check(namespace('db'), namespace('database'))).toEqual([
      "data-left-behind metadata.name: namespace 'db' is gone from the new version: its annotations keep Argo CD and " +
        'Flux from pruning it, so it stays with its data, unmanaged; kubectl apply --prune still deletes it and ' +
        'everything in it',
    ]);
    const argoOnly = (name: string) => namespace(name).replace(', kustomize.toolkit.fluxcd.io/prune: disabled', '');
    expect(check(argoOnly('db'), argoOnly('database'))).toEqual([
      "data-left-behind metadata.name: namespace 'db' is gone from the new version: its annotations keep Argo CD " +
        'from pruning it, so it stays with its data, unmanaged; kubectl apply --prune, Flux with prune still delete it ' +
        'and everything in it',
    ]);
  });

  test('a volume, an Argo CD Application with its resources finalizer, a pruning Flux Kustomization', () => {
    const objects = [
      `apiVersion: v1
kind: PersistentVolume
metadata: {name: data-pv}
spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /data}}
`,
      `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop, namespace: argocd, finalizers: [resources-finalizer.argocd.argoproj.io]}
spec: {project: default, destination: {server: "https://kubernetes.default.svc"}, source: {repoURL: "https://example.com/x.git", path: dist}}
`,
      `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: shop, namespace: flux-system}
spec: {interval: 10m, prune: true, sourceRef: {kind: GitRepository, name: shop}}
`,
    ];
    expect(check(objects.join('---\n'), '')).toEqual([
      "data-left-behind metadata.name: volume 'data-pv' is gone from the new version: pruning it leaves the claim " +
        'bound to it without storage, and its data in the backing store, unmanaged',
      expect.stringMatching(
        new RegExp(
          String.raw`^data-left-behind metadata\.name: Argo CD Application 'shop' is gone from the new version: its ` +
            String.raw`resources finalizer makes Argo CD delete every object it deployed`,
        ),
      ),
      expect.stringMatching(
        /^data-left-behind metadata\.name: Flux Kustomization 'shop' is gone from the new version: with prune, Flux deletes every object it applied/,
      ),
    ]);
    expect(
      check(
        objects[1].replace(', finalizers: [resources-finalizer.argocd.argoproj.io]', '') +
          '---\n' +
          objects[2].replace('prune: true', 'prune: false'),
        '',
      ),
    ).toEqual([]);
  });
});

describe('npm run validate -- --against', () => {
  const capture = (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = runCli(
      args,
      text => out.push(text),
      text => err.push(text),
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  test("the working tree's dist/ against the last commit's: nothing the API server would refuse", () => {
    const { code, out } = capture([
      '--namespace-exists',
      'argocd',
      '--namespace-exists',
      'flux-system',
      '--against',
      'HEAD',
    ]);
    expect(out).not.toMatch(/immutable-field|data-left-behind/);
    expect(code).toBe(0);
  });

  test('against a folder holding an earlier dist/', () => {
    const { code, out } = capture([
      '--namespace-exists',
      'argocd',
      '--namespace-exists',
      'flux-system',
      '--against',
      DIST,
    ]);
    expect(code).toBe(0);
    expect(out).toMatch(/0 errors, 0 warnings/);
  });

  test('a stage folder against a whole earlier dist/: paired with its stage folder by name, not mixed with the other stages', () => {
    for (const stage of stageNames()) {
      const { code, out } = capture([
        '--namespace-exists',
        'argocd',
        '--namespace-exists',
        'flux-system',
        '--against',
        DIST,
        path.join(DIST, stage),
      ]);
      expect({ stage, out: out.match(/.*(immutable-field|data-left-behind).*/g) }).toEqual({ stage, out: null });
      expect(code).toBe(0);
    }
  });

  test('a rehearsal outside the repository against the committed dist/: paired by stage name', () => {
    const rehearsal = fs.mkdtempSync(path.join(outdir, 'rehearsal-'));
    synthesizeStage(resolveConfig('prod', merge(STAGES.prod, { database: { storageSize: '10Gi' } })), rehearsal);
    const { code, out } = capture([
      '--namespace-exists',
      'argocd',
      '--namespace-exists',
      'flux-system',
      '--against',
      DIST,
      path.join(rehearsal, 'prod'),
    ]);
    expect(out.match(/(immutable-field|data-left-behind) .*/g)).toEqual([
      'immutable-field  spec.volumeClaimTemplates[0].spec.resources.requests.storage: changes from "5Gi" to "10Gi", ' +
        'which the API server refuses on update',
    ]);
    expect(code).toBe(1);
  });

  test('a path outside the repository against a revision: exit 2, no stack trace, and what to give instead', () => {
    const outside = fs.mkdtempSync(path.join(outdir, 'outside-'));
    const { code, out, err } = capture(['--against', 'HEAD', outside]);
    expect({ code, out }).toEqual({ code: 2, out: '' });
    expect(err).toBe(
      `--against HEAD: '${outside}' is outside the repository (${path.resolve(__dirname, '..')}), so it has no version at 'HEAD' ` +
        'to compare with; give a path inside the repository, or the earlier version as a folder (--against FOLDER, ' +
        'such as the dist/ of a checkout of that revision)',
    );
  });

  test('a revision that does not exist: exit 2 and what to give instead', () => {
    const { code, err } = capture(['--against', 'no-such-revision']);
    expect(code).toBe(2);
    expect(err).toBe(
      "--against: 'no-such-revision' is neither a folder nor a commit, branch or tag of this repository; give an " +
        "earlier dist/ folder, or a git revision such as 'HEAD' or 'main'",
    );
  });
});
