/** The Kubernetes version whose API the validator checks against (the schema bundle's and the generated code's). */
export const KUBERNETES_VERSION = '1.27.1';
