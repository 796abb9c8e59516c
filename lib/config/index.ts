export * from './stack-config';
export * from './defaults';
export * from './stages';
export * from './validate-config';
export * from './resolve-config';
