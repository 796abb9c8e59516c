// One implementation of the CronJob schedule rules, shared with the manifest validator.
export { cronScheduleProblem } from '@stateful-todo/kube-conventions';
