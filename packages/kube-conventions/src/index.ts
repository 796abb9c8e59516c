export * from './names';
export * from './quantity';
export * from './image-reference';
export * from './provided-secrets';
export * from './cron-schedule';
export * from './cluster-namespaces';
