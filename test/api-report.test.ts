import { execFileSync, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { withLibraryBuildLock } from './support/library-build-lock';

const ROOT = path.join(__dirname, '..');
const REPORT = path.join(ROOT, 'api', 'stateful-todo-stack.api.md');
const API_EXTRACTOR = path.join(ROOT, 'node_modules', '@microsoft', 'api-extractor', 'bin', 'api-extractor');

jest.setTimeout(180_000);

function apiExtractor(args: string[]): SpawnSyncReturns<string> {
  // NO_COLOR: the messages are matched as plain text.
  return spawnSync(process.execPath, [API_EXTRACTOR, 'run', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
}

/** api-extractor's own findings (`ae-…` message ids), one line each, without terminal colours. */
function extractorMessages(run: SpawnSyncReturns<string>): string[] {
  return (
    (run.stdout + run.stderr)
      // eslint-disable-next-line no-control-regex -- api-extractor colours its lines with ANSI escapes
      .replace(/\u001b\[[0-9;]*m/g, '')
      .split('\n')
      .filter(line => /\(ae-[a-z-]+\)/.test(line))
      .map(line => line.trim())
  );
}

describe('the public API (lib/index.ts)', () => {
  let run: SpawnSyncReturns<string>;

  beforeAll(() => {
    // api-extractor without --local fails when the surface differs from the committed report: every API change shows
    // in review as a change of api/stateful-todo-stack.api.md (npm run api:update writes it).
    run = withLibraryBuildLock(() => {
      execFileSync('npm', ['run', '--silent', 'build:library'], { cwd: ROOT, stdio: 'pipe' });
      return apiExtractor([]);
    });
  });

  test('documents every exported declaration and member, and types them only with names a user can import', () => {
    // api-extractor.json makes ae-undocumented and ae-forgotten-export errors: each line names the declaration
    // file, the line and the member, and says what to do.
    expect(extractorMessages(run)).toEqual([]);
    expect(fs.readFileSync(REPORT, 'utf8')).not.toMatch(/\(undocumented\)|ae-forgotten-export/);
  });

  test('is the one api/stateful-todo-stack.api.md records', () => {
    const fresh = fs.readFileSync(path.join(ROOT, '.build', 'api', 'stateful-todo-stack.api.md'), 'utf8');
    expect(fresh).toBe(fs.readFileSync(REPORT, 'utf8'));
    expect({ status: run.status, output: run.stdout + run.stderr }).toMatchObject({ status: 0 });
  });

  test('names the constructs the README documents, and none of their internals', () => {
    const report = fs.readFileSync(REPORT, 'utf8');
    for (const name of [
      'PostgresStatefulSet',
      'PostgresDeployment',
      'PostgresCluster',
      'TodoApp',
      'AppNetworkPolicy',
      'IngressBridge',
      'ArgoCdApplication',
      'FluxGitRepository',
      'FluxKustomization',
      'TodoStack',
      'IDatabase',
      'IBridgeBackend',
      'DatabaseCredentials',
    ]) {
      expect(report).toMatch(new RegExp(`^export (abstract )?(class|interface) ${name}\\b`, 'm'));
    }
    for (const internal of [
      'BACKUP_MOUNT_PATH',
      'RESTORE_DUMP_ENV',
      'NOTIFY_CHANNELS_ENV',
      'PRE_STOP_DELAY_SECONDS',
      'CONFIG_CHECKSUM_ANNOTATION',
      'ROLES_JOB_HASH_LENGTH',
      'roleNameEnv',
      'SYNC_WAVE_ANNOTATION',
      'synthesizeStage',
      'todoAppProps',
    ]) {
      expect(report).not.toMatch(new RegExp(`\\b${internal}\\b`));
    }
  });

  test('exposes the objects the constructs make as cdk8s ApiObjects, never as generated binding classes', () => {
    const report = fs.readFileSync(REPORT, 'utf8');
    // The generated classes (KubeDeployment, cnpg.Cluster, PodMonitor, …) add no member to ApiObject; typing them
    // so would make a re-import of a CRD a change of this API. The k8s namespace stays for its plain data types.
    expect(
      report.match(/^\s+(?:readonly )?\w+\??: (?:k8s\.Kube\w+|cnpg\w*\.\w+|barman\.\w+|monitoring\.\w+);$/gm),
    ).toBeNull();
    expect(report).toMatch(/^ {4}readonly cluster: ApiObject;$/m);
    expect(report).toMatch(/^ {4}readonly podMonitor: ApiObject;$/m);
    expect(report).toMatch(/^export \{ k8s \}$/m);
  });

  test("the project's api-extractor.json fails a new export that is undocumented or names a type the entry point does not export", () => {
    // A package of two declaration files, checked with the project's own configuration: the messages a developer
    // gets from npm test and npm run api:update when they add such an export.
    const fixture = fs.mkdtempSync(path.join(ROOT, '.build', 'api-check-'));
    try {
      const types = path.join(fixture, '.build', 'library', 'types', 'lib');
      fs.mkdirSync(types, { recursive: true });
      fs.mkdirSync(path.join(fixture, 'api'));
      fs.writeFileSync(path.join(fixture, 'package.json'), JSON.stringify({ name: 'api-check', version: '0.0.0' }));
      fs.writeFileSync(
        path.join(types, 'hidden.d.ts'),
        '/** Not exported by the entry point. */\nexport declare class Hidden {}\n',
      );
      fs.writeFileSync(
        path.join(types, 'index.d.ts'),
        [
          "import { Hidden } from './hidden';",
          '/** A documented class. */',
          'export declare class Documented {',
          '    readonly undocumentedMember: string;',
          '    /** Typed with a class the entry point does not export. */',
          '    readonly hidden: Hidden;',
          '}',
          '',
        ].join('\n'),
      );
      const config = path.join(fixture, 'api-extractor.json');
      fs.writeFileSync(
        config,
        JSON.stringify({ extends: path.join(ROOT, 'api-extractor.json'), projectFolder: fixture }),
      );
      const check = apiExtractor(['--local', '--config', config]);
      expect({ status: check.status, messages: extractorMessages(check) }).toEqual({
        status: 1,
        messages: [
          expect.stringMatching(
            /^Error: \.build\/library\/types\/lib\/index\.d\.ts:4:5 - \(ae-undocumented\) Missing documentation for "undocumentedMember"\.$/,
          ),
          expect.stringMatching(
            new RegExp(
              String.raw`^Error: \.build\/library\/types\/lib\/index\.d\.ts:6:5 - \(ae-forgotten-export\) ` +
                String.raw`The symbol "Hidden" needs to be exported by the entry point index\.d\.ts$`,
            ),
          ),
        ],
      });
    } finally {
      fs.rmSync(fixture, { recursive: true, force: true });
    }
  });
});
