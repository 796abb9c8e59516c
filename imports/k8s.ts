// Kubernetes 1.27 bindings, as `cdk8s import k8s@1.27` generates them.
// `cdk8s import` must download the API schema, which this project's machines cannot do; cdk8s-plus-27 ships the
// very same generated module and exports it publicly as `k8s`, so this file re-exports that instead of vendoring a
// second copy. Bump cdk8s-plus-27 to move to newer bindings. Never edit by hand.
import { k8s } from 'cdk8s-plus-27';

export = k8s;
