/**
 * Secrets that the cluster provides (created out of band), comma-separated: on a Namespace, in that namespace; on
 * an object (an Ingress), the Secrets that object references. The stack writes it and the manifest validator reads
 * it, to tell a missing Secret from one that is provided; both depend on this module, not on each other.
 */
export const PROVIDED_SECRETS_ANNOTATION = 'validator.todo-stack/provided-secrets';
