import * as fs from 'fs';
import * as path from 'path';

import { stringify } from 'yaml';

import { runCli } from '../src/cli';
import { validatePaths } from '../src/validate-manifests';

import { check, findingsOf, tempFolder } from './support';

// A CRD in the shape of a real one (structural schema, served version), with the constructs CRDs use.
const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.io' },
  spec: {
    group: 'example.io',
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: {
                  size: { type: 'string', enum: ['small', 'large'] },
                  interval: { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' },
                  port: { 'x-kubernetes-int-or-string': true },
                  note: { type: 'string', nullable: true },
                  extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
            },
          },
        },
      },
    ],
  },
};
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
const widget = (spec: object) => ({
  apiVersion: 'example.io/v1',
  kind: 'Widget',
  metadata: { name: 'w', namespace: 'shop' },
  spec,
});

describe('custom resources checked against their CRD', () => {
  test('unknown fields, types, enums, patterns and required fields are errors, like a built-in kind', () => {
    const messages = (spec: object) =>
      findingsOf(check([NAMESPACE, CRD, widget(spec)]), 'schema-violation').map(f => `${f.path}: ${f.message}`);
    expect(messages({ size: 'small', sise: 'x' })).toEqual([
      "spec.sise: unknown field 'sise' in spec (did you mean 'size'?)",
    ]);
    expect(messages({ size: 'medium' })).toEqual(['spec.size: must be one of "small", "large", got "medium"']);
    expect(messages({ size: 'small', interval: 5 })).toEqual(['spec.interval: must be a string, got 5']);
    expect(messages({ size: 'small', interval: '5 minutes' })).toEqual([
      expect.stringMatching(/^spec\.interval: must match pattern/),
    ]);
    expect(messages({})).toEqual(["spec: missing required field 'size' in spec"]);
    expect(findingsOf(check([NAMESPACE, CRD, widget({ size: 'small' })]), 'custom-resource')).toEqual([]);
  });

  test('near misses: int-or-string, nullable, preserved unknown fields, and metadata at the root are accepted', () => {
    const report = check([
      NAMESPACE,
      CRD,
      widget({ size: 'large', interval: '1m30s', port: 'http', note: null, extra: { any: { thing: 1 } } }),
      { ...widget({ size: 'small', port: 8080 }), metadata: { name: 'v', namespace: 'shop', labels: { a: 'b' } } },
      // status belongs to the controller (the API server ignores it on apply): not checked.
      {
        ...widget({ size: 'small' }),
        metadata: { name: 'u', namespace: 'shop' },
        status: { phase: 'Ready', anything: [1] },
      },
    ]);
    expect(report.findings.filter(f => f.severity !== 'info')).toEqual([]);
  });

  test('without its CRD a custom resource gets the note and generic checks only', () => {
    expect(findingsOf(check([NAMESPACE, widget({ sise: 1 })]), 'custom-resource').map(f => f.message)).toEqual([
      expect.stringMatching(
        /is a custom resource whose CustomResourceDefinition is not in the set nor given with --crd/,
      ),
    ]);
  });

  test('--crd FILE|FOLDER gives the CRDs from outside the set; an unreadable one exits 2, naming it', () => {
    const dir = tempFolder('crd-');
    fs.mkdirSync(path.join(dir, 'crds'));
    fs.writeFileSync(path.join(dir, 'crds', 'widget.yaml'), stringify(CRD));
    fs.writeFileSync(
      path.join(dir, 'set.yaml'),
      [NAMESPACE, widget({ size: 'huge' })].map(o => stringify(o)).join('---\n'),
    );
    const out: string[] = [];
    const err: string[] = [];
    const run = (args: string[]) =>
      runCli(
        args,
        text => out.push(text),
        text => err.push(text),
      );
    expect(run(['--crd', path.join(dir, 'crds'), path.join(dir, 'set.yaml')])).toBe(1);
    expect(out.join('\n')).toMatch(/spec\.size: must be one of "small", "large", got "huge"/);
    expect(run(['--crd', path.join(dir, 'missing'), path.join(dir, 'set.yaml')])).toBe(2);
    expect(err.join('\n')).toContain(`--crd: cannot read '${path.join(dir, 'missing')}'`);
  });

  test("a pattern in Go's RE2 syntax that JavaScript cannot compile is left unchecked, not a crash, in the set and from --crd", () => {
    const re2 = JSON.parse(JSON.stringify(CRD));
    re2.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.interval.pattern = '(?i)^[0-9]+M$';
    const messages = (spec: object) =>
      findingsOf(check([NAMESPACE, re2, widget(spec)]), 'schema-violation').map(f => f.message);
    expect(messages({ size: 'small', interval: '5m' })).toEqual([]);
    // The rest of the schema is still checked.
    expect(messages({ size: 'huge', interval: '5m' })).toEqual(['must be one of "small", "large", got "huge"']);
    const dir = tempFolder('crd-re2-');
    fs.writeFileSync(path.join(dir, 'crd.yaml'), stringify(re2));
    fs.writeFileSync(
      path.join(dir, 'set.yaml'),
      [NAMESPACE, widget({ size: 'huge', interval: '5m' })].map(o => stringify(o)).join('---\n'),
    );
    const out: string[] = [];
    expect(
      runCli(
        ['--crd', path.join(dir, 'crd.yaml'), path.join(dir, 'set.yaml')],
        text => out.push(text),
        () => undefined,
      ),
    ).toBe(1);
    expect(out.join('\n')).toMatch(/spec\.size: must be one of "small", "large", got "huge"/);
  });

  test('real CRDs are valid objects themselves: x-kubernetes-* and description fields are declared (kubernetes-models strips them)', () => {
    const report = validatePaths([path.join(__dirname, '..', '..', '..', 'crds')]);
    expect(report.objectCount).toBe(8);
    expect(report.findings).toEqual([]);
  });
});
