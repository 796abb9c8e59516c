// The shape of the generated kubernetes-1.27.validators.js, and of every version's (see generate-validators.ts).
import type { ValidateFunction } from 'ajv';

import type { FORMATS } from './formats';

/** The compiled schemas, given the formats of formats.ts. */
declare function load(formats: typeof FORMATS): CompiledSchemas;
export = load;

interface CompiledSchemas {
  readonly kubernetesVersion: string;
  readonly alphaKinds: readonly string[];
  /** One validator per served kind, exported under `<apiVersion>/<kind>` (a key with a '/', unlike the others). */
  readonly [gvk: string]: ValidateFunction | string | readonly string[];
}
