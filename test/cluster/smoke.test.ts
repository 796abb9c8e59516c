import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { parse } from 'yaml';

import { stageConfig } from '../../lib/config';
import { tempFolder } from '../support/temp-folders';

// `npm run test:cluster` cannot run here (no cluster): these tests hold it to the README and to its own contract.
const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'test', 'cluster', 'smoke.sh');
const script = fs.readFileSync(SCRIPT, 'utf8');
// The script as bash reads it: a command continued over lines (`\` at a line's end) is one line, as in the README.
const scriptCommands = script.replace(/ \\\n\s*/g, ' ');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/**
 * A kubectl that answers from its environment instead of a cluster, and logs every call (one line each) to
 * FAKE_KUBECTL_LOG: `api-resources` prints FAKE_API_RESOURCES, `get nodes` FAKE_NODES (name|unschedulable|Ready|
 * taint effects, one node a line, as the script's jsonpath prints them), `diff` exits FAKE_DIFF_STATUS,
 * `get statefulset|deployment` prints FAKE_GENERATION (the second apply bumps it when FAKE_APPLY_BUMPS is set), and
 * `apply` fails unless FAKE_APPLY_PASSES is set, which stops the script right after its checks.
 */
const FAKE_KUBECTL = `#!/usr/bin/env bash
echo "$*" >>"$FAKE_KUBECTL_LOG"
case "$*" in
  "config current-context") echo fake-context ;;
  version*) echo "Client Version: fake" ;;
  api-resources*) printf '%s\\n' "\${FAKE_API_RESOURCES:-}" ;;
  "get nodes"*) printf '%b' "\${FAKE_NODES:-}" ;;
  diff*) echo "diff output"; exit "\${FAKE_DIFF_STATUS:-0}" ;;
  *"get statefulset"*|*"get deployment"*)
    if [ -n "\${FAKE_APPLY_BUMPS:-}" ] && [ "$(grep -c '^apply' "$FAKE_KUBECTL_LOG")" -gt 0 ]; then echo 2; else echo 1; fi ;;
  apply*) [ -n "\${FAKE_APPLY_PASSES:-}" ] || { echo "fake kubectl: no cluster to apply to" >&2; exit 1; } ;;
esac
`;

interface FakeRun {
  status: number | null;
  stdout: string;
  stderr: string;
  calls: string[];
}

/** Runs `command` (bash) in the project with the fake kubectl first on PATH and `env` for it. */
function withFakeKubectl(command: string[], env: Record<string, string>): FakeRun {
  const folder = tempFolder('fake-kubectl-');
  fs.writeFileSync(path.join(folder, 'kubectl'), FAKE_KUBECTL, { mode: 0o755 });
  const log = path.join(folder, 'calls.log');
  fs.writeFileSync(log, '');
  const run = spawnSync('bash', command, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: `${folder}:${process.env.PATH}`, HOME: folder, TMPDIR: os.tmpdir(), FAKE_KUBECTL_LOG: log, ...env },
  });
  return {
    status: run.status,
    stdout: run.stdout,
    stderr: run.stderr,
    calls: fs.readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}

/** The text of shell function `name` in smoke.sh, to run on its own. */
function scriptFunction(name: string): string {
  const match = new RegExp(`^${name}\\(\\) \\{(?: .*\\}$|\\n[\\s\\S]*?^\\}$)`, 'm').exec(script);
  expect(match).not.toBeNull();
  return match![0];
}

/** The command lines of the README's `sh` blocks in the sections named. */
function readmeCommands(...sections: string[]): string[] {
  return sections.flatMap(section => {
    const start = readme.indexOf(`### ${section}`);
    expect(start).toBeGreaterThan(0);
    const end = readme.indexOf('\n### ', start + 4);
    const text = readme.slice(start, end < 0 ? undefined : end);
    return [...text.matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap(m => m[1].split('\n'))
      .map(line => line.replace(/\s+#.*$/, '').trim())
      .filter(line => line.startsWith('kubectl') || line.startsWith('NODE=') || line.startsWith('npm run'));
  });
}

describe('npm run test:cluster', () => {
  test('is valid bash', () => {
    expect(spawnSync('bash', ['-n', SCRIPT], { encoding: 'utf8' }).status).toBe(0);
  });

  test("refuses the CloudNativePG stage, whose checks are the README's, before touching any cluster", () => {
    const run = spawnSync('bash', [SCRIPT], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, STAGE: 'ha', KUBECONFIG: '/nonexistent' },
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      'stage ha runs CloudNativePG, which this test does not cover: check it with the steps of the README\'s "The CloudNativePG workload"',
    );
    expect(readme).toContain('### The CloudNativePG workload');
  });

  test("runs the README's deploy, check, prune and drain commands, as written", () => {
    const commands = readmeCommands('kubectl', "Draining the database's node", 'Backups and restore');
    expect(commands.length).toBeGreaterThanOrEqual(11);
    for (const command of commands) {
      expect({ command, inScript: scriptCommands.includes(command) }).toEqual({ command, inScript: true });
    }
  });

  test("runs the README's backup and restore commands, as written", () => {
    const start = readme.indexOf('### Backups and restore');
    const lines = readme
      .slice(start, readme.indexOf('\n### ', start + 4))
      .split('\n')
      .filter(line => line.startsWith('JOB=') || line.startsWith('kubectl'));
    expect(lines.length).toBe(7);
    for (const line of lines.filter(l => !l.includes('todo-2026'))) {
      expect({ line, inScript: script.includes(line.replace(/\s+#.*$/, '')) }).toEqual({ line, inScript: true });
    }
  });

  test("runs the README's orphan-delete step of a claim-template change, as written", () => {
    const line = readme.split('\n').find(l => l.includes('delete statefulset postgres --cascade=orphan'))!;
    expect(script).toContain(line.replace(/\s+#.*$/, '').trim());
  });

  test('runs the upgrade check before it applies an upgraded stage', () => {
    expect(readme).toContain('npm run validate -- --against HEAD');
    expect(script).toMatch(
      new RegExp(
        String.raw`npm run --silent validate -- "\$WORK\/upgraded\/\$STAGE" --against "dist\/\$STAGE"[^\n]*\nkubectl ` +
          String.raw`apply -f "\$WORK\/upgraded\/\$STAGE\/manifests\/"`,
      ),
    );
  });

  test('refuses to run without a kubectl context, and says what it needs', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'no-kube-'));
    try {
      const result = spawnSync('bash', [SCRIPT], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: home },
      });
      expect(result.status).toBe(2);
      expect(`${result.stderr}`).toMatch(
        /npm run test:cluster (runs against the current kubectl context, and there is none|needs kubectl)/,
      );
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  test('bounds every wait and never deletes a Namespace or a claim', () => {
    const lines = script.replace(/\\\n\s*/g, ' ').split('\n');
    for (const line of lines.filter(l => /kubectl .*(rollout status|wait |drain |delete )/.test(l))) {
      expect({ line, bounded: /--timeout=\d+m/.test(line) }).toEqual({ line, bounded: true });
    }
    const deletions = lines.filter(l => /kubectl (-n \S+ )?delete /.test(l)).join('\n');
    expect(deletions).not.toMatch(/namespace|pvc|persistentvolume/i);
  });

  test('checks that the cluster serves PodMonitors before it applies prod, names the CRD and how to install it; the README lists it', () => {
    const run = withFakeKubectl([SCRIPT], {
      STAGE: 'prod',
      FAKE_API_RESOURCES: 'alertmanagers.monitoring.coreos.com\nprometheuses.monitoring.coreos.com',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("the Prometheus Operator's\nCRD podmonitors.monitoring.coreos.com is missing");
    expect(run.stderr).toContain(
      'kubectl apply --server-side -f crds/prometheus-operator-v0.93.0/monitoring.coreos.com_podmonitors.yaml',
    );
    expect(
      fs.existsSync(path.join(ROOT, 'crds', 'prometheus-operator-v0.93.0', 'monitoring.coreos.com_podmonitors.yaml')),
    ).toBe(true);
    expect(run.calls).toContain('api-resources --api-group=monitoring.coreos.com -o name --request-timeout=20s');
    expect(run.calls.filter(call => call.startsWith('apply'))).toEqual([]);

    const served = withFakeKubectl([SCRIPT], {
      STAGE: 'prod',
      FAKE_API_RESOURCES: 'podmonitors.monitoring.coreos.com\nprometheuses.monitoring.coreos.com',
    });
    expect(served.calls).toContain('apply -f dist/prod/manifests/');
    // dev has no PodMonitor: the script does not ask.
    const dev = withFakeKubectl([SCRIPT], { STAGE: 'dev' });
    expect(dev.calls.filter(call => call.startsWith('api-resources'))).toEqual([]);
    expect(dev.calls).toContain('apply -f dist/dev/manifests/');

    const needs = readme.slice(readme.indexOf('### What the output needs'), readme.indexOf('### Prod Secrets'));
    expect(needs).toMatch(
      /\| Prometheus Operator's PodMonitor CRD \|[^\n]*`podmonitors\.monitoring\.coreos\.com`[^\n]*prod/,
    );
  });

  describe('with CLUSTER_TEST_DRAIN=1, skips the drain where the disruption budgets would block it, and says so up front', () => {
    const ready = (name: string, effects = '') => `${name}||True|${effects}\\n`;
    test.each([
      ['prod on a single node', 'prod', ready('kind-control-plane'), true],
      [
        'prod on a control plane (NoSchedule) and one worker',
        'prod',
        ready('cp', 'NoSchedule') + ready('worker'),
        true,
      ],
      ['prod beside a cordoned node and a NotReady one', 'prod', ready('a') + 'b|true|True|\\n' + 'c||False|\\n', true],
      [
        'prod on two workers (one tainted PreferNoSchedule only)',
        'prod',
        ready('a', 'PreferNoSchedule') + ready('b'),
        false,
      ],
      ['dev (no budgets) on a single node', 'dev', ready('kind-control-plane'), false],
    ])('%s', (_, stage, nodes, skipped) => {
      const run = withFakeKubectl([SCRIPT], {
        STAGE: stage,
        CLUSTER_TEST_DRAIN: '1',
        FAKE_NODES: nodes,
        FAKE_API_RESOURCES: 'podmonitors.monitoring.coreos.com',
      });
      const message = `CLUSTER_TEST_DRAIN=1: step 8 will be skipped: stage ${stage} has PodDisruptionBudgets and its pods have no node to go to`;
      expect(run.stdout.includes(message)).toBe(skipped);
      // Said before anything is applied.
      expect(run.calls).toContain(`apply -f dist/${stage}/manifests/`);
    });

    test('and skips step 8, naming why, where the drained node turns out to be the only one', () => {
      expect(script).toMatch(
        /if \[ -n "\$DRAIN_SKIPPED" \]; then\n {2}say "8\. drain: SKIPPED, \$DRAIN_SKIPPED"\nelif/,
      );
      expect(script).toContain('DRAIN_SKIPPED="$(drain_blocker "$NODE")"');
      expect(readme).toMatch(/single-node cluster[^.]*prod[^.]*skip/i);
    });
  });

  describe("judges a re-apply with kubectl diff, not with apply's output", () => {
    const check = (env: Record<string, string>) =>
      withFakeKubectl(
        [
          '-c',
          [
            'set -euo pipefail',
            'STAGE=prod',
            'WORK="$(mktemp -d)"',
            'trap \'rm -rf "$WORK"\' EXIT',
            scriptFunction('fail'),
            scriptFunction('workload_generations'),
            scriptFunction('expect_no_changes'),
            'expect_no_changes',
          ].join('\n'),
        ],
        { FAKE_APPLY_PASSES: '1', ...env },
      );

    test('no difference (exit 0) and no generation moved: passes, and applies once', () => {
      const run = check({ FAKE_DIFF_STATUS: '0' });
      expect(run.stdout).toContain('kubectl diff: no differences');
      expect(run.status).toBe(0);
      expect(run.calls.filter(call => call.startsWith('diff') || call.startsWith('apply'))).toEqual([
        'diff -f dist/prod/manifests/',
        'apply -f dist/prod/manifests/',
      ]);
    });

    test('differences (exit 1): fails, shows them, and does not apply', () => {
      const run = check({ FAKE_DIFF_STATUS: '1' });
      expect(run.status).toBe(1);
      expect(run.stdout).toContain('diff output');
      expect(run.stderr).toContain(
        'FAILED: kubectl diff found differences between dist/prod/manifests/ and the cluster',
      );
      expect(run.calls.filter(call => call.startsWith('apply'))).toEqual([]);
    });

    test('kubectl diff itself failing (exit 2) is a failure, not a pass', () => {
      const run = check({ FAKE_DIFF_STATUS: '2' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('FAILED: kubectl diff failed (exit 2)');
    });

    test("an apply that moves a workload's generation: fails", () => {
      const run = check({ FAKE_DIFF_STATUS: '0', FAKE_APPLY_BUMPS: '1' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain("FAILED: the apply changed a workload's spec: generations 1/1, then 2/2");
    });

    test('steps 3 and 5 use it, and the README promises no `unchanged`', () => {
      expect(script.match(/^expect_no_changes$/gm)).toHaveLength(2);
      expect(script).not.toContain('unchanged');
      expect(readme).not.toMatch(/`unchanged`/);
      expect(readme).toContain('kubectl diff -f "dist/$STAGE/manifests/"');
    });
  });

  test('the GitHub Actions workflow builds the image dist/dev runs, creates a kind cluster, loads the image and runs it', () => {
    const workflow = parse(fs.readFileSync(path.join(ROOT, '.github', 'workflows', 'cluster.yaml'), 'utf8'));
    const steps: any[] = workflow.jobs.smoke.steps;
    const runs = steps.map(s => s.run ?? s.uses ?? '').join('\n');
    // The image is read off the committed dist/dev, so a fork's own image (its config's) is the one built and loaded.
    const output = path.join(tempFolder('workflow-'), 'github-output');
    const imageStep = steps.find(step => step.id === 'image');
    const run = spawnSync('bash', ['-e', '-c', imageStep.run], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, GITHUB_OUTPUT: output },
    });
    expect(run.status).toBe(0);
    expect(fs.readFileSync(output, 'utf8')).toBe(`app=${stageConfig('dev').app.image}\n`);
    expect(steps.indexOf(imageStep)).toBeLessThan(steps.findIndex(step => /docker build/.test(step.run ?? '')));
    expect(runs).toContain('docker build -f app/Dockerfile -t "${{ steps.image.outputs.app }}" .');
    expect(runs).toContain('helm/kind-action');
    expect(runs).toContain('kind load docker-image "${{ steps.image.outputs.app }}"');
    expect(runs).toContain('npm run test:cluster');
    expect(workflow.jobs.smoke['timeout-minutes']).toBeLessThanOrEqual(60);
  });
});
