export * from './namespace-chart';
export * from './database-chart';
export * from './app-chart';
export * from './ingress-chart';
export * from './todo-stack';
