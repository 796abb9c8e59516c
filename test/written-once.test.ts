import * as fs from 'fs';
import * as path from 'path';

import { imageRepository } from '@stateful-todo/kube-conventions';
import { parseFile, validateLoaded } from '@stateful-todo/manifest-validator';

import { CLUSTER_NAMESPACES } from '../lib/charts/namespace-chart';

const ROOT = path.join(__dirname, '..');

/** Every .ts file under `folders` (relative to the root), with its text. */
function sources(...folders: string[]): Array<{ file: string; text: string }> {
  return folders.flatMap(folder =>
    fs
      .readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' })
      .filter(name => name.endsWith('.ts'))
      .map(name => path.join(folder, name))
      .map(file => ({ file, text: fs.readFileSync(path.join(ROOT, file), 'utf8') })),
  );
}

/** The files of lib/ and packages/*\/src whose text matches `pattern`. */
function filesMatching(pattern: RegExp): string[] {
  return sources('lib', 'packages/kube-conventions/src', 'packages/validator/src')
    .filter(({ text }) => pattern.test(text))
    .map(({ file }) => file);
}

// One decision, one place: the stack and the validator share these through packages/kube-conventions (or lib/kube),
// so that changing one cannot leave a copy behind.
describe('what the stack and the validator both decide is written once', () => {
  test('the namespaces every cluster has: the stack never creates them, the validator never reports them missing', () => {
    expect(CLUSTER_NAMESPACES).toEqual(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
    const text = CLUSTER_NAMESPACES.map(
      namespace =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${namespace}\ndata:\n  a: b\n`,
    ).join('---\n');
    const loaded = { files: ['cluster-namespaces.yaml'], manifests: [], findings: [], unreadable: [] };
    parseFile('cluster-namespaces.yaml', text, loaded);
    const report = validateLoaded(loaded);
    expect(report.objectCount).toBe(CLUSTER_NAMESPACES.length);
    expect(report.findings.filter(f => f.ruleId === 'namespace-missing')).toEqual([]);
    expect(filesMatching(/'kube-node-lease'/)).toEqual(['packages/kube-conventions/src/cluster-namespaces.ts']);
  });

  test.each([
    ['postgres:17.6', 'postgres'],
    ['docker.io/library/postgres:17.6@sha256:0123abcd', 'docker.io/library/postgres'],
    ['ghcr.io/cloudnative-pg/postgresql@sha256:0123abcd', 'ghcr.io/cloudnative-pg/postgresql'],
    ['registry.local:5000/todo/app:1.2.3', 'registry.local:5000/todo/app'],
    ['registry.local:5000/todo/app', 'registry.local:5000/todo/app'],
  ])('the repository of the image %s is %s, for every construct that asks', (image, repository) => {
    expect(imageRepository(image)).toBe(repository);
  });

  test('one parser of image references, one checksum, one storage class check, one set of label keys', () => {
    expect(filesMatching(/split\('@'\)/)).toEqual(['packages/kube-conventions/src/image-reference.ts']);
    expect(filesMatching(/createHash\('sha256'\)\.update\(JSON\.stringify/)).toEqual(['lib/kube/checksum.ts']);
    expect(filesMatching(/leave it unset for the cluster's default class/)).toEqual(['lib/kube/prop-checks.ts']);
    // Only labels.ts names the recommended label keys of our own objects (CloudNativePG's operator pods carry theirs).
    expect(
      filesMatching(
        /'app\.kubernetes\.io\/(name|instance|component|version|part-of|managed-by)':(?! 'cloudnative-pg')/,
      ).filter(file => file.startsWith('lib/')),
    ).toEqual([]);
  });
});
