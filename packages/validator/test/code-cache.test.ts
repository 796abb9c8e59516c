import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { CompiledCodeCache, requireWithCodeCache } from '../src/code-cache';
import { CrdCatalog } from '../src/custom-resources';
import { tempFolder } from './support';

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.io' },
  spec: {
    group: 'example.io', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' },
    versions: [{
      name: 'v1', served: true, storage: true,
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'string' } } } } } },
    }],
  },
};
const widget = (spec: object) => ({ apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w' }, spec });

function setUp(): { crdFile: string; cache: CompiledCodeCache } {
  const dir = tempFolder('code-cache-');
  const crdFile = path.join(dir, 'widget-crd.yaml');
  fs.writeFileSync(crdFile, stringify(CRD));
  return { crdFile, cache: new CompiledCodeCache(path.join(dir, 'cache')) };
}

const entries = (cache: CompiledCodeCache) => (fs.existsSync(cache.folder) ? fs.readdirSync(cache.folder).sort() : []);

describe('compiled CRD validators, cached by the content of their file', () => {
  test('the first run compiles and stores one entry; the next run uses it instead of compiling', () => {
    const { crdFile, cache } = setUp();
    const first = CrdCatalog.fromFiles([crdFile], cache);
    expect(first.servedKinds).toEqual(['example.io/v1/Widget']);
    expect(first.validatorFor('example.io/v1', 'Widget')!(widget({ size: 'small' }))).toBe(true);
    expect(first.validatorFor('example.io/v1', 'Widget')!(widget({ sise: 'small' }))).toBe(false);
    const [entry] = entries(cache);
    expect(entries(cache)).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.crd\.js$/)]);
    // Proof that the entry, not the file, is what the next run uses: an entry that serves another kind.
    fs.writeFileSync(path.join(cache.folder, entry), 'exports.servedKinds = ["example.io/v9/Gadget"]; exports["example.io/v9/Gadget"] = () => true;');
    expect(CrdCatalog.fromFiles([crdFile], cache).servedKinds).toEqual(['example.io/v9/Gadget']);
  });

  test('a changed file is a new entry, never a stale one', () => {
    const { crdFile, cache } = setUp();
    CrdCatalog.fromFiles([crdFile], cache);
    const changed = { ...CRD, spec: { ...CRD.spec, names: { kind: 'Gizmo', plural: 'gizmos' } } };
    fs.writeFileSync(crdFile, stringify(changed));
    expect(CrdCatalog.fromFiles([crdFile], cache).servedKinds).toEqual(['example.io/v1/Gizmo']);
    expect(entries(cache)).toHaveLength(2);
  });

  test('a damaged entry is compiled again and replaced', () => {
    const { crdFile, cache } = setUp();
    CrdCatalog.fromFiles([crdFile], cache);
    const [entry] = entries(cache);
    for (const damage of ['exports.servedKinds = ["example.io/v1/Widget"];', 'this is { not JavaScript', '']) {
      fs.writeFileSync(path.join(cache.folder, entry), damage);
      const catalog = CrdCatalog.fromFiles([crdFile], cache);
      expect(catalog.validatorFor('example.io/v1', 'Widget')!(widget({ sise: 'small' }))).toBe(false);
      expect(fs.readFileSync(path.join(cache.folder, entry), 'utf8')).toContain('exports.servedKinds');
      expect(fs.readFileSync(path.join(cache.folder, entry), 'utf8')).not.toBe(damage);
    }
  });

  test('a cache that cannot be written is no cache: the CRDs are still compiled and checked', () => {
    const { crdFile, cache } = setUp();
    fs.writeFileSync(cache.folder, 'a file where the cache folder would be');
    const catalog = CrdCatalog.fromFiles([crdFile], cache);
    expect(catalog.validatorFor('example.io/v1', 'Widget')!(widget({ sise: 'small' }))).toBe(false);
    expect(fs.readFileSync(cache.folder, 'utf8')).toBe('a file where the cache folder would be');
  });

  test('MANIFEST_VALIDATOR_CACHE names the folder, or turns the cache off', () => {
    const saved = process.env.MANIFEST_VALIDATOR_CACHE;
    try {
      process.env.MANIFEST_VALIDATOR_CACHE = 'off';
      expect(CompiledCodeCache.fromEnvironment()).toBeUndefined();
      process.env.MANIFEST_VALIDATOR_CACHE = 'some/folder';
      expect(CompiledCodeCache.fromEnvironment()?.folder).toBe(path.resolve('some/folder'));
      delete process.env.MANIFEST_VALIDATOR_CACHE;
      const projectRoot = path.join(__dirname, '..', '..', '..');
      expect(CompiledCodeCache.fromEnvironment()?.folder).toBe(path.join(projectRoot, 'node_modules', '.cache', 'manifest-validator'));
    } finally {
      process.env.MANIFEST_VALIDATOR_CACHE = saved;
    }
  });
});

describe("V8's code cache of a generated module", () => {
  const source = (factor: number) => `module.exports = (function () { return { times: n => n * ${factor}, file: __filename }; });\n${'// padding\n'.repeat(200)}`;

  function generatedModule(): { file: string; cache: CompiledCodeCache } {
    const dir = tempFolder('v8-cache-');
    const file = path.join(dir, 'generated.js');
    fs.writeFileSync(file, source(3));
    return { file, cache: new CompiledCodeCache(path.join(dir, 'cache')) };
  }

  test('the first load stores the cache, a new process loads with it, and the module works either way', () => {
    const { file, cache } = generatedModule();
    const first = requireWithCodeCache(file, 'digest-1', cache);
    expect(first.cacheUse).toBe('miss');
    expect(first.exports().times(2)).toBe(6);
    expect(entries(cache)).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.v8$/)]);
    // Within this process V8 reuses its own compilation; a new process is what a next run is.
    const bundle = path.join(path.dirname(file), 'code-cache.js');
    execFileSync(path.join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'esbuild'),
      [path.join(__dirname, '..', 'src', 'code-cache.ts'), '--bundle', '--platform=node', '--log-level=warning', `--outfile=${bundle}`]);
    const next = execFileSync(process.execPath, ['-e', `
      const { CompiledCodeCache, requireWithCodeCache } = require(${JSON.stringify(bundle)});
      const loaded = requireWithCodeCache(${JSON.stringify(file)}, 'digest-1', new CompiledCodeCache(${JSON.stringify(cache.folder)}));
      console.log(loaded.cacheUse, loaded.exports().times(2));`], { encoding: 'utf8' });
    expect(next.trim()).toBe('hit 6');
  });

  test('data V8 refuses (damaged, or of other code under the same digest) is replaced; another digest is another entry', () => {
    const { file, cache } = generatedModule();
    requireWithCodeCache(file, 'digest-1', cache);
    const [entry] = entries(cache);
    fs.writeFileSync(path.join(cache.folder, entry), Buffer.from('not V8 code cache data'));
    // Other source text than the first load's, or this process would reuse that compilation and read no data.
    fs.writeFileSync(file, source(5));
    const reloaded = requireWithCodeCache(file, 'digest-1', cache);
    expect(reloaded.cacheUse).toBe('rejected');
    expect(reloaded.exports().times(2)).toBe(10);
    expect(fs.readFileSync(path.join(cache.folder, entry)).toString()).not.toBe('not V8 code cache data');
    requireWithCodeCache(file, 'digest-2', cache);
    expect(entries(cache)).toHaveLength(2);
  });

  test("the validator's generated Kubernetes schemas are loaded through it", () => {
    const saved = process.env.MANIFEST_VALIDATOR_CACHE;
    const folder = path.join(tempFolder('schemas-cache-'), 'cache');
    process.env.MANIFEST_VALIDATOR_CACHE = folder;
    try {
      jest.isolateModules(() => {
        const { SchemaChecker } = require('../src/check-schema');
        new SchemaChecker();
      });
    } finally {
      process.env.MANIFEST_VALIDATOR_CACHE = saved;
    }
    expect(fs.readdirSync(folder)).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.v8$/)]);
  });
});
