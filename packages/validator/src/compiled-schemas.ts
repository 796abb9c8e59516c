import * as fs from 'fs';
import * as path from 'path';

import { CompiledCodeCache, requireWithCodeCache } from './code-cache';
import { FORMATS } from './schema/formats';
import { minorOf } from './schema/kubernetes-version';

// The schemas compiled at build time (`npm run generate:schema`; Ajv's standalone mode), one module per Kubernetes
// version, loaded by path rather than imported, so that bundling the validator (on every `cdk8s synth`) does not
// parse ~2 MB of generated code: from src/ (tests) and from dist/ (the bundles) alike, it is ../src/schema/ of the
// package. Every version's module has the shape that kubernetes-1.27.validators.d.ts declares.
const compiledSchemasFile = (version: string) =>
  path.join(__dirname, '..', 'src', 'schema', `kubernetes-${minorOf(version)}.validators.js`);
export type CompiledSchemas = ReturnType<typeof import('./schema/kubernetes-1.27.validators')>;

/** The compiled validators of one Kubernetes version, with V8's code cache when the module carries its digest. */
export function loadCompiledSchemas(version: string): { compiled: CompiledSchemas; used(gvk: string): void } {
  const COMPILED_SCHEMAS = compiledSchemasFile(version);
  let header: string;
  try {
    // The generator writes the digest of the code on its second line.
    const start = Buffer.alloc(512);
    const fd = fs.openSync(COMPILED_SCHEMAS, 'r');
    try {
      fs.readSync(fd, start, 0, start.length, 0);
    } finally {
      fs.closeSync(fd);
    }
    header = start.toString('latin1').split('\n')[1] ?? '';
  } catch (error) {
    throw new Error(
      `the validator's compiled Kubernetes schemas cannot be read at ${COMPILED_SCHEMAS} ` +
        `(${(error as Error).message}): the validator runs from its package's dist/ or src/ folder, beside src/schema/; ` +
        'if the file is missing, run `npm run generate:schema`',
    );
  }
  const digest = /^\/\/ sha256:([0-9a-f]{64})$/.exec(header)?.[1];
  if (!digest) {
    return { compiled: require(COMPILED_SCHEMAS)(FORMATS), used: () => undefined };
  }
  const module = requireWithCodeCache(COMPILED_SCHEMAS, digest, CompiledCodeCache.fromEnvironment());
  return { compiled: module.exports(FORMATS), used: gvk => module.used(gvk) };
}
