import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { Finding } from '../src/finding';
import { loadManifests, parseFileFast, parseFileFully, readManifestFiles } from '../src/load-manifests';
import { Manifest } from '../src/manifest';
import { validatePaths } from '../src/validate-manifests';

import { checkText, tempFolder } from './support';

function folder(files: Record<string, string>): string {
  const dir = tempFolder('validate-');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n';

describe('loading manifests', () => {
  test('a syntax error is reported with its file and line, and the other files are still checked', () => {
    const dir = folder({
      'a-broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  key: [unclosed\n',
      'b-good.yaml': `${NAMESPACE}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: shop\ndata:\n  API_SECRET: x\n`,
    });
    const report = validatePaths([dir]);
    const parse = report.findings.find(f => f.ruleId === 'parse-error')!;
    expect(parse.file).toBe(path.join(dir, 'a-broken.yaml'));
    expect(parse.line).toBeGreaterThanOrEqual(6);
    expect(report.findings.find(f => f.ruleId === 'secret-in-configmap')?.file).toBe(path.join(dir, 'b-good.yaml'));
    expect(report.files).toHaveLength(2);
  });

  test('reads multi-document YAML, JSON, and List kinds; skips empty documents and kustomization files', () => {
    const dir = folder({
      'one.yaml': `---\n${NAMESPACE}---\n---\n`,
      'two.json': JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'shop' }, data: {} }],
      }),
      'sub/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [one.yaml]\n',
      'notes.txt': 'not a manifest',
    });
    const loaded = loadManifests([dir]);
    expect(loaded.findings).toEqual([]);
    expect(loaded.files.map(f => path.relative(dir, f))).toEqual([
      'one.yaml',
      path.join('sub', 'kustomization.yaml'),
      'two.json',
    ]);
    expect(loaded.manifests.map(m => `${m.object.kind}/${m.object.metadata.name}`)).toEqual([
      'Namespace/shop',
      'ConfigMap/a',
    ]);
  });

  test('documents that are not Kubernetes objects are reported, not crashed on', () => {
    const report = checkText('- a\n- b\n---\nkind: ConfigMap\n---\n42\n');
    expect(report.findings.map(f => [f.ruleId, f.line])).toEqual([
      ['not-kubernetes-object', 1],
      ['not-kubernetes-object', 4],
      ['not-kubernetes-object', 6],
    ]);
  });

  test('a missing path is unreadable', () => {
    expect(loadManifests(['/no/such/file.yaml']).unreadable).toEqual(['/no/such/file.yaml']);
  });

  test('files are read in the order given, folders in name order; what cannot be read is set aside, the rest read', () => {
    const dir = folder({ 'b.yaml': NAMESPACE, 'a/inner.yml': NAMESPACE, 'notes.txt': 'not a manifest' });
    fs.symlinkSync(path.join(dir, 'gone.yaml'), path.join(dir, 'broken.yaml'));
    const single = path.join(folder({ 'single.json': '{}' }), 'single.json');
    const unreadable: string[] = [];
    const read = [...readManifestFiles([dir, '/no/such/file.yaml', single], unreadable)];
    expect(read.map(({ file, bytes }) => [file, bytes.toString('utf8')])).toEqual([
      [path.join(dir, 'a', 'inner.yml'), NAMESPACE],
      [path.join(dir, 'b.yaml'), NAMESPACE],
      [single, '{}'],
    ]);
    expect(unreadable).toEqual([path.join(dir, 'broken.yaml'), '/no/such/file.yaml']);
  });

  test('duplicates are found across two files', () => {
    const dir = folder({ 'a.yaml': NAMESPACE, 'b.yaml': NAMESPACE });
    const duplicate = validatePaths([dir]).findings.find(f => f.ruleId === 'duplicate-object')!;
    expect(duplicate.file).toBe(path.join(dir, 'b.yaml'));
    expect(duplicate.message).toContain(`${path.join(dir, 'a.yaml')}:4`);
  });

  test('findings point at the line of the field', () => {
    const report = checkText(
      `${NAMESPACE}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\n` +
        'spec:\n  type: NodePort\n  ports:\n    - port: 5432\n',
    );
    const exposed = report.findings.find(f => f.ruleId === 'database-port-exposed')!;
    expect(exposed.line).toBe(14);
    expect(exposed.path).toBe('spec.ports[0]');
    expect(exposed.object).toBe('Service shop/web');
  });

  test('malformed objects (wrong types everywhere, null List items) are reported, never crashed on', () => {
    const report = validatePaths([path.join(__dirname, 'fixtures', 'malformed')]);
    expect(report.objectCount).toBe(8);
    const messages = report.findings.map(f => `${f.line} ${f.ruleId} ${f.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        '4 schema-violation must be an object, got 7',
        '13 statefulset-service StatefulSet has no serviceName',
        '54 schema-violation must be a string or an integer, got [1]',
        "59 not-kubernetes-object item 0 of the List in document 8 is not a Kubernetes object: it needs string fields 'apiVersion' and 'kind'",
      ]),
    );
    expect(report.errors + report.warnings).toBeGreaterThanOrEqual(30);
    // Each message names the field and what is wrong, on one line: never a dump of the object.
    for (const finding of report.findings) {
      expect(finding.message).not.toContain('\n');
      expect(finding.message.length).toBeLessThan(240);
    }
  });

  test('a missing required field is reported as such; a StatefulSet without serviceName only by its own rule', () => {
    const text = [
      NAMESPACE,
      '---',
      'apiVersion: apps/v1',
      'kind: StatefulSet',
      'metadata: {name: db, namespace: shop}',
      'spec:',
      '  selector: {matchLabels: {app: db}}',
      '  template:',
      '    metadata: {labels: {app: db}}',
      '    spec:',
      '      containers:',
      '        - image: postgres:17.6-bookworm',
      '',
    ].join('\n');
    const messages = checkText(text)
      .findings.filter(f => f.ruleId === 'schema-violation' || f.ruleId === 'statefulset-service')
      .map(f => `${f.ruleId} ${f.path}: ${f.message}`);
    expect(messages.sort()).toEqual([
      "schema-violation spec.template.spec.containers[0]: missing required field 'name' in spec.template.spec.containers[0]",
      'statefulset-service spec: StatefulSet has no serviceName',
    ]);
    const named = checkText(text.replace('- image:', '- name: db\n          image:')).findings;
    expect(
      named.map(f => `${f.ruleId} ${f.message}`).filter(m => /schema-violation|statefulset-service/.test(m)),
    ).toEqual(['statefulset-service StatefulSet has no serviceName']);
  });

  describe('inputs that used to abort the whole run: each is a finding on its file, and the other files are still checked', () => {
    const GOOD = `${NAMESPACE}`;
    const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n';

    /** The findings on `bad` (written as given), with a good file beside it, which must still be read. */
    function findingsOn(bad: string | Buffer) {
      const dir = folder({ 'good.yaml': GOOD });
      fs.writeFileSync(path.join(dir, 'bad.yaml'), bad);
      const report = validatePaths([dir]);
      expect(report.objectCount).toBeGreaterThanOrEqual(1);
      return report.findings.filter(f => f.file.endsWith('bad.yaml')).map(f => `${f.ruleId}: ${f.message}`);
    }

    test("aliases are bounded by the size of their expansion, as kubectl's YAML decoder bounds them, not by their number", () => {
      // 300 aliases of a small value: read, as kubectl reads them (the old limit of 100 aliases refused it).
      const aliases = Array.from({ length: 300 }, (_, i) => `  k${i}: *v`).join('\n');
      expect(findingsOn(`${CONFIG_MAP}data:\n  x: &v val\n${aliases}\n`)).toEqual([]);
      // A list of 1,000 values aliased 20 times: 95% of the 21,000 values read are copies, which kubectl allows (up to
      // 99% of 400,000 values); aliased 500 times, 99.8% of 500,000, which it refuses.
      const big = `[${Array.from({ length: 1000 }, (_, i) => `v${i}`).join(',')}]`;
      const copies = (count: number) => Array.from({ length: count }, () => '  - *big').join('\n');
      const pod = (count: number) =>
        'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers:\n  - name: c\n' +
        `    image: busybox:1.36\n    command: &big ${big}\n    args:\n${copies(count).replace(/^/gm, '    ')}\n`;
      expect(findingsOn(pod(20)).filter(f => f.startsWith('parse-error'))).toEqual([]);
      expect(findingsOn(pod(500))).toEqual([
        expect.stringMatching(
          new RegExp(
            String.raw`^parse-error: document 1 expands its aliases \(\*name\) to 50\d,\d{3} values, 100% of them ` +
              String.raw`copies made by aliases: kubectl refuses it \("excessive aliasing"`,
          ),
        ),
      ]);
    });

    test("an alias inside its own anchor's value is reported, not expanded forever", () => {
      expect(findingsOn(`${CONFIG_MAP}data: &loop\n  self: *loop\n`)).toEqual([
        expect.stringMatching(
          /^parse-error: document 1 (has an alias \(\*name\) inside the value of its own anchor|has an alias \*loop whose anchor is not defined)/,
        ),
      ]);
    });

    test('a "billion laughs" bomb is reported on its file, in bounded time and memory', () => {
      let bomb = `${CONFIG_MAP}data:\n  a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n`;
      let previous = 'a';
      for (const name of 'bcdefghi') {
        bomb += `  ${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]\n`;
        previous = name;
      }
      const started = process.hrtime.bigint();
      const heapBefore = process.memoryUsage().heapUsed;
      expect(findingsOn(bomb)).toEqual([
        expect.stringMatching(
          /^parse-error: document 1 expands its aliases \(\*name\) to more than 10,000,000 values, 100% of them copies/,
        ),
      ]);
      expect(Number(process.hrtime.bigint() - started) / 1e9).toBeLessThan(5);
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 2 ** 20);
    });

    test('a NUL byte: the file holds binary data, said as such (not a YAML syntax error)', () => {
      const text = Buffer.from(`${CONFIG_MAP}data:\n  x: `);
      // The start of a PNG image: its fifth byte is the first NUL.
      expect(findingsOn(Buffer.concat([text, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d])]))).toEqual([
        `parse-error: the file holds binary data, not YAML or JSON text: byte ${text.length + 4} is a NUL (0x00); ` +
          'check that this is the file you meant, or remove it from the folder',
      ]);
    });

    test('an unrendered Helm template is named as one, with the command that renders it', () => {
      const message = expect.stringMatching(
        new RegExp(
          String.raw`^parse-error: the file looks like an unrendered template: '\{\{ .Values.name \}\}' is Go ` +
            String.raw`template syntax, as in a Helm chart; run helm template first`,
        ),
      );
      // It parses, as a map in place of a name: no more "ConfigMap [object Object]".
      expect(
        findingsOn('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\ndata:\n  a: b\n'),
      ).toEqual([message]);
      // It does not parse.
      expect(
        findingsOn(
          '{{- if .Values.enabled }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n{{- end }}\n',
        ),
      ).toEqual([
        expect.stringMatching(
          /^parse-error: the file looks like an unrendered template: '\{\{- if .Values.enabled \}\}'/,
        ),
      ]);
      // A near miss: Go templates inside strings, as Argo CD's notification templates and Prometheus rules hold them.
      expect(
        findingsOn(
          `${CONFIG_MAP}data:\n  template.app-deployed: |\n    message: |\n` +
            '      {{if eq .serviceType "slack"}}:white_check_mark:{{end}} Application {{.app.metadata.name}} is running.\n' +
            '  summary: "{{ $labels.instance }} is down"\n',
        ),
      ).toEqual([]);
    });

    test('an alias whose anchor is missing, or in another document, is a parse error naming it', () => {
      expect(findingsOn(`${CONFIG_MAP}data:\n  x: *nope\n`)).toEqual([
        "parse-error: document 1 has an alias *nope whose anchor is not defined before it in the same document (anchors do not carry across '---')",
      ]);
      expect(
        findingsOn(`${CONFIG_MAP}data:\n  x: &v val\n---\n${CONFIG_MAP.replace('name: c', 'name: d')}data:\n  y: *v\n`),
      ).toEqual([expect.stringMatching(/^parse-error: document 2 has an alias \*v whose anchor/)]);
    });

    test('nesting 20,000 levels deep says what it is; 500 levels is read but refused as deeper than any object needs', () => {
      expect(findingsOn(`${CONFIG_MAP}data:\n  x: ${'['.repeat(20000)}${']'.repeat(20000)}\n`)).toEqual([
        expect.stringMatching(/^parse-error: collections nested too deeply to read/),
      ]);
      expect(findingsOn(`${CONFIG_MAP}data:\n  x: ${'['.repeat(500)}${']'.repeat(500)}\n`)).toEqual([
        expect.stringMatching(
          /^parse-error: document 1 nests collections 257 levels deep, more than the 256 this validator reads/,
        ),
      ]);
      // A near miss: 200 levels are read.
      expect(findingsOn(`${CONFIG_MAP}data:\n  x: ${'['.repeat(200)}${']'.repeat(200)}\n`)).toEqual([
        expect.stringMatching(/^schema-violation/),
      ]);
    });

    test('UTF-16 and UTF-32 are named, with or without a byte order mark; a UTF-8 byte order mark is fine', () => {
      const text = `${CONFIG_MAP}data:\n  x: y\n`;
      const utf16be = Buffer.from(text, 'utf16le').swap16();
      expect(findingsOn(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))).toEqual([
        'parse-error: the file is UTF-16 (little-endian, with a byte order mark); kubectl reads YAML and JSON as UTF-8: save it as UTF-8',
      ]);
      expect(findingsOn(utf16be)).toEqual([expect.stringMatching(/^parse-error: the file is UTF-16 \(big-endian\)/)]);
      expect(findingsOn(Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('a')]))).toEqual([
        expect.stringMatching(/UTF-32/),
      ]);
      expect(findingsOn(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toEqual([]);
    });

    test('Latin-1 text is invalid UTF-8, reported with its byte and line rather than silently turned into U+FFFD', () => {
      expect(findingsOn(Buffer.from(`${CONFIG_MAP}data:\n  x: caf\u00e9\n`, 'latin1'))).toEqual([
        expect.stringMatching(
          /^parse-error: byte \d+ \(0xe9\) is not valid UTF-8, as in Latin-1 or Windows-1252 text; kubectl rejects the file/,
        ),
      ]);
      expect(findingsOn(Buffer.from(`${CONFIG_MAP}data:\n  x: caf\u00e9\n`, 'utf8'))).toEqual([]);
    });

    test('an unreadable folder, at the top or nested, is reported like an unreadable file (exit 2); the rest is checked', () => {
      const dir = folder({ 'good.yaml': GOOD, 'nested/inner.yaml': GOOD.replace('shop', 'inner') });
      const other = folder({ 'other.yaml': GOOD.replace('shop', 'other') });
      for (const locked of [path.join(dir, 'nested'), other]) {
        fs.chmodSync(locked, 0o000);
      }
      fs.chmodSync(dir, 0o755);
      const cli = path.join(__dirname, '..', 'dist', `test-cli-${process.pid}.js`);
      try {
        // root reads any folder: run the command line as an unprivileged uid, as a user would meet this.
        // Bundled as `npm run build` bundles it, beside dist/cli.js, where it finds the generated schemas.
        execFileSync(path.join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'esbuild'), [
          path.join(__dirname, '..', 'src', 'cli.ts'),
          '--bundle',
          '--platform=node',
          '--target=node20',
          '--external:ajv',
          '--log-level=warning',
          `--outfile=${cli}`,
        ]);
        fs.chmodSync(cli, 0o644);
        const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
        const result = spawnSync(
          asUser[0] ?? process.execPath,
          [...asUser.slice(1), ...(asUser.length ? [process.execPath] : []), cli, other, dir],
          { encoding: 'utf8', cwd: '/' },
        );
        expect(result.status).toBe(2);
        expect(result.stdout).toContain(`${other}\n  cannot be read`);
        expect(result.stdout).toContain(`${path.join(dir, 'nested')}\n  cannot be read`);
        expect(result.stdout).toMatch(/in 1 object from 1 file/);
      } finally {
        fs.chmodSync(other, 0o755);
        fs.chmodSync(path.join(dir, 'nested'), 0o755);
        fs.rmSync(cli, { force: true });
      }
    });
  });
});

describe('the fast reading (js-yaml) and the full one (the yaml library) agree', () => {
  const projectRoot = path.join(__dirname, '..', '..', '..');

  function yamlFiles(dir: string): string[] {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap(entry =>
        entry.isDirectory()
          ? yamlFiles(path.join(dir, entry.name))
          : /\.(ya?ml|json)$/.test(entry.name)
            ? [path.join(dir, entry.name)]
            : [],
      );
  }

  // Where the fast reading takes a file, it must give what the full reading gives: the same objects, in the same
  // documents, with the same findings, and the same line for any field a finding may name.
  function expectSameReading(file: string, text: string): boolean {
    const fast = { manifests: [] as Manifest[], findings: [] as Finding[] };
    const full = { manifests: [] as Manifest[], findings: [] as Finding[] };
    const taken = parseFileFast(file, text, fast);
    parseFileFully(file, text, full);
    if (taken) {
      expect({ file, read: fast.manifests.map(m => [m.documentIndex, m.object]) }).toEqual({
        file,
        read: full.manifests.map(m => [m.documentIndex, m.object]),
      });
      expect(fast.findings).toEqual(full.findings);
      const paths = [
        [],
        ['metadata', 'name'],
        ['spec'],
        ['spec', 'template', 'spec', 'containers', 0, 'image'],
        ['data', 'no-such-key'],
        ['items', 0, 'metadata'],
      ];
      fast.manifests.forEach((manifest, index) => {
        expect(paths.map(p => manifest.lineOf(p))).toEqual(paths.map(p => full.manifests[index].lineOf(p)));
      });
    }
    return taken;
  }

  test('on every fixture, on our dist/ and on the CRDs, and it takes nearly all of them', () => {
    const files = [
      path.join(__dirname, 'fixtures'),
      path.join(projectRoot, 'dist'),
      path.join(projectRoot, 'crds'),
    ].flatMap(yamlFiles);
    const taken = files.filter(file => expectSameReading(file, fs.readFileSync(file, 'utf8')));
    expect(files.length).toBeGreaterThan(20);
    expect(taken.length / files.length).toBeGreaterThan(0.8);
    expect(taken).toEqual(expect.arrayContaining(yamlFiles(path.join(projectRoot, 'dist'))));
  });

  test('on plain scalars, which YAML 1.2 core and YAML 1.1 resolve differently, and on every kind of string', () => {
    const scalars = [
      '0o17',
      '017',
      '0x1F',
      '0X1F',
      '1_000',
      '0b101',
      '1e3',
      '1.0e+3',
      '.5',
      '+1',
      '-0',
      '+.inf',
      '-.Inf',
      '.NaN',
      '~',
      'null',
      'Null',
      'NULL',
      'true',
      'True',
      'TRUE',
      'yes',
      'No',
      'on',
      'OFF',
      'y',
      'n',
      '2001-12-14',
      '2001-12-14t21:59:43.10-05:00',
      '12:30:00',
      '0.1.2',
      '1.',
      '9007199254740993',
      '-12',
      '0x',
      '=',
      '3.14abc',
    ];
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: scalars',
      'data:',
      ...scalars.map((value, index) => `  k${index}: ${value}`),
      '  empty:',
      "  single: 'it''s'",
      '  double: "caf\\u00e9\\ttab \\"q\\""',
      '  literal: |',
      '    line one',
      '      indented',
      '',
      '  folded: >-',
      '    folded',
      '    text',
      '  multi: plain words',
      '    continued here',
      '  flow: {a: 1, b: [x, "y", 2]}',
      '  hash: "# not a comment" # a comment',
      '  colon: "a: b"',
      '  url: http://example.com/a?b=c#d',
      '  star: "*.example.com"',
      '  cron: 0 3 * * *',
      '  amp: a && b',
      '...',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: second}',
      '',
    ].join('\n');
    expect(expectSameReading('scalars.yaml', text)).toBe(false); // `a && b` looks like an anchor: the full reading
    expect(expectSameReading('scalars.yaml', text.replace('  amp: a && b\n', ''))).toBe(true);
    expect(expectSameReading('crlf.yaml', text.replace('  amp: a && b\n', '').replace(/\n/g, '\r\n'))).toBe(true);
  });

  test('anchors, merge keys, directives, tags and documents that are not objects go to the full reading', () => {
    const object = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n';
    for (const text of [
      `${object}data: &d {a: b}\nother: *d\n`,
      `${object}data:\n  <<: {a: b}\n`,
      `%YAML 1.1\n---\n${object}data: {on: yes}\n`,
      `${object}data: {a: !!int "1"}\n`,
      `${object}data: {a: !custom x}\n`,
      `${object}data: {a: -}\n`,
      `${object}---\njust a string\n`,
      `${object}---\n- a list\n`,
      `${object}data: {a: 1, a: 2}\n`,
      `${object}data: [unclosed\n`,
    ]) {
      expect({ text, taken: parseFileFast('x.yaml', text, { manifests: [], findings: [] }) }).toEqual({
        text,
        taken: false,
      });
    }
    // The standard tags js-yaml's failsafe schema knows are read alike.
    expect(expectSameReading('tags.yaml', `${object}data: !!map {a: !!str 1, b: !!str true}\n`)).toBe(true);
  });
});
