import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
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

  test('holds one folder per stage (objects in manifests/, in apply order, the kustomization beside it, the restore Job in on-demand/) and gitops/', () => {
    const stageFiles = ['manifests/0000-database.k8s.yaml', 'manifests/0001-app.k8s.yaml', 'manifests/0002-ingress.k8s.yaml', 'kustomization.yaml'];
    // The restore Job of the dumps; a CloudNativePG cluster recovers through its own bootstrap instead.
    const restoreJob = (stage: string) => (stageConfig(stage).database.workload === DatabaseWorkload.CLOUDNATIVE_PG ? [] : ['on-demand/postgres-restore.k8s.yaml']);
    expect([...fresh.keys()].sort()).toEqual([
      ...stageNames().flatMap(stage => [...stageFiles, ...restoreJob(stage)].map(file => path.join(stage, file))),
      ...['argocd', 'flux'].flatMap(tool => stageNames().map(stage => path.join('gitops', tool, `${stage}.k8s.yaml`))),
    ].sort());
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
