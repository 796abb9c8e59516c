export * from './labels';
export * from './chart-namespace';
export * from './size';
export * from './resources';
export * from './prop-checks';
export * from './service-dns';
