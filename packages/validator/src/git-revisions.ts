import * as path from 'path';

/** Thrown when `--against` names neither a folder nor a commit of the repository, or a path has no version there. */
export class PreviousVersionError extends Error {}

/** A revision to compare with, and how reports name it. */
export interface Revision {
  readonly ref: string;
  readonly label: string;
}

// The branches a clone's default branch is looked for under when origin/HEAD is not set (actions/checkout does
// not set it), in this order.
const DEFAULT_BRANCHES = ['origin/main', 'origin/master', 'main', 'master'];

/** Runs git in the current folder; loaded on demand (only `--against REF` runs git, and child_process costs every run ~4 ms to load). */
export function git(...args: string[]): string {
  const { execFileSync } = require('child_process') as typeof import('child_process');
  return execFileSync('git', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
}

function succeeds(...args: string[]): string | undefined {
  try {
    return git(...args).trim();
  } catch {
    return undefined;
  }
}

/** `ref` itself, checked to be a commit of the repository around the current folder. */
export function revision(ref: string): Revision {
  const commit = succeeds('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  if (!commit) {
    throw new PreviousVersionError(
      `--against: '${ref}' is neither a folder nor a commit, branch or tag of this repository; ` +
        "give an earlier dist/ folder, or a git revision such as 'HEAD' or 'main'",
    );
  }
  return { ref: commit, label: commit.startsWith(ref) ? commit.slice(0, 7) : `${ref} (${commit.slice(0, 7)})` };
}

/** The merge base of HEAD with the default branch: what a pull request from this branch would change. */
export function mergeBaseWithDefaultBranch(): Revision {
  const originHead = succeeds('symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD');
  const branch = [originHead, ...DEFAULT_BRANCHES].find(
    name => name && succeeds('rev-parse', '--verify', '--quiet', `${name}^{commit}`),
  );
  const base = branch && succeeds('merge-base', 'HEAD', branch);
  if (!branch || !base) {
    throw new PreviousVersionError(
      `no default branch to compare with: none of origin/HEAD, ${DEFAULT_BRANCHES.join(', ')} is a branch ` +
        'with history shared with HEAD here (a shallow clone has none: fetch with fetch-depth: 0); give --against REF or --against FOLDER',
    );
  }
  return { ref: base, label: `the merge base with ${branch} (${base.slice(0, 7)})` };
}

/**
 * The repository's root, and `paths` relative to it; a path outside it has no version at any revision (`ref` only
 * names the revision in the message).
 */
export function inRepository(paths: readonly string[], ref: string): { top: string; relative: string[] } {
  const top = git('rev-parse', '--show-toplevel').trim();
  const relative = paths.map(p => path.relative(top, path.resolve(p)) || '.');
  const outside = paths.filter((_, index) => relative[index].startsWith('..') || path.isAbsolute(relative[index]));
  if (outside.length > 0) {
    throw new PreviousVersionError(
      `--against ${ref}: '${outside[0]}' is outside the repository (${top}), so it has no version at ` +
        `'${ref}' to compare with; give a path inside the repository, or the earlier version as a folder (--against FOLDER, ` +
        'such as the dist/ of a checkout of that revision)',
    );
  }
  return { top, relative };
}

/** The names of the folders directly under `folder` at revision `ref`. */
export function foldersAt(ref: string, folder: string): string[] {
  const {
    top,
    relative: [relative],
  } = inRepository([folder], ref);
  return git('-C', top, 'ls-tree', '-d', '-z', '--name-only', ref, '--', `${relative}/`)
    .split('\0')
    .filter(Boolean)
    .map(p => path.posix.basename(p))
    .sort();
}
