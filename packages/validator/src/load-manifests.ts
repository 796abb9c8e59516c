import * as fs from 'fs';
import * as path from 'path';
import { Document, isCollection, isMap, isScalar, LineCounter, parseAllDocuments } from 'yaml';
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
  for (const input of inputs) {
    for (const file of expand(input, result.unreadable)) {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        result.unreadable.push(file);
        continue;
      }
      result.files.push(file);
      parseFile(file, text, result);
    }
  }
  return result;
}

/** Parses one file's text; exported for tests and for the cdk8s plugin, which is handed file paths. */
export function parseFile(file: string, text: string, into: Pick<LoadResult, 'manifests' | 'findings'>): void {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(documents) ? documents : [documents as unknown as Document];
  list.forEach((document, documentIndex) => {
    const lineAt = (offset: number) => lineCounter.linePos(offset).line;
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        into.findings.push(finding('parse-error', { file, line: lineAt(error.pos[0]) },
          `${error.message.split('\n')[0]} (document ${documentIndex + 1})`));
      }
      return;
    }
    if (document.contents === null || (isScalar(document.contents) && document.contents.value === null)) {
      return; // an empty document, as after a trailing `---`
    }
    const line = lineAt(document.contents.range?.[0] ?? 0);
    const object = document.toJS({ maxAliasCount: 100 }) as KubeObject;
    if (!isMap(document.contents) || typeof object?.apiVersion !== 'string' || typeof object?.kind !== 'string') {
      into.findings.push(finding('not-kubernetes-object', { file, line },
        `document ${documentIndex + 1} is not a Kubernetes object: it needs string fields 'apiVersion' and 'kind'`));
      return;
    }
    if (KUSTOMIZE_CONFIG_API.test(object.apiVersion)) {
      return;
    }
    if (typeof object.metadata !== 'object' || object.metadata === null) {
      object.metadata = {};
    }
    const lineOf = (at: readonly PathSegment[]) => {
      for (let depth = at.length; depth >= 0; depth--) {
        const node = document.getIn(at.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
        if (node && (node.range || isCollection(node))) {
          return lineAt(node.range?.[0] ?? 0);
        }
      }
      return line;
    };
    if (object.kind.endsWith('List') && Array.isArray(object.items)) {
      object.items.forEach((item: KubeObject, index: number) => {
        if (!isKubeObject(item)) {
          into.findings.push(finding('not-kubernetes-object', { file, line: lineOf(['items', index]) },
            `item ${index} of the ${object.kind} in document ${documentIndex + 1} is not a Kubernetes object: it needs string fields 'apiVersion' and 'kind'`));
          return;
        }
        const metadata = typeof item.metadata === 'object' && item.metadata !== null ? item.metadata : {};
        into.manifests.push({ file, documentIndex, object: { ...item, metadata }, lineOf: p => lineOf(['items', index, ...p]) });
      });
      return;
    }
    into.manifests.push({ file, documentIndex, object, lineOf });
  });
}

function isKubeObject(value: unknown): value is KubeObject {
  const object = value as KubeObject | null;
  return typeof object === 'object' && object !== null && !Array.isArray(object)
    && typeof object.apiVersion === 'string' && typeof object.kind === 'string';
}

function expand(input: string, unreadable: string[]): string[] {
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
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
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
