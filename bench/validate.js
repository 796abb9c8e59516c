// Validation throughput on generated sets of 1,000 and 10,000 objects, with the fixed start-up cost apart.
const { execSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { interleavedMedianSeconds, median, target } = require('./stats');

const root = path.join(__dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-validate-'));
const bundleDir = path.join(root, '.bench');
fs.mkdirSync(bundleDir, { recursive: true });
const runs = Number(process.env.BENCH_RUNS ?? 3);

// The validator's modules as `cdk8s synth` loads them (dist/index.js), and its CLI (dist/cli.js).
execSync('npm run --silent build', { cwd: root });
const library = path.join(root, 'packages', 'validator', 'dist', 'index.js');

const { stringify } = require(path.join(root, 'node_modules', 'yaml'));
const toYaml = docs => docs.map(d => stringify(d, { aliasDuplicateObjects: false })).join('---\n');

/**
 * A realistic set, written as kubectl, Helm and cdk8s write YAML (no anchors or aliases): per app a ConfigMap, Secret,
 * Deployment, Service and PodDisruptionBudget; 20 apps a namespace.
 */
function generate(objects) {
  const dir = path.join(work, `set-${objects}`);
  fs.mkdirSync(dir);
  const apps = Math.floor(objects / 5);
  let docs = [];
  let file = 0;
  const flush = () => {
    fs.writeFileSync(path.join(dir, `${String(file++).padStart(4, '0')}.yaml`), toYaml(docs));
    docs = [];
  };
  for (let app = 0; app < apps; app++) {
    docs.push(...appDocs(app));
    if (docs.length >= 50) {
      flush();
    }
  }
  if (docs.length > 0) {
    flush();
  }
  return dir;
}

/**
 * The objects of app number `app` (and its namespace, for every 20th app). `latest`: its image is untagged, which
 * the validator reports (image-tag) with the line of the field.
 */
function appDocs(app, latest = false) {
  const docs = [];
  const namespace = `team-${Math.floor(app / 20)}`;
  const name = `app-${app}`;
  const labels = { 'app.kubernetes.io/name': name };
  if (app % 20 === 0) {
    docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  }
  docs.push(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data: { LOG_LEVEL: 'info' } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, labels },
      type: 'Opaque',
      data: { TOKEN: 'czNjcjN0' },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'app',
                image: latest ? 'registry.example.com/app' : 'registry.example.com/app:1.0.0',
                ports: [{ name: 'http', containerPort: 8080 }],
                env: [
                  { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name, key: 'LOG_LEVEL' } } },
                  { name: 'TOKEN', valueFrom: { secretKeyRef: { name, key: 'TOKEN' } } },
                ],
                readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
                livenessProbe: { httpGet: { path: '/live', port: 'http' } },
                resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name, namespace, labels },
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    },
  );
  return docs;
}

// Measured on this machine (2 cores) at commit 24c2b1e, before the schemas were compiled at build time and files
// were read by js-yaml, with this same bench: the figures the issue compares against.
const BEFORE = {
  oneObject: 0.152,
  inProcess: 0.375,
  objects1000: 0.6,
  objects10000: 2.262,
  crdsFirst: 0.469,
  crdsCached: 0.469,
};

// In a fresh process: loading the validator and checking a first file (50 objects), apart from validation proper.
const probe = `
  const t0 = process.hrtime.bigint();
  const v = require(${JSON.stringify(library)});
  const warm = v.validatePaths([process.argv[2] + '/0000.yaml']);
  const t1 = process.hrtime.bigint();
  const report = v.validatePaths([process.argv[2]]);
  const t2 = process.hrtime.bigint();
  if (report.errors + report.warnings > 0) { console.error(v.formatText([report]).slice(0, 2000)); process.exit(1); }
  console.log(JSON.stringify({
    startup: Number(t1 - t0) / 1e9, validate: Number(t2 - t1) / 1e9, objects: report.objectCount, files: report.files.length,
  }));
`;
fs.writeFileSync(path.join(bundleDir, 'probe.js'), probe);

const cache = path.join(work, 'cache');
const cli = (args, env = {}) => {
  const start = process.hrtime.bigint();
  execSync(`node packages/validator/dist/cli.js ${args}`, {
    cwd: root,
    stdio: 'pipe',
    env: { ...process.env, MANIFEST_VALIDATOR_CACHE: cache, ...env },
  });
  return Number(process.hrtime.bigint() - start) / 1e9;
};
const medianOf = (count, sample) => median(Array.from({ length: count }, sample));
const row = (label, before, now) =>
  console.log(
    `  ${label.padEnd(62)} ${before === undefined ? '       ' : `${before.toFixed(3)} s`}   ${now.toFixed(3)} s`,
  );

console.log(
  `\nValidation (median seconds of ${runs}+ runs, ${os.cpus().length} cores, Kubernetes 1.27.1 and 1.36.0 schemas; ` +
    'MANIFEST_VALIDATOR_CACHE in a temporary folder)',
);
console.log(`  ${''.padEnd(62)} before    now`);
let ok = true;
const oneObject = path.join(work, 'one-object.yaml');
fs.writeFileSync(oneObject, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  LOG_LEVEL: info\n');
const coldStart = cli(oneObject, { MANIFEST_VALIDATOR_CACHE: path.join(work, 'empty-cache') });
const startup = medianOf(Math.max(runs, 11), () => cli(oneObject));
const floor = medianOf(Math.max(runs, 11), () => {
  const start = process.hrtime.bigint();
  execSync('node -e 0');
  return Number(process.hrtime.bigint() - start) / 1e9;
});
row('start-up: whole CLI on 1 object (V8 code cache warm)', BEFORE.oneObject, startup);
row('  the same, first run (no code cache yet)', undefined, coldStart);
row("  node -e 0 (Node's own start, the floor)", undefined, floor);
ok = target('start-up, whole CLI on 1 object', startup, 0.1, ' s') && ok;

for (const size of [1000, 10000]) {
  const dir = generate(size);
  const samples = [];
  const walls = [];
  for (let i = 0; i < runs; i++) {
    samples.push(
      JSON.parse(
        execSync(`node ${bundleDir}/probe.js ${dir}`, {
          encoding: 'utf8',
          env: { ...process.env, MANIFEST_VALIDATOR_CACHE: cache },
        }),
      ),
    );
    walls.push(cli(dir));
  }
  const { objects, files } = samples[0];
  const validate = median(samples.map(s => s.validate));
  if (size === 1000) {
    row(
      'in-process: load the validator + first file (50 objects)',
      BEFORE.inProcess,
      median(samples.map(s => s.startup)),
    );
  }
  row(
    `${objects} objects in ${files} files, whole CLI (${Math.round(objects / validate)}/s in-process)`,
    size === 1000 ? BEFORE.objects1000 : BEFORE.objects10000,
    median(walls),
  );
  if (size === 10000) {
    ok = target('10,000 objects, whole CLI run', median(walls), 1.5, ' s') && ok;
  }
}

// Findings need lines, which only the `yaml` library knows; it reads again just the documents that have findings.
// One file of ~60,000 objects, with 1,000 findings (one Deployment in 12 with an untagged image) and without.
{
  const apps = 12000;
  const clean = path.join(work, 'objects-60000.yaml');
  const withFindings = path.join(work, 'objects-60000-findings-1000.yaml');
  fs.writeFileSync(clean, toYaml(Array.from({ length: apps }, (_, app) => appDocs(app)).flat()));
  fs.writeFileSync(withFindings, toYaml(Array.from({ length: apps }, (_, app) => appDocs(app, app % 12 === 0)).flat()));
  const [without, withThem] = interleavedMedianSeconds(
    [clean, withFindings].map(file => ({ command: `node packages/validator/dist/cli.js ${file}`, cwd: root })),
    { runs, env: { MANIFEST_VALIDATOR_CACHE: cache } },
  );
  const objects = apps * 5 + apps / 20;
  row(`${objects} objects in 1 file, whole CLI, no findings`, undefined, without);
  row(`  the same file with 1,000 findings (untagged images), whole CLI`, undefined, withThem);
  ok = target('1,000 findings in 60,000 objects / none', withThem / without, 2, 'x') && ok;
}

// Custom resources: dist/gitops/ against crds/ (Argo CD's 416 KB Application CRD and two of Flux's).
const gitops = `--crd crds --namespace-exists argocd --namespace-exists flux-system dist/gitops`;
const crdsFirst = medianOf(runs, () => {
  fs.rmSync(path.join(work, 'crd-cache'), { recursive: true, force: true });
  return cli(gitops, { MANIFEST_VALIDATOR_CACHE: path.join(work, 'crd-cache') });
});
const crdsCached = medianOf(runs, () => cli(gitops, { MANIFEST_VALIDATOR_CACHE: path.join(work, 'crd-cache') }));
row('dist/gitops/ against crds/, first run (compiles the CRDs)', BEFORE.crdsFirst, crdsFirst);
row('dist/gitops/ against crds/, later runs (CRD code cached)', BEFORE.crdsCached, crdsCached);
fs.rmSync(work, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
