import WAIT_SCRIPT from './scripts/wait.sh';

/** The env var that bounds how long a Job's script waits for its database (and role) in one run (scripts/wait.sh). */
export const WAIT_SECONDS_ENV = 'WAIT_SECONDS';

/**
 * The exit codes of scripts/wait.sh after which a retry within the same Job is of no use: 64, a check that no wait
 * can satisfy (bad connection parameters, a missing client tool), and 75, a wait that gave up: what it waited for
 * may still come, but the wait took most of the Job's deadline, and another would outlast it. The Jobs fail at once
 * on them (`podFailurePolicy`) rather than wait again; a new Job (a new spec, or the failed one deleted) runs again.
 */
export const WAIT_GAVE_UP_EXIT_CODES: readonly number[] = [64, 75];

/**
 * A `podFailurePolicy` (Job spec) that fails the Job at once when a container (`containerName`, or any) exits with
 * one of `WAIT_GAVE_UP_EXIT_CODES`. The Kubernetes 1.27 bindings lack the field (the API has it: beta and on by
 * default since 1.26, GA in 1.31), so the Jobs add it with a JSON patch; it needs `restartPolicy: Never`, which they
 * have. No `onPodConditions`: the 1.27.1 OpenAPI document marks it required, wrongly (fixed by
 * kubernetes/kubernetes#120204; the API server checks only that a rule has one of the two), and an empty list written
 * to please it would be dropped by the API server, a difference for GitOps tools to show; the validator's 1.27 schema
 * carries the fix.
 */
export function waitPodFailurePolicy(containerName?: string) {
  return {
    rules: [
      {
        action: 'FailJob',
        onExitCodes: {
          ...(containerName ? { containerName } : {}),
          operator: 'In',
          values: [...WAIT_GAVE_UP_EXIT_CODES],
        },
      },
    ],
  };
}

/**
 * A script as a container runs it: without its whole-line comments (a line whose first non-blank character is `#`),
 * outside here-documents. The script is the container's command, and a Job's name hashes its spec: a reworded comment
 * would otherwise make new Jobs on the next apply (a roles run, a deploy-time dump). The scripts have no shebang
 * (`sh -c` runs them). A `#` after code, or inside a string, stays: only whole lines go.
 */
export function jobScript(script: string): string {
  const kept: string[] = [];
  // The word that ends the here-document being read, if any: its lines are data, `#` or not.
  let hereDocumentEnd: string | undefined;
  let stripTabs = false;
  for (const line of script.split('\n')) {
    if (hereDocumentEnd !== undefined) {
      kept.push(line);
      if ((stripTabs ? line.replace(/^\t+/, '') : line) === hereDocumentEnd) {
        hereDocumentEnd = undefined;
      }
      continue;
    }
    if (/^\s*#/.test(line)) {
      continue;
    }
    kept.push(line);
    // One here-document a line, its word plain or quoted: what this reads. Anything else with `<<` (two on a line,
    // `<<\WORD`, a shift in `$(( ))`) is refused rather than guessed at: a data line taken for a comment is lost.
    const redirections = line.match(/<</g)?.length ?? 0;
    const hereDocument = /<<(-?)\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\2/.exec(line);
    if (redirections > 0 && (redirections > 1 || !hereDocument)) {
      throw new Error(`jobScript: cannot read the '<<' in ${JSON.stringify(line.trim())}; write one <<'WORD' a line`);
    }
    if (hereDocument) {
      stripTabs = hereDocument[1] === '-';
      hereDocumentEnd = hereDocument[3];
    }
  }
  // The header comment's lines gone, the blank line after it would start the command.
  return kept.join('\n').replace(/^\n+/, '');
}

/**
 * `script` (POSIX sh) with the wait functions every database Job shares before it (scripts/wait.sh: the database
 * accepting connections, a role logging in), as the one text the container runs with `sh -c`: written once, and
 * each Job's command still holds all it runs. Comment lines are dropped (`jobScript`).
 */
export function withWaits(script: string): string {
  return `${jobScript(WAIT_SCRIPT)}\n${jobScript(script)}`;
}
