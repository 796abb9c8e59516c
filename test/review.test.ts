import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { runDiffCli } from '@stateful-todo/manifest-validator';
import { parse } from 'yaml';

import { STAGES } from '../lib/config';

import { bundleMain } from './support/main-bundle';

// `npm run diff` on real changes to the stack's config, made as a reviewer's colleague makes them: `npm run
// synth:stage -- STAGE --set …` into a rehearsal folder, compared with the committed dist/.
const ROOT = path.join(__dirname, '..');
const BUNDLE = bundleMain('main-under-review-test');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-'));

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

/** Synthesizes the stages named, with settings changed by `--set`, into a new folder of its own. */
function rehearse(stages: string[], ...sets: string[]): string {
  const folder = fs.mkdtempSync(path.join(outdir, 'case-'));
  const result = spawnSync(process.execPath, [BUNDLE, ...stages, ...sets.flatMap(set => ['--set', set])], {
    cwd: ROOT,
    env: { ...process.env, CDK8S_OUTDIR: folder },
    encoding: 'utf8',
  });
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  return folder;
}

/** `npm run diff` as the command line runs it, from the repository's root. */
function diff(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runDiffCli(
    args,
    text => out.push(text),
    text => err.push(text),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function json(...args: string[]) {
  const result = diff('--format', 'json', ...args);
  expect(result.err).toBe('');
  return { code: result.code, report: JSON.parse(result.out) };
}

const objectsOf = (report: any, stage: string): any[] => report.stages.find((s: any) => s.stage === stage).objects;

describe('npm run diff, on real changes to the stack', () => {
  test('the committed dist/ against itself: no change, exit 0', () => {
    const { code, out } = diff('--against', 'dist');
    expect(out).toBe(
      [
        'Against the folder dist:',
        '',
        'dev: no change',
        '',
        'gitops: no change',
        '',
        'ha: no change',
        '',
        'prod: no change',
        '',
        '0 objects the API server refuses, 0 delete or orphan data, 0 roll pods, 0 with no effect on running pods',
      ].join('\n'),
    );
    expect(code).toBe(0);
  });

  test('a new app image rolls the app pods, says which workload and why, and exits 0', () => {
    const { code, report } = json(
      '--dist',
      rehearse(['dev'], 'app.image=ghcr.io/stateful-todo/todo-service:0.2.0'),
      '--against',
      'dist',
      'dev',
    );
    const deployment = objectsOf(report, 'dev').find(o => o.kind === 'Deployment');
    expect(deployment).toMatchObject({
      change: 'changed',
      object: 'Deployment stateful-namespace/stateful-flask',
      effect: 'rolls-pods',
      rollsPods: expect.stringMatching(/^its pod template changed: .*containers\[app\]\.image/),
    });
    expect(deployment.fields).toContainEqual({
      path: 'spec.template.spec.containers[app].image',
      before: STAGES.dev.app?.image,
      after: 'ghcr.io/stateful-todo/todo-service:0.2.0',
    });
    expect(objectsOf(report, 'dev').filter(o => o.effect === 'refused' || o.effect === 'deletes-data')).toEqual([]);
    expect(report.needsAPerson).toBe(false);
    expect(code).toBe(0);
  });

  test('a new CloudNativePG image rolls the instances: the operator restarts them, the primary last; exit 0', () => {
    const { code, report } = json(
      '--dist',
      rehearse(['ha'], 'database.image=ghcr.io/cloudnative-pg/postgresql:17.12-standard-trixie'),
      '--against',
      'dist',
      'ha',
    );
    const cluster = objectsOf(report, 'ha').find(o => o.kind === 'Cluster');
    expect(cluster).toMatchObject({
      object: 'Cluster postgres/postgres',
      effect: 'rolls-pods',
      rollsPods: 'CloudNativePG restarts the instances one by one, the primary last (switchover), for spec.imageName',
    });
    expect(cluster.fields).toContainEqual({
      path: 'spec.imageName',
      before: STAGES.ha.database?.image,
      after: 'ghcr.io/cloudnative-pg/postgresql:17.12-standard-trixie',
    });
    expect(code).toBe(0);
  });

  test('a larger database volume is refused because of the claim template, with the one-time step; exit 1', () => {
    const { code, report } = json(
      '--dist',
      rehearse(['prod'], 'database.storageSize=10Gi'),
      '--against',
      'dist',
      'prod',
    );
    const refused = objectsOf(report, 'prod').filter(o => o.effect === 'refused');
    expect(refused).toEqual([
      expect.objectContaining({
        object: 'StatefulSet postgres/postgres',
        fields: [
          {
            path: 'spec.volumeClaimTemplates[0].spec.resources.requests.storage',
            before: STAGES.prod.database?.storageSize,
            after: '10Gi',
          },
        ],
        refused: [
          {
            path: 'spec.volumeClaimTemplates[0].spec.resources.requests.storage',
            step: expect.stringMatching(
              /^a claim template cannot change: expand the existing claim \(kubectl patch pvc\), orphan-delete the StatefulSet/,
            ),
          },
        ],
      }),
    ]);
    expect(code).toBe(1);
  });

  test('a removed stage: its namespaces, claims and GitOps objects are flagged as deleting or orphaning data; exit 1', () => {
    const { code, report } = json('--dist', rehearse(['prod', 'ha']), '--against', 'dist');
    const dev = objectsOf(report, 'dev');
    expect(dev.every(o => o.change === 'removed')).toBe(true);
    const data = (stage: string) =>
      objectsOf(report, stage)
        .filter(o => o.effect === 'deletes-data')
        .map(o => o.object);
    expect(data('dev')).toEqual([
      'Namespace postgres',
      'Namespace stateful-namespace',
      'PersistentVolumeClaim postgres/postgres-backups',
      'StatefulSet postgres/postgres',
    ]);
    expect(dev.find(o => o.object === 'Namespace postgres').data).toBe(
      "namespace 'postgres' is gone from the new version: its annotations keep Argo CD and Flux from pruning it, so it stays with " +
        'its data, unmanaged; kubectl apply --prune still deletes it and everything in it',
    );
    expect(data('gitops')).toEqual([
      'Application argocd/stateful-todo-dev',
      'Kustomization flux-system/stateful-todo-dev',
    ]);
    expect(objectsOf(report, 'prod')).toEqual([]);
    expect(code).toBe(1);
  });

  test('a new dev password: the Secret is changed, and no value is printed in any format', () => {
    const dist = rehearse(['dev'], 'database.credentials={"source":"dev-generated","password":"another-dev-password"}');
    const secrets = ['dev-only-password-not-for-production', 'another-dev-password'].flatMap(password => [
      password,
      Buffer.from(password).toString('base64'),
    ]);
    for (const format of ['text', 'json', 'markdown']) {
      const { out, code } = diff('--format', format, '--dist', dist, '--against', 'dist', 'dev');
      expect(code).toBe(0);
      for (const secret of secrets) {
        expect({ format, leaks: out.includes(secret) }).toEqual({ format, leaks: false });
      }
    }
    const { report } = json('--dist', dist, '--against', 'dist', 'dev');
    const changedSecrets = objectsOf(report, 'dev').filter(o => o.kind === 'Secret');
    expect(changedSecrets.map(o => [o.object, o.effect, o.fields])).toEqual([
      ['Secret postgres/postgres-credentials', 'no-effect', [{ path: 'data.POSTGRES_PASSWORD', hidden: true }]],
      [
        'Secret postgres/postgres-roles',
        'no-effect',
        ['BACKUP', 'EXPORTER', 'OWNER', 'SERVICE'].map(role => ({ path: `data.${role}_PASSWORD`, hidden: true })),
      ],
      [
        'Secret stateful-namespace/stateful-flask-db-credentials',
        'no-effect',
        [{ path: 'data.DB_PASSWORD', hidden: true }],
      ],
      [
        'Secret stateful-namespace/stateful-flask-migration-credentials',
        'no-effect',
        [{ path: 'data.DB_PASSWORD', hidden: true }],
      ],
    ]);
    expect(diff('--dist', dist, '--against', 'dist', 'dev').out).toContain(
      'data.POSTGRES_PASSWORD: changed (a Secret value: not shown)',
    );
  });

  test('markdown: a heading per stage, a bold title per group, a list item per object and field', () => {
    const { out } = diff(
      '--format',
      'markdown',
      '--dist',
      rehearse(['prod'], 'database.storageSize=10Gi'),
      '--against',
      'dist',
      'prod',
    );
    expect(out).toMatch(
      new RegExp(
        [
          /^## What this change does to the cluster\n/,
          /\nAgainst the folder dist\.\n/,
          /\n### `prod`: \d+ changed, \d+ added, \d+ removed\n/,
          /\n\*\*The API server refuses \(1\)\*\*\n/,
          /\n- ~ `StatefulSet postgres\/postgres`\n/,
        ]
          .map(line => line.source)
          .join(''),
      ),
    );
    expect(out).toContain(
      `\n  - \`spec.volumeClaimTemplates[0].spec.resources.requests.storage\`: \`"${STAGES.prod.database?.storageSize}"\` → \`"10Gi"\`\n`,
    );
    expect(out.split('\n').pop()).toBe(
      '**1 object the API server refuses, 0 delete or orphan data, 0 roll pods, 0 with no effect on running pods: a ' +
        'person must act before this is applied**',
    );
  });
});

describe('npm run diff, bad usage: exit 2 and what to do', () => {
  test.each([
    [['--format', 'yaml'], /^--format must be text, json or markdown, got 'yaml'/],
    [
      ['--against', 'dist', 'staging'],
      /^no stage 'staging' in dist or in the folder dist; the stages are dev, gitops, ha, prod$/,
    ],
    [
      ['--against', 'no-such-revision'],
      /^--against: 'no-such-revision' is neither a folder nor a commit, branch or tag of this repository/,
    ],
    [
      ['--dist', 'no-such-folder', '--against', 'dist'],
      /^--dist: 'no-such-folder' is not a folder; synthesize first \(npm run synth\)/,
    ],
    [['--colour'], /^Unknown option '--colour'/],
  ])('%j', (args, message) => {
    const { code, out, err } = diff(...args);
    expect({ code, out }).toEqual({ code: 2, out: '' });
    expect(err).toMatch(message);
  });

  test('against a revision: its dist/, stage by stage, named with its commit', () => {
    const { code, out, err } = diff('--against', 'HEAD');
    expect(err).toBe('');
    expect(out).toMatch(/^Against HEAD \([0-9a-f]{7}\):\n\ndev: [^\n]*\n[\s\S]*\ngitops: [\s\S]*\nha: [\s\S]*\nprod: /);
    const distAsCommitted = spawnSync('git', ['diff', '--quiet', 'HEAD', '--', 'dist'], { cwd: ROOT }).status === 0;
    if (distAsCommitted) {
      expect(code).toBe(0);
    }
  });

  test('by default, against the merge base with the default branch (or exit 2 and what to give, where there is none)', () => {
    const { code, out, err } = diff();
    if (code === 2) {
      expect(err).toMatch(
        new RegExp(
          String.raw`^no default branch to compare with: none of origin\/HEAD, origin\/main, origin\/master, main, ` +
            String.raw`master .*give --against REF or --against FOLDER$`,
        ),
      );
    } else {
      expect(out).toMatch(/^Against the merge base with (origin\/)?\w+ \([0-9a-f]{7}\):\n/);
    }
  });
});

describe('README, "Reviewing a change"', () => {
  test('its example is the real output of its own commands', () => {
    const section = README.slice(README.indexOf('## Reviewing a change'));
    const block =
      /```\n\$ (CDK8S_OUTDIR=(\S+) npm run synth:stage -- (\w+) (.*))\n\$ npm run diff -- (.*)\n…\n([\s\S]*?)\n```/.exec(
        section,
      );
    expect(block).not.toBeNull();
    const [, , folder, stage, sets, diffArgs, shown] = block!;
    const changes = [...sets.matchAll(/--set (\S+)/g)].map(m => m[1]);
    expect(changes).toEqual(['database.image=postgres:17.7-bookworm', 'database.storageSize=10Gi']);
    const dist = rehearse([stage], ...changes);
    const args = diffArgs.split(' ').map(arg => (arg === folder ? dist : arg));
    expect(args).toContain(dist);
    const { code, out } = diff(...args);
    expect(shown).toBe(out);
    expect(code).toBe(1);
    expect(section).toContain('exits 1');
  });
});

describe('the pull-request workflow (.github/workflows/review.yaml), which cannot run here', () => {
  const workflow = parse(fs.readFileSync(path.join(ROOT, '.github', 'workflows', 'review.yaml'), 'utf8'));
  const job = workflow.jobs.review;
  const steps: any[] = job.steps;
  const step = (name: RegExp) => {
    const found = steps.filter(s => name.test(`${s.name ?? ''} ${s.uses ?? ''}`));
    expect(found).toHaveLength(1);
    return found[0];
  };

  test('runs on pull requests, with least permissions: read the code, write code scanning alerts, nothing else', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(job.permissions).toEqual({ contents: 'read', 'security-events': 'write' });
    expect(job['timeout-minutes']).toBeLessThanOrEqual(30);
  });

  test('installs exactly the lock file and downloads nothing else', () => {
    const runs = steps.map(s => s.run ?? '').join('\n');
    expect(step(/Install/).run).toBe('npm ci');
    expect(runs).not.toMatch(/npm (install|i) |curl|wget|npx (?!cdk8s)/);
    expect(steps.map(s => s.uses).filter(Boolean)).toEqual([
      'actions/checkout@v4',
      'actions/setup-node@v4',
      'github/codeql-action/upload-sarif@v3',
    ]);
    // The base branch's dist/ must be in the clone for npm run diff.
    expect(step(/actions\/checkout/).with['fetch-depth']).toBe(0);
  });

  test('checks the committed dist/ against a fresh synth, new files included', () => {
    const run: string = step(/committed dist/).run;
    expect(run).toMatch(/^npm run synth\ngit diff --exit-code -- dist\n/);
    expect(run).toContain('git ls-files --others --exclude-standard -- dist');
  });

  test('validates dist/ as SARIF, uploads it even when the validator fails, and then fails the job', () => {
    const validate = step(/^Validate/);
    const [, file] = /^npm run --silent validate -- --format sarif > (\S+)$/.exec(validate.run)!;
    expect(validate['continue-on-error']).toBe(true);
    const upload = step(/upload-sarif/);
    expect(upload).toMatchObject({ if: 'always()', with: { sarif_file: file } });
    const fail = step(/Fail on validator errors/);
    expect(fail.if).toBe(`steps.${validate.id}.outcome == 'failure'`);
    expect(fail.run).toMatch(/exit 1\n?$/);
    expect(steps.indexOf(upload)).toBeGreaterThan(steps.indexOf(validate));
    expect(steps.indexOf(fail)).toBe(steps.length - 1);
  });

  test('writes npm run diff as markdown, against the base branch, into the job summary; a change that needs a person is flagged', () => {
    const diffStep = step(/job summary/);
    expect(diffStep.run).toBe(
      'npm run --silent diff -- --against "origin/$BASE_REF" --format markdown >> "$GITHUB_STEP_SUMMARY"',
    );
    // The branch name reaches the shell as an environment variable, never spliced into the script.
    expect(diffStep.env).toEqual({ BASE_REF: '${{ github.base_ref }}' });
    expect(steps.filter(s => /\$\{\{/.test(s.run ?? ''))).toEqual([]);
    expect(step(/needs a person/).if).toBe(`steps.${diffStep.id}.outcome == 'failure'`);
  });

  test('runs only scripts that package.json has, and the README names the workflow', () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
    const used = [
      ...new Set(
        [
          ...steps
            .map(s => s.run ?? '')
            .join('\n')
            .matchAll(/npm run (?:--silent )?([\w:]+)/g),
        ].map(m => m[1]),
      ),
    ];
    expect(used.sort()).toEqual(['diff', 'synth', 'validate']);
    for (const script of used) {
      expect(scripts[script]).toBeDefined();
    }
    expect(README).toContain('.github/workflows/review.yaml');
  });
});
