import type Ajv from 'ajv';

// Ajv's standalone mode: a compiled schema as JavaScript source, so that a run loads validators instead of
// compiling them. Used at build time for the Kubernetes schemas (kubernetes-1.27.validators.js) and at run time
// for CustomResourceDefinitions, whose compiled code is cached by content (custom-resources.ts, code-cache.ts).

/** The Ajv options of every validator: all errors, with the failing schema and data (messages are built from them). */
export const AJV_OPTIONS = { strict: false, allErrors: true, verbose: true } as const;

/** The module source of `ajv`'s schemas, exporting each validator under its key in `exportNames` (key → schema id). */
export function standaloneSource(ajv: Ajv, exportNames: Record<string, string>): string {
  const standaloneCode: typeof import('ajv/dist/standalone').default = require('ajv/dist/standalone').default;
  return standaloneCode(ajv, exportNames);
}
