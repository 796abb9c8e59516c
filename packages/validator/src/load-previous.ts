import { git, inRepository, revision } from './git-revisions';
import { LoadResult, MANIFEST_FILE, parseFile } from './load-manifests';

export { PreviousVersionError } from './git-revisions';

/**
 * The objects that `paths` held at git revision `ref` (a commit, branch or tag of the repository around the current
 * folder), read with `git show` without touching the work tree. Files are named `REF:path` in findings.
 */
export function loadFromGit(ref: string, paths: readonly string[]): LoadResult {
  revision(ref);
  const { top, relative } = inRepository(paths, ref);
  const files = git('-C', top, 'ls-tree', '-r', '-z', '--name-only', ref, '--', ...relative)
    .split('\0')
    .filter(f => MANIFEST_FILE.test(f));
  const result: LoadResult = { manifests: [], files: [], findings: [], unreadable: [] };
  for (const file of files) {
    const name = `${ref}:${file}`;
    result.files.push(name);
    parseFile(name, git('-C', top, 'show', `${ref}:${file}`), result);
  }
  return result;
}
