import * as fs from 'fs';
import * as path from 'path';

import { FAILSAFE_SCHEMA, loadAll, Schema, Type, YAMLException } from 'js-yaml';
import { Document, isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';

import { Finding, finding } from './finding';
import { KubeObject, Manifest, PathSegment } from './manifest';

/** What reading the inputs produced: objects to check, and what could not be read. */
export interface LoadResult {
  readonly manifests: Manifest[];
  /** Files read, in the order given (folders expanded, sorted). */
  readonly files: string[];
  /** Parse findings (syntax errors, documents that are not Kubernetes objects). */
  readonly findings: Finding[];
  /** Paths that do not exist or cannot be read: exit code 2. */
  readonly unreadable: string[];
}

/** The files a folder contributes: YAML and JSON. */
export const MANIFEST_FILE = /\.(ya?ml|json)$/i;
// Kustomize's own configuration lives beside manifests but is not applied to the cluster.
const KUSTOMIZE_CONFIG_API = /^kustomize\.config\.k8s\.io\//;

/** Reads every YAML or JSON file under `inputs` (files, or folders searched recursively). */
export function loadManifests(inputs: readonly string[]): LoadResult {
  const result: LoadResult = { manifests: [], files: [], findings: [], unreadable: [] };
  for (const { file, bytes } of readManifestFiles(inputs, result.unreadable)) {
    result.files.push(file);
    const text = decodeUtf8(file, bytes, result.findings);
    if (text !== undefined) {
      parseFile(file, text, result);
    }
  }
  return result;
}

/**
 * The YAML and JSON files under `inputs` (files, or folders searched recursively), each with its bytes, in the
 * order given; a path that cannot be listed or read is added to `unreadable`, and the rest are still read.
 */
export function* readManifestFiles(
  inputs: readonly string[],
  unreadable: string[],
): Generator<{ readonly file: string; readonly bytes: Buffer }> {
  for (const input of inputs) {
    for (const file of listManifestFiles(input, unreadable)) {
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(file);
      } catch {
        unreadable.push(file);
        continue;
      }
      yield { file, bytes };
    }
  }
}

/** Parses one file's text; exported for tests and for the cdk8s plugin, which is handed file paths. */
export function parseFile(file: string, text: string, into: Pick<LoadResult, 'manifests' | 'findings'>): void {
  const manifestsBefore = into.manifests.length;
  const findingsBefore = into.findings.length;
  if (!parseFileFast(file, text, into)) {
    parseFileFully(file, text, into);
  }
  // An unrendered Helm (Go) template reads as YAML garbage or as flow mappings in odd places ('name: {{ x }}' is a
  // map), which only confuses: one finding that says what the file is says more.
  const template = GO_TEMPLATE_ACTION.exec(text);
  if (
    template &&
    (into.findings.length > findingsBefore ||
      into.manifests
        .slice(manifestsBefore)
        .some(manifest => JSON.stringify(manifest.object).includes('"[object Object]"')))
  ) {
    into.manifests.splice(manifestsBefore);
    into.findings.splice(findingsBefore);
    const line = text.slice(0, template.index).split('\n').length;
    into.findings.push(
      finding(
        'parse-error',
        { file, line },
        `the file looks like an unrendered template: '${template[0].slice(0, 60)}' is ` +
          'Go template syntax, as in a Helm chart; run helm template first ' +
          '(helm template NAME CHART -f values.yaml > out.yaml), and validate its output',
      ),
    );
  }
}

// A Go template action: `{{ .Values.x }}`, `{{- include "y" . }}`, `{{ end }}`.
const GO_TEMPLATE_ACTION =
  /\{\{-?\s*(?:[.$]|(?:if|else|end|range|with|include|template|define|toYaml|tpl|printf|default|quote|required)\b)[^\n]*?\}\}/;

// `merge`: YAML 1.1's `<<: *defaults` merge keys, which kubectl (go-yaml) resolves.
const YAML_OPTIONS = { uniqueKeys: true, prettyErrors: false, merge: true } as const;

/** The documents of a file as the `yaml` library reads them, with the line of any node's offset. */
interface ParsedFile {
  readonly documents: Document[];
  lineAt(offset: number): number;
}

/** The `yaml` library's reading of `text`, whose first line is line `linesBefore + 1` of its file. */
function parseFully(text: string, linesBefore = 0): ParsedFile {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter });
  return {
    documents: Array.isArray(documents) ? documents : [documents as unknown as Document],
    lineAt: offset => linesBefore + lineCounter.linePos(offset).line,
  };
}

/** The 1-based line of the node at `at` in `document`, or of its closest existing ancestor. */
function lineIn(parsed: ParsedFile, document: Document, at: readonly PathSegment[]): number {
  for (let depth = at.length; depth >= 0; depth--) {
    const node = document.getIn(at.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node && (node.range || isCollection(node))) {
      return parsed.lineAt(node.range?.[0] ?? 0);
    }
  }
  return parsed.lineAt(document.contents?.range?.[0] ?? 0);
}

// The `yaml` library keeps every node with its position, which findings need; it is also 10x slower than
// js-yaml, which keeps none (1.4 s against 0.14 s for 10,000 objects). So a file is read by js-yaml first, with the
// `yaml` library's own core-schema scalar rules, and read again by the `yaml` library only when a finding asks for a
// line. Whatever js-yaml might read differently goes to the `yaml` library at once: anchors and aliases (counted
// and bounded there), merge keys, directives (`%YAML 1.1` changes the scalar rules), tags (js-yaml does not know
// them with this schema, and fails), and any document that is not a Kubernetes object (its finding needs the
// `yaml` library's words). The two readings are compared on every fixture in load-manifests.test.ts.
const NEEDS_FULL_PARSER = /(?:^|[\s[{,])&[^\s[\]{},]|<<\s*:|\?\s+<<|^%/m;

/** The fast reading alone: `false` when the file needs the full parser (exported for the tests that compare them). */
export function parseFileFast(file: string, text: string, into: Pick<LoadResult, 'manifests' | 'findings'>): boolean {
  if (NEEDS_FULL_PARSER.test(text)) {
    return false;
  }
  let documents: unknown[];
  try {
    documents = loadAll(text, undefined, { schema: coreSchema(), filename: file });
  } catch (error) {
    // What js-yaml cannot read (or nests past its stack) the full parser reads, or reports in its own words.
    if (error instanceof YAMLException || error instanceof RangeError) {
      return false;
    }
    throw error;
  }
  if (
    !documents.every(
      document => document === null || (isKubeObject(document) && nestingDepth(document) <= MAX_NESTING_DEPTH),
    )
  ) {
    return false;
  }
  let lines: DocumentLines | undefined;
  const lineOf = (documentIndex: number, at: readonly PathSegment[]) => {
    lines ??= new DocumentLines(text, documents.length);
    return lines.lineOf(documentIndex, at);
  };
  documents.forEach((object, documentIndex) => {
    if (object !== null) {
      addObject(file, documentIndex, object as KubeObject, at => lineOf(documentIndex, at), into);
    }
  });
  return true;
}

/**
 * Lines for the fast reading. The `yaml` library is ten times slower than js-yaml, so it reads again only the
 * documents a finding asks a line of, each once: a file of 60,000 objects with findings in 1,000 of them costs
 * 1,000 small readings, not one of the whole file. Documents are cut at their `---` and `...` markers, which YAML
 * forbids inside any scalar at the start of a line; when the cut does not give js-yaml's documents one for one, the
 * whole file is read once instead.
 */
class DocumentLines {
  private readonly parsed = new Map<number, { file: ParsedFile; document: Document }>();
  private segments?: Array<{ start: number; end: number; firstLine: number }> | null;
  private whole?: ParsedFile;

  constructor(
    private readonly text: string,
    private readonly documentCount: number,
  ) {}

  public lineOf(documentIndex: number, at: readonly PathSegment[]): number {
    if (!this.whole) {
      const one = this.document(documentIndex);
      if (one) {
        return lineIn(one.file, one.document, at);
      }
      this.whole = parseFully(this.text);
    }
    return lineIn(this.whole, this.whole.documents[documentIndex], at);
  }

  private document(index: number): { file: ParsedFile; document: Document } | undefined {
    const known = this.parsed.get(index);
    if (known) {
      return known;
    }
    this.segments ??= documentSegments(this.text, this.documentCount);
    const segment = this.segments?.[index];
    if (!segment) {
      return undefined;
    }
    const file = parseFully(this.text.slice(segment.start, segment.end), segment.firstLine - 1);
    if (file.documents.length !== 1) {
      this.segments = null;
      return undefined;
    }
    const one = { file, document: file.documents[0] };
    this.parsed.set(index, one);
    return one;
  }
}

// Where each document of a stream starts and ends; null when the count differs from what the parser found.
function documentSegments(
  text: string,
  expected: number,
): Array<{ start: number; end: number; firstLine: number }> | null {
  const segments: Array<{ start: number; end: number; firstLine: number }> = [];
  let current = { start: 0, firstLine: 1, explicit: false, content: false };
  const close = (end: number) => {
    if (current.explicit || current.content) {
      segments.push({ start: current.start, end, firstLine: current.firstLine });
    }
  };
  let offset = 0;
  let line = 1;
  while (offset < text.length) {
    const newline = text.indexOf('\n', offset);
    const next = newline < 0 ? text.length : newline + 1;
    const first = text.charCodeAt(offset);
    if ((first === 0x2d || first === 0x2e) && /^(---|\.\.\.)(?:[ \t\r\n]|$)/.test(text.slice(offset, offset + 4))) {
      close(offset);
      current =
        first === 0x2d
          ? { start: offset, firstLine: line, explicit: true, content: false }
          : { start: next, firstLine: line + 1, explicit: false, content: false };
    } else if (!current.content && !/^\s*(#.*)?$/.test(text.slice(offset, next))) {
      current.content = true;
    }
    offset = next;
    line++;
  }
  close(text.length);
  return segments.length === expected ? segments : null;
}

/** The `yaml` library's reading alone, with every node's position (exported for the same tests). */
export function parseFileFully(file: string, text: string, into: Pick<LoadResult, 'manifests' | 'findings'>): void {
  const parsed = parseFully(text);
  parsed.documents.forEach((document, documentIndex) => {
    if (document.errors.length > 0) {
      // The parser reports an exhausted stack once per level it unwinds: once is enough.
      const errors = document.errors.filter(
        (error, index, all) => all.findIndex(e => e.message === error.message) === index,
      );
      for (const error of errors) {
        into.findings.push(
          finding(
            'parse-error',
            { file, line: parsed.lineAt(error.pos[0]) },
            `${explainParseError(error.message.split('\n')[0])} (document ${documentIndex + 1})`,
          ),
        );
      }
      return;
    }
    if (document.contents === null || (isScalar(document.contents) && document.contents.value === null)) {
      return; // an empty document, as after a trailing `---`
    }
    const line = parsed.lineAt(document.contents.range?.[0] ?? 0);
    let object: KubeObject;
    try {
      const aliasing = excessiveAliasing(document);
      if (aliasing) {
        into.findings.push(finding('parse-error', { file, line }, `document ${documentIndex + 1} ${aliasing}`));
        return;
      }
      object = document.toJS({ maxAliasCount: -1 }) as KubeObject;
    } catch (error) {
      into.findings.push(
        finding('parse-error', { file, line }, `document ${documentIndex + 1} ${explainToJsError(error as Error)}`),
      );
      return;
    }
    const depth = nestingDepth(object);
    if (depth > MAX_NESTING_DEPTH) {
      into.findings.push(
        finding(
          'parse-error',
          { file, line },
          `document ${documentIndex + 1} nests collections ${depth} ` +
            `levels deep, more than the ${MAX_NESTING_DEPTH} this validator reads (no Kubernetes object needs more than a few dozen)`,
        ),
      );
      return;
    }
    if (!isMap(document.contents) || typeof object?.apiVersion !== 'string' || typeof object?.kind !== 'string') {
      into.findings.push(
        finding(
          'not-kubernetes-object',
          { file, line },
          `document ${documentIndex + 1} is not a Kubernetes object: it needs string fields 'apiVersion' and 'kind'`,
        ),
      );
      return;
    }
    addObject(file, documentIndex, object, at => lineIn(parsed, document, at), into);
  });
}

// One parsed Kubernetes object (or each item of a List) into the results.
function addObject(
  file: string,
  documentIndex: number,
  object: KubeObject,
  lineOf: (at: readonly PathSegment[]) => number,
  into: Pick<LoadResult, 'manifests' | 'findings'>,
): void {
  if (KUSTOMIZE_CONFIG_API.test(object.apiVersion)) {
    return;
  }
  if (typeof object.metadata !== 'object' || object.metadata === null) {
    object.metadata = {};
  }
  if (object.kind.endsWith('List') && Array.isArray(object.items)) {
    object.items.forEach((item: KubeObject, index: number) => {
      if (!isKubeObject(item)) {
        into.findings.push(
          finding(
            'not-kubernetes-object',
            { file, line: lineOf(['items', index]) },
            `item ${index} of the ${object.kind} in document ${documentIndex + 1} is not a Kubernetes object: it ` +
              "needs string fields 'apiVersion' and 'kind'",
          ),
        );
        return;
      }
      const metadata = typeof item.metadata === 'object' && item.metadata !== null ? item.metadata : {};
      into.manifests.push({
        file,
        documentIndex,
        object: { ...item, metadata },
        lineOf: p => lineOf(['items', index, ...p]),
      });
    });
    return;
  }
  into.manifests.push({ file, documentIndex, object, lineOf });
}

let schema: Schema | undefined;
/**
 * A js-yaml schema that resolves plain scalars exactly as the `yaml` library's YAML 1.2 core schema does, by its
 * own tags (null, bool, int in base 8/10/16, float), in its order; strings, sequences and maps as js-yaml's
 * failsafe schema reads them. No timestamps, binaries or merge keys, which the `yaml` library does not resolve here.
 */
function coreSchema(): Schema {
  if (!schema) {
    const tags = (
      new Document().schema.tags as Array<{
        test?: RegExp;
        resolve: (...args: unknown[]) => unknown;
        default?: unknown;
      }>
    ).filter(tag => tag.test && tag.default);
    const scalarOf = (text: string) => {
      const value = tags.find(tag => tag.test!.test(text))!.resolve(text, () => undefined, { intAsBigInt: false });
      return isScalar(value) ? value.value : value;
    };
    schema = FAILSAFE_SCHEMA.extend({
      implicit: [
        new Type('tag:stateful-todo,2026:core-scalar', {
          kind: 'scalar',
          resolve: (text: string | null) => text === null || tags.some(tag => tag.test!.test(text)),
          construct: (text: string | null) => (text === null ? null : scalarOf(text)),
        }),
      ],
    });
  }
  return schema;
}

/**
 * Why kubectl would refuse to expand the aliases of `document`, or `undefined`. Each `*alias` stands for a copy of
 * its anchor's value, so aliases of aliases ("billion laughs") grow exponentially. Go's YAML decoder, which kubectl
 * reads with, bounds the work by the size of the expansion, not by the number of aliases: it refuses a document
 * of more than 1,000 decoded nodes of which more than 100 come from aliases, when the share that comes from aliases
 * is above 99% (up to 400,000 nodes), falling to 10% at 4,000,000 (gopkg.in/yaml decode.go, allowedAliasRatio).
 * The sizes are counted here without expanding anything: each node's expanded size once, shared by its aliases.
 */
function excessiveAliasing(document: Document): string | undefined {
  const sizes = new Map<unknown, number>();
  const inProgress = new Set<unknown>();
  let cyclic = false;
  // [decoded nodes, of which decoded within an alias]
  const measure = (node: unknown): [number, number] => {
    if (isAlias(node)) {
      const target = node.resolve(document);
      if (!target) {
        return [1, 0];
      }
      const size = expandedSize(target);
      return [1 + size, size];
    }
    let decoded = 1;
    let aliased = 0;
    for (const child of childrenOf(node)) {
      const [d, a] = measure(child);
      decoded += d;
      aliased += a;
    }
    return [decoded, aliased];
  };
  const expandedSize = (node: unknown): number => {
    const known = sizes.get(node);
    if (known !== undefined) {
      return known;
    }
    if (inProgress.has(node)) {
      cyclic = true;
      return Infinity;
    }
    inProgress.add(node);
    const size = measure(node)[0];
    inProgress.delete(node);
    sizes.set(node, size);
    return size;
  };
  const [decoded, aliased] = measure(document.contents);
  if (cyclic) {
    return 'has an alias (*name) inside the value of its own anchor: its expansion never ends';
  }
  if (aliased > 100 && decoded > 1000 && aliased / decoded > allowedAliasRatio(decoded)) {
    return (
      `expands its aliases (*name) to ${decoded >= 1e7 ? 'more than 10,000,000' : decoded.toLocaleString('en-US')} values, ` +
      `${Math.round((aliased / decoded) * 100)}% of them copies made by aliases: kubectl refuses it ("excessive aliasing", its guard ` +
      'against a "billion laughs" document); write the repeated values out, or alias fewer and smaller values'
    );
  }
  return undefined;
}

function allowedAliasRatio(decoded: number): number {
  const low = 400_000;
  const high = 4_000_000;
  return decoded <= low ? 0.99 : decoded >= high ? 0.1 : 0.99 - 0.89 * ((decoded - low) / (high - low));
}

function childrenOf(node: unknown): unknown[] {
  if (isMap(node)) {
    return node.items.flatMap(pair => [pair.key, pair.value]).filter(child => child !== null && child !== undefined);
  }
  if (isSeq(node)) {
    return node.items
      .map(item => (isPair(item) ? item.value : item))
      .filter(child => child !== null && child !== undefined);
  }
  return [];
}

// Deeper documents could exhaust the stack of the checks that walk every field; no Kubernetes object comes close.
const MAX_NESTING_DEPTH = 256;

/**
 * The text of a file that must be UTF-8, as kubectl reads it; `undefined`, with a finding, when it is UTF-16 or
 * UTF-32 (which editors on Windows write) or holds bytes that are not UTF-8 (such as Latin-1 text).
 */
export function decodeUtf8(file: string, bytes: Buffer, findings: Finding[]): string | undefined {
  const encoding = utf16Or32(bytes);
  if (encoding) {
    findings.push(
      finding(
        'parse-error',
        { file, line: 1 },
        `the file is ${encoding}; kubectl reads YAML and JSON as UTF-8: ` + 'save it as UTF-8',
      ),
    );
    return undefined;
  }
  // YAML and JSON are text; a NUL byte means binary data (an image, an archive, a compiled file) under a .yaml name.
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const line = bytes.subarray(0, nul).toString('latin1').split('\n').length;
    findings.push(
      finding(
        'parse-error',
        { file, line },
        `the file holds binary data, not YAML or JSON text: byte ${nul} is a NUL ` +
          '(0x00); check that this is the file you meant, or remove it from the folder',
      ),
    );
    return undefined;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, offset).toString('latin1').split('\n').length;
    findings.push(
      finding(
        'parse-error',
        { file, line },
        `byte ${offset} (0x${bytes[offset].toString(16).padStart(2, '0')}) is not ` +
          'valid UTF-8, as in Latin-1 or Windows-1252 text; kubectl rejects the file: save it as UTF-8',
      ),
    );
    return undefined;
  }
}

function utf16Or32(bytes: Buffer): string | undefined {
  const starts = (...prefix: number[]) => prefix.every((byte, index) => bytes[index] === byte);
  if (starts(0xff, 0xfe, 0, 0)) return 'UTF-32 (little-endian, with a byte order mark)';
  if (starts(0, 0, 0xfe, 0xff)) return 'UTF-32 (big-endian, with a byte order mark)';
  if (starts(0xff, 0xfe)) return 'UTF-16 (little-endian, with a byte order mark)';
  if (starts(0xfe, 0xff)) return 'UTF-16 (big-endian, with a byte order mark)';
  // Without a byte order mark: ASCII text in UTF-16 has a zero byte beside every character.
  if (bytes.length >= 4 && bytes[1] === 0 && bytes[3] === 0 && bytes[0] !== 0) return 'UTF-16 (little-endian)';
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[2] === 0 && bytes[1] !== 0) return 'UTF-16 (big-endian)';
  return undefined;
}

function firstInvalidUtf8(bytes: Buffer): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index];
    // The length of the sequence a lead byte starts; 0 for a byte that cannot start one (a lone continuation byte,
    // an overlong 0xC0/0xC1, or 0xF5 and above).
    const length =
      lead < 0x80
        ? 1
        : lead >= 0xc2 && lead < 0xe0
          ? 2
          : lead >= 0xe0 && lead < 0xf0
            ? 3
            : lead >= 0xf0 && lead < 0xf5
              ? 4
              : 0;
    if (length === 0 || index + length > bytes.length) {
      return index;
    }
    for (let next = 1; next < length; next++) {
      if ((bytes[index + next] & 0xc0) !== 0x80) {
        return index;
      }
    }
    index += length;
  }
  return Math.max(0, bytes.length - 1);
}

function explainParseError(message: string): string {
  return /Maximum call stack size exceeded/.test(message)
    ? 'collections nested too deeply to read (thousands of levels; no Kubernetes object needs more than a few dozen)'
    : message;
}

function explainToJsError(error: Error): string {
  const unresolved = /Unresolved alias.*?: (\S+)/.exec(error.message);
  if (unresolved || /Unresolved alias/.test(error.message)) {
    return (
      `has an alias${unresolved ? ` *${unresolved[1]}` : ''} whose anchor is not defined before it in the same ` +
      "document (anchors do not carry across '---')"
    );
  }
  if (/Merge sources must be maps/.test(error.message)) {
    return 'has a merge key (<<) whose value is neither a map nor an alias of a map anchored earlier in the same document';
  }
  if (error instanceof RangeError) {
    return 'nests collections too deeply to read (no Kubernetes object needs more than a few dozen levels)';
  }
  return `cannot be read: ${error.message.split('\n')[0]}`;
}

/** How deeply `value` nests objects and arrays, without recursion (a deep document must not exhaust the stack). */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current !== null && typeof current === 'object') {
      deepest = Math.max(deepest, depth + 1);
      if (deepest > MAX_NESTING_DEPTH) {
        return deepest;
      }
      for (const child of Object.values(current)) {
        stack.push([child, depth + 1]);
      }
    }
  }
  return deepest;
}

function isKubeObject(value: unknown): value is KubeObject {
  const object = value as KubeObject | null;
  return (
    typeof object === 'object' &&
    object !== null &&
    !Array.isArray(object) &&
    typeof object.apiVersion === 'string' &&
    typeof object.kind === 'string'
  );
}

/** The files `input` names: itself, or a folder's YAML and JSON files, recursively, sorted; else it is unreadable. */
export function listManifestFiles(input: string, unreadable: string[]): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(input);
  } catch {
    unreadable.push(input);
    return [];
  }
  if (!stat.isDirectory()) {
    return [input];
  }
  const files: string[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      unreadable.push(dir); // reported like an unreadable file; the rest of the tree is still read
      return;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (MANIFEST_FILE.test(entry.name)) {
        files.push(full);
      }
    }
  };
  walk(input);
  return files;
}
