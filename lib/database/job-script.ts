import WAIT_SCRIPT from './scripts/wait.sh';

/** The env var that bounds how long a Job's script waits for its database (and role) in one run (scripts/wait.sh). */
export const WAIT_SECONDS_ENV = 'WAIT_SECONDS';

/**
 * `script` (POSIX sh) with the wait functions every database Job shares before it (scripts/wait.sh: the database
 * accepting connections, a role logging in), as the one text the container runs with `sh -c`: written once, and
 * each Job's command still holds all it runs.
 */
export function withWaits(script: string): string {
  return `${WAIT_SCRIPT}\n${script}`;
}
