import { execFileSync } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Bundles main.ts as `npm run synth:stage` does (esbuild, the scripts as text), into `.build/<name>.js`, and returns
 * its path: the tests then run it with plain node, as the npm scripts do. Each test file names its own bundle, so
 * parallel jest workers never write one file twice.
 */
export function bundleMain(name: string): string {
  const bundle = path.join(ROOT, '.build', `${name}.js`);
  execFileSync(
    path.join(ROOT, 'node_modules', '.bin', 'esbuild'),
    [
      'main.ts',
      '--bundle',
      '--platform=node',
      '--packages=external',
      '--loader:.sh=text',
      '--target=node20',
      `--outfile=${bundle}`,
      '--log-level=warning',
    ],
    { cwd: ROOT },
  );
  return bundle;
}
