import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';

/** The environment variable that sets the cache folder, or turns the cache off with `off`. */
export const CACHE_ENV = 'MANIFEST_VALIDATOR_CACHE';

/**
 * Compiled code kept between runs, by a key that names everything it was compiled from, so that an entry is never
 * stale: a changed input is a different key. Two kinds of entries:
 * - the standalone validators of a CustomResourceDefinition file (custom-resources.ts): reading and compiling
 *   Argo CD's 416 KB Application CRD takes ~0.3 s, loading its compiled code a few milliseconds;
 * - V8's code cache of the generated Kubernetes validators (`requireWithCodeCache`): parsing their 1.8 MB takes
 *   ~23 ms of a ~100 ms run, deserializing V8's cache ~7 ms.
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
        return fs.existsSync(nodeModules) ? new CompiledCodeCache(path.join(nodeModules, '.cache', 'manifest-validator')) : undefined;
      }
      if (path.dirname(dir) === dir) {
        return undefined;
      }
    }
  }

  constructor(public readonly folder: string) {}

  /** The entry under `key`, if any. */
  public read(key: string): Buffer | undefined {
    try {
      return fs.readFileSync(this.fileOf(key));
    } catch {
      return undefined;
    }
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

/**
 * `require(file)` for a large generated CommonJS module, with V8's code cache kept in `cache`. `digest` names the
 * file's content (V8 itself checks only the source's length and its own version and flags, and refuses data that
 * does not match them, which is then replaced). Within one process V8 may reuse its own compilation of the same
 * source, and then neither uses nor refuses the data: that is a hit too.
 */
export function requireWithCodeCache(file: string, digest: string, cache: CompiledCodeCache | undefined): { exports: any; cacheUse: CodeCacheUse } {
  const source = fs.readFileSync(file, 'utf8');
  const key = cacheKey('v8', process.version, process.arch, digest);
  const cachedData = cache?.read(key);
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} as any };
  script.runInThisContext()(module.exports, require, module, file, path.dirname(file));
  const cacheUse: CodeCacheUse = !cache ? 'off' : !cachedData ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
  if (cacheUse === 'miss' || cacheUse === 'rejected') {
    cache!.write(key, script.createCachedData());
  }
  return { exports: module.exports, cacheUse };
}
