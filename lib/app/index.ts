export * from './todo-app-preset';
export * from './todo-app-props';
export * from './todo-app';
export * from './app-network-policy';
