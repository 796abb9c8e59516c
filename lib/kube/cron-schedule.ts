import { cronScheduleProblem as scheduleProblem } from '@stateful-todo/kube-conventions';

/**
 * What is wrong with a CronJob `schedule` by the API server's own rules, or undefined when it is valid. One
 * implementation, shared with the manifest validator; declared here so that the published declarations name no
 * workspace package (the library bundle inlines it).
 */
export function cronScheduleProblem(schedule: unknown): string | undefined {
  return scheduleProblem(schedule);
}
