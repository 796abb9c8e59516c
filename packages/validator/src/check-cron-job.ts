import { cronScheduleProblem, timeZoneProblem } from '@stateful-todo/kube-conventions';

import { Finding, objectFinding } from './finding';
import { Manifest } from './manifest';

// What the API server's CronJob validation checks beyond the schema: the schedule and the time zone.
export function checkCronJob(manifest: Manifest): Finding[] {
  const { kind, apiVersion, spec } = manifest.object;
  if (kind !== 'CronJob' || !/^batch\//.test(apiVersion) || !spec || typeof spec !== 'object') {
    return [];
  }
  const findings: Finding[] = [];
  const schedule = typeof spec.schedule === 'string' ? cronScheduleProblem(spec.schedule) : undefined;
  if (schedule) {
    findings.push(
      objectFinding('invalid-schedule', manifest, ['spec', 'schedule'], `schedule '${spec.schedule}' ${schedule}`),
    );
  }
  const timeZone = spec.timeZone !== undefined && spec.timeZone !== null ? timeZoneProblem(spec.timeZone) : undefined;
  if (timeZone) {
    findings.push(
      objectFinding('invalid-schedule', manifest, ['spec', 'timeZone'], `timeZone '${spec.timeZone}' ${timeZone}`),
    );
  }
  return findings;
}
