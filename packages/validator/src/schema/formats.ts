import { isQuantity } from '@stateful-todo/kube-conventions';

// The OpenAPI formats of the Kubernetes schemas. The generated validators (kubernetes-<version>.validators.js) require
// this module at run time, and the generator registers the very same definitions, so both agree on each format.
// Typed formats (`type: 'number'`) are checked only on numbers; a string in an integer field is a type error.

/** Ajv format definitions, by format name. */
export const FORMATS = {
  int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
  int64: { type: 'number', validate: (n: number) => Number.isInteger(n) },
  double: { type: 'number', validate: () => true },
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  quantity: { type: 'string', validate: isQuantity },
  'date-time': { type: 'string', validate: (s: string) => !Number.isNaN(Date.parse(s)) },
} as const;
