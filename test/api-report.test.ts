import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { withLibraryBuildLock } from './support/library-build-lock';

const ROOT = path.join(__dirname, '..');
const REPORT = path.join(ROOT, 'api', 'stateful-todo-stack.api.md');

jest.setTimeout(180_000);

describe('the public API (lib/index.ts)', () => {
  // api-extractor without --local fails when the surface differs from the committed report: every API change shows
  // in review as a change of api/stateful-todo-stack.api.md (npm run api:update writes it).
  test('is the one api/stateful-todo-stack.api.md records', () => {
    const run = withLibraryBuildLock(() => {
      execFileSync('npm', ['run', '--silent', 'build:library'], { cwd: ROOT, stdio: 'pipe' });
      return spawnSync(
        process.execPath,
        [path.join(ROOT, 'node_modules', '@microsoft', 'api-extractor', 'bin', 'api-extractor'), 'run'],
        { cwd: ROOT, encoding: 'utf8' },
      );
    });
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
});
