import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { stringify } from 'yaml';

import { CACHE_SIZE_LIMIT_BYTES, CompiledCodeCache, requireWithCodeCache, writeCodeCaches } from '../src/code-cache';
import { CrdCatalog } from '../src/custom-resources';

import { tempFolder } from './support';

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.io' },
  spec: {
    group: 'example.io',
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', properties: { size: { type: 'string' } } } },
          },
        },
      },
    ],
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
    fs.writeFileSync(
      path.join(cache.folder, entry),
      'exports.servedKinds = ["example.io/v9/Gadget"]; exports["example.io/v9/Gadget"] = () => true;',
    );
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

  test('past its size limit, the cache drops its least recently used entries; a read counts as a use', () => {
    const folder = path.join(tempFolder('cache-limit-'), 'cache');
    const cache = new CompiledCodeCache(folder, 3000);
    const kilobyte = Buffer.alloc(1000, 1);
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3600_000);
    for (const [key, age] of [
      ['a', 3],
      ['b', 2],
      ['c', 1],
    ] as const) {
      cache.write(key, kilobyte);
      fs.utimesSync(path.join(folder, key), hoursAgo(age), hoursAgo(age));
    }
    expect(cache.read('a')).toEqual(kilobyte);
    cache.write('d', kilobyte);
    // 4,000 bytes against 3,000: b, the least recently used once a was read, goes.
    expect(entries(cache)).toEqual(['a', 'c', 'd']);
    expect(CACHE_SIZE_LIMIT_BYTES).toBe(256 * 1024 * 1024);
  });

  test("a write removes temporary files that a dead process abandoned over an hour ago, and no one else's", () => {
    const folder = path.join(tempFolder('cache-tmp-'), 'cache');
    const cache = new CompiledCodeCache(folder);
    cache.write('first', 'x');
    fs.writeFileSync(path.join(folder, 'old.123.abc.tmp'), 'half an entry');
    fs.utimesSync(
      path.join(folder, 'old.123.abc.tmp'),
      new Date(Date.now() - 2 * 3600_000),
      new Date(Date.now() - 2 * 3600_000),
    );
    fs.writeFileSync(path.join(folder, 'being-written.456.def.tmp'), 'another process writing now');
    cache.write('second', 'y');
    expect(entries(cache)).toEqual(['being-written.456.def.tmp', 'first', 'second']);
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
      expect(CompiledCodeCache.fromEnvironment()?.folder).toBe(
        path.join(projectRoot, 'node_modules', '.cache', 'manifest-validator'),
      );
    } finally {
      process.env.MANIFEST_VALIDATOR_CACHE = saved;
    }
  });
});

describe("V8's code cache of a generated module", () => {
  // `big` has enough code that its compiled form shows in the cache's size; V8 compiles it on its first call.
  const source = (
    factor: number,
  ) => `module.exports = (function () { return { times: n => n * ${factor}, big, file: __filename }; });
function big(x) {
${Array.from({ length: 300 }, (_, i) => `  if (x === ${i}) { return [${i}, String(x), x * ${i}].join('-'); }`).join('\n')}
  return 'none';
}
${'// padding\n'.repeat(200)}`;
  const v8Entries = (cache: CompiledCodeCache) => entries(cache).filter(entry => entry.endsWith('.v8'));

  function generatedModule(): { file: string; cache: CompiledCodeCache } {
    const dir = tempFolder('v8-cache-');
    const file = path.join(dir, 'generated.js');
    fs.writeFileSync(file, source(3));
    return { file, cache: new CompiledCodeCache(path.join(dir, 'cache')) };
  }

  // The code-cache module as a next run loads it: V8 reuses its own compilation within a process, so only a new
  // process reads the cache. `script` runs with `requireWithCodeCache`, `writeCodeCaches` and `file` in scope.
  function inNewProcess(cacheFolder: string, file: string, script: string): string {
    const bundle = path.join(path.dirname(file), 'code-cache.js');
    if (!fs.existsSync(bundle)) {
      execFileSync(path.join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'esbuild'), [
        path.join(__dirname, '..', 'src', 'code-cache.ts'),
        '--bundle',
        '--platform=node',
        '--log-level=warning',
        `--outfile=${bundle}`,
      ]);
    }
    return execFileSync(
      process.execPath,
      [
        '-e',
        `
      const { CompiledCodeCache, requireWithCodeCache, writeCodeCaches } = require(${JSON.stringify(bundle)});
      const cache = new CompiledCodeCache(${JSON.stringify(cacheFolder)});
      const file = ${JSON.stringify(file)};
      ${script}`,
      ],
      { encoding: 'utf8' },
    ).trim();
  }

  test('the cache is written once the module has run; a new process loads with it, and the module works either way', () => {
    const { file, cache } = generatedModule();
    const first = requireWithCodeCache(file, 'digest-1', cache);
    expect(first.cacheUse).toBe('miss');
    expect(first.exports().times(2)).toBe(6);
    expect(v8Entries(cache)).toEqual([]);
    writeCodeCaches();
    expect(v8Entries(cache)).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.v8$/)]);
    expect(
      inNewProcess(
        cache.folder,
        file,
        `
      const loaded = requireWithCodeCache(file, 'digest-1', cache);
      console.log(loaded.cacheUse, loaded.exports().times(2));`,
      ),
    ).toBe('hit 6');
  });

  test('the cache holds the code of the exports the run called, so that a next run does not compile them', () => {
    const sizeAfter = (call: boolean) => {
      const { file, cache } = generatedModule();
      inNewProcess(
        cache.folder,
        file,
        `
        const loaded = requireWithCodeCache(file, 'digest-1', cache);
        ${call ? "loaded.exports().big(7); loaded.used('big');" : ''}
        writeCodeCaches();`,
      );
      const [entry] = v8Entries(cache);
      return {
        size: fs.statSync(path.join(cache.folder, entry)).size,
        covers: JSON.parse(fs.readFileSync(path.join(cache.folder, `${entry}.covers`), 'utf8')),
      };
    };
    const loadedOnly = sizeAfter(false);
    const called = sizeAfter(true);
    expect(loadedOnly.covers).toEqual([]);
    expect(called.covers).toEqual(['big']);
    // V8 compiles `big` only when it is called: the cache written after the call holds its code.
    expect(called.size).toBeGreaterThan(loadedOnly.size + 2000);
  });

  test('a run that calls exports the entry lacks rewrites it to cover them; a run that calls nothing new writes nothing', () => {
    const { file, cache } = generatedModule();
    inNewProcess(
      cache.folder,
      file,
      "const m = requireWithCodeCache(file, 'digest-1', cache); m.exports().times(1); m.used('times'); writeCodeCaches();",
    );
    const [entry] = v8Entries(cache);
    const covers = () => JSON.parse(fs.readFileSync(path.join(cache.folder, `${entry}.covers`), 'utf8'));
    expect(covers()).toEqual(['times']);
    expect(
      inNewProcess(
        cache.folder,
        file,
        `
      const write = cache.write.bind(cache);
      const written = [];
      cache.write = (key, content) => { written.push(key); write(key, content); };
      const m = requireWithCodeCache(file, 'digest-1', cache); m.exports().times(1); m.used('times'); writeCodeCaches();
      console.log(m.cacheUse, written.length);`,
      ),
    ).toBe('hit 0');
    inNewProcess(
      cache.folder,
      file,
      "const m = requireWithCodeCache(file, 'digest-1', cache); m.exports().big(1); m.used('big'); writeCodeCaches();",
    );
    expect(covers()).toEqual(['big', 'times']);
    // An entry whose list is damaged or missing covers nothing: the next run that calls an export rewrites both.
    fs.writeFileSync(path.join(cache.folder, `${entry}.covers`), '{ not JSON');
    inNewProcess(
      cache.folder,
      file,
      "const m = requireWithCodeCache(file, 'digest-1', cache); m.exports().times(1); m.used('times'); writeCodeCaches();",
    );
    expect(covers()).toEqual(['times']);
  });

  test('a module loaded again in the same process (a catalogue per run, in a long-lived process) is one entry, and both loads count', () => {
    const { file, cache } = generatedModule();
    const first = requireWithCodeCache(file, 'digest-1', cache);
    const second = requireWithCodeCache(file, 'digest-1', cache);
    first.used('times');
    second.used('big');
    writeCodeCaches();
    const [entry] = v8Entries(cache);
    expect(v8Entries(cache)).toHaveLength(1);
    expect(JSON.parse(fs.readFileSync(path.join(cache.folder, `${entry}.covers`), 'utf8'))).toEqual(['big', 'times']);
  });

  test('data V8 refuses (damaged, or of other code under the same digest) is replaced; another digest is another entry', () => {
    const { file, cache } = generatedModule();
    requireWithCodeCache(file, 'digest-1', cache);
    writeCodeCaches();
    const [entry] = v8Entries(cache);
    fs.writeFileSync(path.join(cache.folder, entry), Buffer.from('not V8 code cache data'));
    // Other source text than the first load's, or this process would reuse that compilation and read no data.
    fs.writeFileSync(file, source(5));
    const reloaded = requireWithCodeCache(file, 'digest-1', cache);
    expect(reloaded.cacheUse).toBe('rejected');
    expect(reloaded.exports().times(2)).toBe(10);
    writeCodeCaches();
    expect(fs.readFileSync(path.join(cache.folder, entry)).toString()).not.toBe('not V8 code cache data');
    requireWithCodeCache(file, 'digest-2', cache);
    writeCodeCaches();
    expect(v8Entries(cache)).toHaveLength(2);
  });

  test("the validator's Kubernetes schemas and a CRD file's validators are loaded through it, and a validation keeps the kinds it checked", () => {
    const saved = process.env.MANIFEST_VALIDATOR_CACHE;
    const folder = path.join(tempFolder('schemas-cache-'), 'cache');
    const { crdFile } = setUp();
    process.env.MANIFEST_VALIDATOR_CACHE = folder;
    try {
      jest.isolateModules(() => {
        const { CrdCatalog: IsolatedCatalog } = require('../src/custom-resources');
        const { validateLoaded } = require('../src/validate-manifests');
        const deployment = {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'd', namespace: 'default' },
          spec: {},
        };
        const loaded = { manifests: [], files: ['set.yaml'], findings: [], unreadable: [] };
        require('../src/load-manifests').parseFile(
          'set.yaml',
          [deployment, widget({ size: 'small' })].map(o => stringify(o)).join('---\n'),
          loaded,
        );
        validateLoaded(loaded, { crds: IsolatedCatalog.fromFiles([crdFile]) });
      });
    } finally {
      process.env.MANIFEST_VALIDATOR_CACHE = saved;
    }
    const covered = fs
      .readdirSync(folder)
      .filter(entry => entry.endsWith('.covers'))
      .map(entry => fs.readFileSync(path.join(folder, entry), 'utf8'))
      .sort();
    // The Kubernetes 1.27 and 1.36 schemas (one module each) and the CRD file's.
    expect(covered).toEqual(['["apps/v1/Deployment"]', '["apps/v1/Deployment"]', '["example.io/v1/Widget"]']);
    expect(fs.readdirSync(folder).filter(entry => entry.endsWith('.v8'))).toHaveLength(3);
  });
});
