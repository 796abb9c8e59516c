import { STACK_SCHEMA, StackConfig } from './stack-config';

/**
 * The tutorial's values, with its mistakes corrected: the password lives in a Secret, not in the ConfigMap, and
 * the database runs as part 2 built it (a StatefulSet with a 5Gi claim per pod, on the cluster's default storage
 * class unless a stage names one, as prod names the tutorial's `do-block-storage`). They are the defaults of the
 * schema (`stack-config.ts`), where each is written once; no password: credentials are `cluster-provided`.
 */
export const TUTORIAL_DEFAULTS: StackConfig = STACK_SCHEMA.parse({ stage: 'default' });
