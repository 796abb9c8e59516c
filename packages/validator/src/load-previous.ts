import * as path from 'path';
import { LoadResult, MANIFEST_FILE, parseFile } from './load-manifests';

/** Thrown when `--against` names neither a folder nor a commit of the repository. */
export class PreviousVersionError extends Error {}

/**
 * The objects that `paths` held at git revision `ref` (a commit, branch or tag of the repository around the current
 * folder), read with `git show` without touching the work tree. Files are named `REF:path` in findings.
 */
export function loadFromGit(ref: string, paths: readonly string[]): LoadResult {
  // Loaded here, not at the top: only `--against REF` runs git, and child_process costs every run ~4 ms to load.
  const { execFileSync } = require('child_process') as typeof import('child_process');
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  let top: string;
  try {
    top = git('rev-parse', '--show-toplevel').trim();
    git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  } catch {
    throw new PreviousVersionError(`--against: '${ref}' is neither a folder nor a commit, branch or tag of this repository; `
      + "give an earlier dist/ folder, or a git revision such as 'HEAD' or 'main'");
  }
  const relative = paths.map(p => path.relative(top, path.resolve(p)) || '.');
  const outside = paths.filter((_, index) => relative[index].startsWith('..') || path.isAbsolute(relative[index]));
  if (outside.length > 0) {
    throw new PreviousVersionError(`--against ${ref}: '${outside[0]}' is outside the repository (${top}), so it has no version at `
      + `'${ref}' to compare with; give a path inside the repository, or the earlier version as a folder (--against FOLDER, `
      + 'such as the dist/ of a checkout of that revision)');
  }
  const files = git('-C', top, 'ls-tree', '-r', '-z', '--name-only', ref, '--', ...relative).split('\0').filter(f => MANIFEST_FILE.test(f));
  const result: LoadResult = { manifests: [], files: [], findings: [], unreadable: [] };
  for (const file of files) {
    const name = `${ref}:${file}`;
    result.files.push(name);
    parseFile(name, git('-C', top, 'show', `${ref}:${file}`), result);
  }
  return result;
}
