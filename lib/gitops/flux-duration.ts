import { Duration } from 'cdk8s';

import { PropChecks } from '../kube/prop-checks';

/** A Duration in Flux's Go syntax: `5m`, `90s`. */
export function fluxDuration(duration: Duration): string {
  const seconds = duration.toSeconds();
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

/** Checks that `duration` is one `fluxDuration` writes as Flux reads it: whole seconds, at least one. */
export function checkFluxDuration(checks: PropChecks, prop: string, duration: Duration): void {
  // Read as a fraction if need be: a plain toSeconds() throws on one, with a stack trace that names no prop.
  const seconds = duration.toSeconds({ integral: false });
  checks.integer(prop, seconds, 1, Number.MAX_SAFE_INTEGER, 'must be whole seconds, at least Duration.seconds(1)');
}
