import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';

// `npm run test:cluster` cannot run here (no cluster): these tests hold it to the README and to its own contract.
const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'test', 'cluster', 'smoke.sh');
const script = fs.readFileSync(SCRIPT, 'utf8');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The command lines of the README's `sh` blocks in the sections named. */
function readmeCommands(...sections: string[]): string[] {
  return sections.flatMap(section => {
    const start = readme.indexOf(`### ${section}`);
    expect(start).toBeGreaterThan(0);
    const end = readme.indexOf('\n### ', start + 4);
    const text = readme.slice(start, end < 0 ? undefined : end);
    return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap(m => m[1].split('\n'))
      .map(line => line.replace(/\s+#.*$/, '').trim()).filter(line => line.startsWith('kubectl') || line.startsWith('NODE=') || line.startsWith('npm run'));
  });
}

describe('npm run test:cluster', () => {
  test('is valid bash', () => {
    expect(spawnSync('bash', ['-n', SCRIPT], { encoding: 'utf8' }).status).toBe(0);
  });

  test('refuses the CloudNativePG stage, whose checks are the README\'s, before touching any cluster', () => {
    const run = spawnSync('bash', [SCRIPT], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, STAGE: 'ha', KUBECONFIG: '/nonexistent' } });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('stage ha runs CloudNativePG, which this test does not cover: check it with the steps of the README\'s "The CloudNativePG workload"');
    expect(readme).toContain('### The CloudNativePG workload');
  });

  test("runs the README's deploy, check, prune and drain commands, as written", () => {
    const commands = readmeCommands('kubectl', 'Draining the database\'s node', 'Backups and restore');
    expect(commands.length).toBeGreaterThanOrEqual(11);
    for (const command of commands) {
      expect({ command, inScript: script.includes(command) }).toEqual({ command, inScript: true });
    }
  });

  test("runs the README's backup and restore commands, as written", () => {
    const start = readme.indexOf('### Backups and restore');
    const lines = readme.slice(start, readme.indexOf('\n### ', start + 4)).split('\n')
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
    expect(script).toMatch(/npm run --silent validate -- "\$WORK\/upgraded\/\$STAGE" --against "dist\/\$STAGE"[^\n]*\nkubectl apply -f "\$WORK\/upgraded\/\$STAGE\/manifests\/"/);
  });

  test('refuses to run without a kubectl context, and says what it needs', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'no-kube-'));
    try {
      const result = spawnSync('bash', [SCRIPT], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: home } });
      expect(result.status).toBe(2);
      expect(`${result.stderr}`).toMatch(/npm run test:cluster (runs against the current kubectl context, and there is none|needs kubectl)/);
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

  test('the GitHub Actions workflow builds the image, creates a kind cluster, loads the image and runs it', () => {
    const workflow = parse(fs.readFileSync(path.join(ROOT, '.github', 'workflows', 'cluster.yaml'), 'utf8'));
    const steps: any[] = workflow.jobs.smoke.steps;
    const runs = steps.map(s => s.run ?? s.uses ?? '').join('\n');
    expect(runs).toMatch(/docker build -f app\/Dockerfile -t ghcr\.io\/stateful-todo\/todo-service:0\.1\.0 \./);
    expect(runs).toContain('helm/kind-action');
    expect(runs).toContain('kind load docker-image ghcr.io/stateful-todo/todo-service:0.1.0');
    expect(runs).toContain('npm run test:cluster');
    expect(workflow.jobs.smoke['timeout-minutes']).toBeLessThanOrEqual(60);
  });
});
