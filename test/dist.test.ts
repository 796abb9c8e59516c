import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { parseAllDocuments } from 'yaml';

import { DatabaseWorkload, stageConfig, stageNames } from '../lib/config';
import { synthesizeGitOps, synthesizeStage } from '../lib/synthesize';

const DIST = path.join(__dirname, '..', 'dist');

/** Every file under `dir`, relative, sorted, with its bytes. */
function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else {
        files.set(path.relative(dir, full), fs.readFileSync(full, 'utf8'));
      }
    }
  };
  walk(dir);
  return new Map([...files.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function synthesizeAll(): Map<string, string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'todo-stack-'));
  try {
    const configs = stageNames().map(stageConfig);
    configs.forEach(config => synthesizeStage(config, outdir));
    synthesizeGitOps(configs, outdir);
    return readTree(outdir);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe('dist/', () => {
  const fresh = synthesizeAll();

  test('holds one folder per stage (objects in manifests/ in apply order, kustomization beside it, restore Job in on-demand/) and gitops/', () => {
    const stageFiles = [
      'manifests/0000-database.k8s.yaml',
      'manifests/0001-app.k8s.yaml',
      'manifests/0002-ingress.k8s.yaml',
      'kustomization.yaml',
    ];
    // The restore Job of the dumps; a CloudNativePG cluster recovers through its own bootstrap instead.
    const restoreJob = (stage: string) =>
      stageConfig(stage).database.workload === DatabaseWorkload.CLOUDNATIVE_PG
        ? []
        : ['on-demand/postgres-restore.k8s.yaml'];
    expect([...fresh.keys()].sort()).toEqual(
      [
        ...stageNames().flatMap(stage => [...stageFiles, ...restoreJob(stage)].map(file => path.join(stage, file))),
        ...['argocd', 'flux'].flatMap(tool =>
          stageNames().map(stage => path.join('gitops', tool, `${stage}.k8s.yaml`)),
        ),
      ].sort(),
    );
  });

  test('the committed dist/ equals a fresh synth, byte for byte (run `npm run synth` after changing the code)', () => {
    const committed = readTree(DIST);
    expect([...committed.keys()]).toEqual([...fresh.keys()]);
    for (const [file, content] of fresh) {
      expect({ file, content: committed.get(file) }).toEqual({ file, content });
    }
  });

  test('two synths are byte-identical', () => {
    expect(synthesizeAll()).toEqual(fresh);
  });
});

describe('least privilege in dist/: who logs in as the bootstrap superuser', () => {
  // The named exceptions (README, "Database roles"): PostgreSQL's own container, whose image runs initdb with
  // POSTGRES_PASSWORD on a first start, and the roles Job, which makes the other roles. No other container of any
  // stage, nor of the on-demand restore Job, gets the superuser's password or logs in under its name.
  const ALLOWED = ['StatefulSet/postgres: postgres', 'Deployment/postgres: postgres', 'Job/postgres-roles-*: roles'];

  const yamlObjects = (file: string): any[] =>
    parseAllDocuments(fs.readFileSync(file, 'utf8'))
      .map(d => d.toJS())
      .filter(Boolean);
  const stageFiles = (stage: string) =>
    ['manifests', 'on-demand']
      .map(folder => path.join(DIST, stage, folder))
      .filter(folder => fs.existsSync(folder))
      .flatMap(folder => fs.readdirSync(folder).map(file => path.join(folder, file)));

  test.each(stageNames())(
    "%s: only PostgreSQL itself and the roles Job hold the superuser's password or name",
    stage => {
      const objects = stageFiles(stage).flatMap(yamlObjects);
      const superuserSecrets = new Set(
        objects
          .filter(o => o.kind === 'StatefulSet' || o.kind === 'Deployment')
          .flatMap(o => o.spec.template.spec.containers.flatMap((c: any) => c.env ?? []))
          .filter((env: any) => env.name === 'POSTGRES_PASSWORD')
          .map((env: any) => `${env.valueFrom.secretKeyRef.name}/${env.valueFrom.secretKeyRef.key}`),
      );
      const superuserNames = new Set(
        objects.filter(o => o.kind === 'ConfigMap' && o.data?.POSTGRES_USER).map(o => o.data.POSTGRES_USER as string),
      );
      // Where the stage emits its Secrets (dev), any key holding the same value is the superuser's password too.
      const secretValue = (ref: { name: string; key: string }) => {
        const data = objects.find(o => o.kind === 'Secret' && o.metadata.name === ref.name)?.data?.[ref.key];
        return data === undefined ? undefined : Buffer.from(data, 'base64').toString();
      };
      const superuserPasswords = new Set(
        [...superuserSecrets]
          .map(ref => secretValue({ name: ref.split('/')[0], key: ref.split('/')[1] }))
          .filter(Boolean),
      );
      const holders: string[] = [];
      let containers = 0;
      for (const object of objects) {
        const pod =
          object.kind === 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec?.template?.spec;
        for (const container of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
          containers += 1;
          const env: any[] = container.env ?? [];
          const password = env.some(
            e =>
              e.valueFrom?.secretKeyRef &&
              (superuserSecrets.has(`${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`) ||
                superuserPasswords.has(secretValue(e.valueFrom.secretKeyRef))),
          );
          const name = env.some(
            e =>
              /USER$/.test(e.name) &&
              (superuserNames.has(e.value) || e.valueFrom?.configMapKeyRef?.key === 'POSTGRES_USER'),
          );
          const envFrom = (container.envFrom ?? []).some((source: any) =>
            [...superuserSecrets].some(ref => ref.startsWith(`${source.secretRef?.name}/`)),
          );
          if (password || envFrom || name) {
            holders.push(`${object.kind}/${object.metadata.name ?? object.metadata.generateName}: ${container.name}`);
          }
        }
      }
      expect(containers).toBeGreaterThan(3);
      const isAllowed = (holder: string) =>
        ALLOWED.some(allowed =>
          new RegExp(`^${allowed.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace('*', '[0-9a-f]+')}$`).test(holder),
        );
      expect(holders.filter(holder => !isAllowed(holder))).toEqual([]);
      if (stageConfig(stage).database.workload === DatabaseWorkload.CLOUDNATIVE_PG) {
        // CloudNativePG: no superuser access at all; every client is the Cluster's owner.
        expect(holders).toEqual([]);
        expect(objects.find(o => o.kind === 'Cluster').spec.enableSuperuserAccess).toBe(false);
      } else {
        expect(holders.sort()).toEqual([
          expect.stringMatching(/^Job\/postgres-roles-[0-9a-f]{4}: roles$/),
          'StatefulSet/postgres: postgres',
        ]);
      }
    },
  );
});
