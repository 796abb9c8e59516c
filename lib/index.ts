// The library's entry point: every construct, its props and the interfaces between them. Another cdk8s app
// imports from here only (see examples/); the modules behind it are free to move.

// The database: the interface clients depend on, and the workloads that implement it.
export * from './database';
// The todo service and the images it knows how to run.
export * from './app';
// Exposing a Service of another namespace through an Ingress.
export * from './ingress';
// Argo CD and Flux objects, and the annotations that order and protect a sync.
export * from './gitops';
// The whole stack: one chart per namespace, the stage config they are built from, and writing dist/.
export * from './charts';
export * from './config';
export * from './synthesize';
// The typed values and the errors that constructs' props use.
export { Resources, cpuFromQuantity, resourcesToQuantities } from './kube/resources';
export { sizeFromQuantity, sizeToQuantity } from './kube/size';
export { InvalidPropsError, PropProblem } from './kube/prop-checks';
export { DEFAULT_CLUSTER_DOMAIN, serviceFqdn } from './kube/service-dns';
export * from './monitoring';
