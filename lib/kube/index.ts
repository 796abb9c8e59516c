export * from './labels';
export * from './chart-namespace';
export * from './size';
