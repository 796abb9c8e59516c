export * from './stack-config';
export * from './defaults';
export * from './stages';
export * from './parse-config';
export * from './resolve-config';
export * from './construct-props';
