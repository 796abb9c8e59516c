export * from './ingress-bridge';
