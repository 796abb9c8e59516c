import { stringify } from 'yaml';

import { parseFile } from '../src/load-manifests';
import { Manifest } from '../src/manifest';
import { formatJson, formatText } from '../src/report';

import { check, findingsOf, goodSet } from './support';

// Reports end up in CI logs: no finding, in any format, may print a value of a Secret (data or stringData, encoded
// or decoded), or the literal value of an environment variable that looks secret.
const SECRET_VALUES = [
  'hunter2!',
  'correct horse battery staple',
  '5432100',
  's3cr3t-token',
  'czNjcjN0LXRva2Vu',
  'old-value-42',
  'b2xkLXZhbHVlLTQy',
  'p4ssw0rd-literal',
  '87654321',
];

function previous(): Manifest[] {
  const into = { manifests: [] as Manifest[], findings: [] };
  parseFile(
    'previous.yaml',
    stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'frozen', namespace: 'shop' },
      immutable: true,
      data: { key: 'b2xkLXZhbHVlLTQy' },
    }),
    into,
  );
  return into.manifests;
}

function leakySet() {
  const set = goodSet();
  const container = set.web.spec.template.spec.containers[0] as any;
  container.env.push({ name: 'DB_PASSWORD', value: 'p4ssw0rd-literal' }, { name: 'API_SECRET', value: 87654321 });
  return [
    ...Object.values(set),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'shop' },
      type: 'Opaque',
      // Not base64; a number where a string belongs; and a valid value, whose decoded form must not leak either.
      data: { password: 'hunter2!', pin: 5432100, token: 'czNjcjN0LXRva2Vu' },
      stringData: { passphrase: 'correct horse battery staple', nested: { value: 's3cr3t-token' } },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'frozen', namespace: 'shop' },
      immutable: true,
      data: { key: 'czNjcjN0LXRva2Vu' },
    },
  ];
}

describe('Secret values', () => {
  const report = check(leakySet(), { previous: previous() });

  test('the findings that used to print them are still reported', () => {
    expect(findingsOf(report, 'schema-violation').map(f => `${f.path}: ${f.message}`)).toEqual(
      expect.arrayContaining([
        'data.password: not base64; put plain text under stringData instead (the API server encodes it)',
        'data.pin: must be a string',
        'stringData.nested: must be a string',
        'spec.template.spec.containers[0].env[3].value: must be a string, got (value hidden)',
      ]),
    );
    expect(findingsOf(report, 'secret-in-env').map(f => f.message)).toEqual([
      "container 'web' sets DB_PASSWORD to a literal value",
    ]);
    expect(findingsOf(report, 'immutable-field').map(f => `${f.path}: ${f.message}`)).toEqual([
      "data.key: changes (values not shown: they are a Secret's), which the API server refuses on update",
    ]);
  });

  test.each([
    ['text', formatText],
    ['json', formatJson],
  ])('appear in no message of the %s report', (_format, format) => {
    const output = format([report]);
    for (const value of SECRET_VALUES) {
      expect(output).not.toContain(value);
    }
  });
});
