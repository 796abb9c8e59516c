export * from './pod-monitor';
