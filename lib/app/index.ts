export * from './todo-app-preset';
export * from './todo-app';
