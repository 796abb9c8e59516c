import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';

/** The environment variable that sets the cache folder, or turns the cache off with `off`. */
export const CACHE_ENV = 'MANIFEST_VALIDATOR_CACHE';
/**
 * What the cache may hold before its least recently used entries go. Every change of the validator, of Ajv or of a
 * CRD file makes new entries (a few MB for this project's CRDs) and leaves the old ones unused.
 */
export const CACHE_SIZE_LIMIT_BYTES = 256 * 1024 * 1024;
// A temporary file this old was left by a process that died while writing it.
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

/**
 * Compiled code kept between runs, by a key that names everything it was compiled from, so that an entry is never
 * stale: a changed input is a different key. Two kinds of entries:
 * - the standalone validators of a CustomResourceDefinition file (custom-resources.ts): reading and compiling
 *   Argo CD's 416 KB Application CRD takes ~0.3 s, loading its compiled code a few milliseconds;
 * - V8's code cache of generated modules (`loadWithCodeCache`): the Kubernetes validators and each CRD file's, with
 *   the code of the validators a run called (`<key>.covers` names them). Parsing the Kubernetes validators' 1.8 MB
 *   takes ~23 ms, and the first call of the CNPG Cluster and Argo CD Application validators compiles ~50 ms of
 *   code; deserializing V8's cache of all that takes ~20 ms.
 * A cache that cannot be read or written is no cache: the validator compiles in memory and says nothing.
 */
export class CompiledCodeCache {
  /**
   * The cache `MANIFEST_VALIDATOR_CACHE` names; else node_modules/.cache/manifest-validator of the nearest folder
   * around the working folder that holds a package.json and a node_modules (find-cache-dir's convention, followed
   * by Babel, ESLint and AVA; that package itself takes 8 ms to load, a tenth of a run); else none.
   */
  public static fromEnvironment(): CompiledCodeCache | undefined {
    const setting = process.env[CACHE_ENV];
    if (setting === 'off') {
      return undefined;
    }
    if (setting) {
      return new CompiledCodeCache(path.resolve(setting));
    }
    for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, 'package.json'))) {
        const nodeModules = path.join(dir, 'node_modules');
        return fs.existsSync(nodeModules)
          ? new CompiledCodeCache(path.join(nodeModules, '.cache', 'manifest-validator'))
          : undefined;
      }
      if (path.dirname(dir) === dir) {
        return undefined;
      }
    }
  }

  constructor(
    public readonly folder: string,
    private readonly sizeLimitBytes: number = CACHE_SIZE_LIMIT_BYTES,
  ) {}

  /** The entry under `key`, if any; reading it marks it used (its modification time), for `prune`. */
  public read(key: string): Buffer | undefined {
    const file = this.fileOf(key);
    let content: Buffer;
    try {
      content = fs.readFileSync(file);
    } catch {
      return undefined;
    }
    try {
      const now = new Date();
      fs.utimesSync(file, now, now);
    } catch {
      // a read-only cache is still a cache
    }
    return content;
  }

  /** Stores an entry atomically (a reader sees all of it or nothing), or does nothing if it cannot. */
  public write(key: string, content: string | Buffer): void {
    const file = this.fileOf(key);
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      fs.mkdirSync(this.folder, { recursive: true });
      fs.writeFileSync(temporary, content);
      fs.renameSync(temporary, file);
    } catch {
      try {
        fs.rmSync(temporary, { force: true });
      } catch {
        // nothing was written
      }
      return;
    }
    this.prune();
  }

  /**
   * Removes temporary files abandoned by a process that died while writing, and, while the entries weigh more than
   * the size limit, the least recently used. Runs after a write, which is rare (a run whose inputs changed). An
   * entry removed while another process reads it is a cache miss there, never a wrong result.
   */
  private prune(): void {
    try {
      const now = Date.now();
      const entries: Array<{ file: string; size: number; used: number }> = [];
      for (const name of fs.readdirSync(this.folder)) {
        const file = path.join(this.folder, name);
        const stat = fs.statSync(file, { throwIfNoEntry: false });
        if (!stat?.isFile()) {
          continue;
        }
        if (name.endsWith('.tmp')) {
          if (now - stat.mtimeMs > ABANDONED_AFTER_MS) {
            fs.rmSync(file, { force: true });
          }
          continue;
        }
        entries.push({ file, size: stat.size, used: stat.mtimeMs });
      }
      let total = entries.reduce((sum, entry) => sum + entry.size, 0);
      for (const entry of entries.sort((a, b) => a.used - b.used)) {
        if (total <= this.sizeLimitBytes) {
          break;
        }
        fs.rmSync(entry.file, { force: true });
        total -= entry.size;
      }
    } catch {
      // an entry another process removed first, or a folder that cannot be listed: left for the next write
    }
  }

  private fileOf(key: string): string {
    return path.join(this.folder, key);
  }
}

/** A cache key: the digest of every part, in order, with a suffix that says what the entry holds. */
export function cacheKey(suffix: string, ...parts: Array<string | Buffer>): string {
  const hash = require('crypto').createHash('sha256');
  for (const part of parts) {
    hash.update(part);
    hash.update('\0');
  }
  return `${hash.digest('hex')}.${suffix}`;
}

/** How a load used V8's code cache: none kept, none stored yet, used, or refused by V8 (and replaced). */
export type CodeCacheUse = 'off' | 'miss' | 'hit' | 'rejected';

/** A generated CommonJS module compiled with V8's code cache (`loadWithCodeCache`). */
export interface CodeCachedModule {
  readonly exports: any;
  readonly cacheUse: CodeCacheUse;
  /**
   * Records that the export `name` was called. V8 compiles a function when it is first called, so the code cache
   * holds what had run when it was written: `writeCodeCaches` rewrites it when this run called exports it lacks.
   */
  used(name: string): void;
}

// The modules loaded in this process with a cache, to write once they have run (see writeCodeCaches), one per
// entry: a process that loads the same module again (a catalogue per run, in a long-lived process) adds nothing,
// and V8 shares one compilation of the same source between the loads.
const loadedModules = new Map<string, LoadedModule>();

interface LoadedModule {
  readonly cache: CompiledCodeCache;
  readonly key: string;
  readonly script: vm.Script;
  // The exports whose compiled code the stored entry holds, and those this run called.
  readonly covered: Set<string>;
  readonly called: Set<string>;
  stale: boolean;
}

/**
 * `require(file)` for a large generated CommonJS module, with V8's code cache kept in `cache`. `digest` names the
 * file's content (V8 itself checks only the source's length and its own version and flags, and refuses data that
 * does not match them, which is then replaced). Within one process V8 may reuse its own compilation of the same
 * source, and then neither uses nor refuses the data: that is a hit too.
 */
export function requireWithCodeCache(
  file: string,
  digest: string,
  cache: CompiledCodeCache | undefined,
): CodeCachedModule {
  return loadWithCodeCache(fs.readFileSync(file, 'utf8'), file, digest, cache);
}

/**
 * Evaluates `source` as the CommonJS module `file` (its `require` is this module's, so that Ajv's runtime helpers
 * resolve wherever generated source is stored), with V8's code cache kept in `cache` under `digest`, the name of
 * the source's content. The cache is written by `writeCodeCaches`, after the module has run, because V8 compiles a
 * function only when it is first called and data written at load time would hold little more than the top level:
 * the validators of the CNPG Cluster and the Argo CD Application CRDs cost ~50 ms of compilation on their first call.
 */
export function loadWithCodeCache(
  source: string,
  file: string,
  digest: string,
  cache: CompiledCodeCache | undefined,
): CodeCachedModule {
  const key = cacheKey('v8', process.version, process.arch, digest);
  const cachedData = cache?.read(key);
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  const module = { exports: {} as any };
  script.runInThisContext()(module.exports, require, module, file, path.dirname(file));
  const cacheUse: CodeCacheUse = !cache ? 'off' : !cachedData ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
  if (!cache) {
    return { exports: module.exports, cacheUse, used: () => undefined };
  }
  const entry = path.join(cache.folder, key);
  let loaded = loadedModules.get(entry);
  // Refused data is replaced with this load's, whatever was loaded before under the key.
  if (!loaded || cacheUse === 'rejected') {
    loaded = {
      cache,
      key,
      script,
      covered: new Set(cacheUse === 'hit' ? coveredExports(cache, key) : []),
      called: new Set(),
      stale: cacheUse !== 'hit',
    };
    loadedModules.set(entry, loaded);
  }
  const record = loaded;
  return { exports: module.exports, cacheUse, used: name => record.called.add(name) };
}

/**
 * Writes the code cache of every module loaded with one whose entry is missing, was refused, or lacks exports this
 * run called (with the names of the exports it now covers beside it, `<key>.covers`). Called at the end of every
 * validation (`validateLoaded`); a module written once is written again only when a later run calls more of it.
 */
export function writeCodeCaches(): void {
  for (const loaded of loadedModules.values()) {
    const grown = [...loaded.called].some(name => !loaded.covered.has(name));
    if (!loaded.stale && !grown) {
      continue;
    }
    loaded.called.forEach(name => loaded.covered.add(name));
    loaded.cache.write(loaded.key, loaded.script.createCachedData());
    loaded.cache.write(`${loaded.key}.covers`, JSON.stringify([...loaded.covered].sort()));
    loaded.stale = false;
  }
}

// The exports an entry's data was written after calling, or none if that is not on record.
function coveredExports(cache: CompiledCodeCache, key: string): string[] {
  try {
    const covered = JSON.parse(cache.read(`${key}.covers`)?.toString('utf8') ?? '[]');
    return Array.isArray(covered) ? covered.filter(name => typeof name === 'string') : [];
  } catch {
    return [];
  }
}
