export * from './database';
export * from './database-credentials';
export * from './postgres-database';
export * from './postgres-stateful-set';
export * from './postgres-deployment';
export * from './postgres-backup';
export * from './postgres-cluster';
export * from './database-network-policy';
