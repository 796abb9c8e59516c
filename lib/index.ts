// The library's entry point: every construct, its props and the interfaces between them.
export * from './database';
export * from './app';
export * from './ingress';
export * from './gitops';
export * from './charts';
export * from './config';
export * from './kube';
export * from './synthesize';
