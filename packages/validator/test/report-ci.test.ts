import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { stringify } from 'yaml';

import { debianBinary } from '../../../harness/debian-packages';
import { runCli } from '../src/cli';
import { RULES } from '../src/rules';

import { goodSet, tempFolder } from './support';
// xmllint (libxml2) is the XML parser these tests check JUnit reports with; the project's test support installs it
// from Debian when it is missing, as it does PostgreSQL.

// The CLI reads paths relative to the working folder, which is the repository's root under jest.
const TUTORIAL = path.join('packages', 'validator', 'test', 'fixtures', 'tutorial');

function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCli(
    args,
    text => out.push(text),
    text => err.push(text),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function json(args: string[]) {
  return JSON.parse(run(args).out);
}

describe('--format sarif: SARIF 2.1.0 as GitHub code scanning reads it', () => {
  const LEVELS = ['none', 'note', 'warning', 'error'];
  const nonEmpty = expect.stringMatching(/\S/);

  // The properties SARIF 2.1.0 requires (sarifLog: version, runs; run: tool; tool: driver; toolComponent: name;
  // reportingDescriptor: id; result: message; region: startLine >= 1) and what GitHub needs beyond them (rules
  // with help text, a location per result, a relative URI). Its JSON schema cannot be had offline.
  function expectValidSarif(log: any) {
    expect(log).toMatchObject({ version: '2.1.0', $schema: expect.stringContaining('sarif-2.1.0') });
    expect(log.runs).toHaveLength(1);
    const [run] = log.runs;
    expect(run.tool.driver.name).toEqual(nonEmpty);
    const rules: any[] = run.tool.driver.rules;
    expect(new Set(rules.map(r => r.id)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(rule).toMatchObject({
        id: expect.stringMatching(/^[a-z0-9-]+$/),
        shortDescription: { text: nonEmpty },
        fullDescription: { text: nonEmpty },
        help: { text: nonEmpty, markdown: nonEmpty },
        defaultConfiguration: { level: expect.stringMatching(/^(note|warning|error)$/) },
      });
    }
    for (const result of run.results) {
      expect(rules[result.ruleIndex].id).toBe(result.ruleId);
      expect(LEVELS).toContain(result.level);
      expect(result.message.text).toEqual(nonEmpty);
      expect(result.locations.length).toBeGreaterThanOrEqual(1);
      const { artifactLocation, region } = result.locations[0].physicalLocation;
      expect(Number.isInteger(region.startLine) && region.startLine >= 1).toBe(true);
      expect(artifactLocation.uri).not.toMatch(/^\/|^\.\.|\\/);
    }
  }

  test('every rule with its help text and level; every finding with its file, line and level', () => {
    const log = json(['--format', 'sarif', TUTORIAL]);
    expectValidSarif(log);
    const [sarifRun] = log.runs;
    expect(sarifRun.tool.driver.rules.map((r: any) => r.id)).toEqual(RULES.map(r => r.id));
    const text = run([TUTORIAL]).out;
    const [, errors, warnings] = /(\d+) errors, (\d+) warnings/.exec(text)!.map(Number);
    expect(sarifRun.results.filter((r: any) => r.level === 'error')).toHaveLength(errors);
    expect(sarifRun.results.filter((r: any) => r.level === 'warning')).toHaveLength(warnings);
    const secret = sarifRun.results.find((r: any) => r.ruleId === 'secret-in-configmap');
    expect(secret.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'packages/validator/test/fixtures/tutorial/postgres-config.yaml' },
      region: { startLine: 11 },
    });
    // The line is the field's: GitHub annotates the line that needs the fix.
    const lines = fs.readFileSync(path.join(TUTORIAL, 'postgres-config.yaml'), 'utf8').split('\n');
    expect(lines[10]).toContain('POSTGRES_PASSWORD');
  });

  test('a clean set: no results, still every rule', () => {
    const file = path.join(tempFolder('sarif-'), 'set.yaml');
    fs.writeFileSync(
      file,
      Object.values(goodSet())
        .map(o => stringify(o))
        .join('---\n'),
    );
    const log = json(['--format', 'sarif', file]);
    expectValidSarif(log);
    expect(log.runs[0].results).toEqual([]);
  });
});

describe('--format junit: JUnit XML as GitLab and Jenkins read it', () => {
  const xmllint = debianBinary('libxml2-utils', '/usr/bin/xmllint');
  const query = (file: string, xpath: string) =>
    execFileSync(xmllint, ['--xpath', xpath, file], { encoding: 'utf8' }).trim();

  function report(args: string[]): { code: number; file: string } {
    const result = run(['--format', 'junit', ...args]);
    const file = path.join(tempFolder('junit-'), 'report.xml');
    fs.writeFileSync(file, result.out);
    // Well-formed XML, or xmllint exits non-zero and this throws.
    execFileSync(xmllint, ['--noout', file]);
    return { code: result.code, file };
  }

  test('a suite per set, a failure per error with its rule, a passing case per file without errors', () => {
    const { code, file } = report([TUTORIAL]);
    expect(code).toBe(1);
    const errors = Number(/(\d+) errors/.exec(run([TUTORIAL]).out)![1]);
    expect(query(file, 'count(/testsuites/testsuite)')).toBe('1');
    expect(query(file, 'count(//testcase[failure])')).toBe(String(errors));
    expect(query(file, 'string(/testsuites/@failures)')).toBe(String(errors));
    expect(query(file, 'string(/testsuites/testsuite/@failures)')).toBe(String(errors));
    expect(query(file, 'string(/testsuites/@tests)')).toBe(query(file, 'count(//testcase)'));
    expect(query(file, 'string(/testsuites/testsuite/@tests)')).toBe(query(file, 'count(//testcase)'));
    expect(query(file, 'string(//testcase[failure/@type="secret-in-configmap"]/@classname)')).toBe(
      path.join(TUTORIAL, 'postgres-config.yaml'),
    );
    expect(query(file, 'string(//testcase/failure[@type="secret-in-configmap"]/@message)')).toBe(
      "error: ConfigMap key 'POSTGRES_PASSWORD' looks like a secret",
    );
    // Warnings are reported, but fail only with --strict.
    expect(Number(query(file, 'count(//testcase[system-out[starts-with(., "warning:")]])'))).toBeGreaterThan(0);
    const strict = report(['--strict', TUTORIAL]);
    expect(Number(query(strict.file, 'count(//testcase[failure])'))).toBeGreaterThan(errors);
  });

  test('a clean set: one passing case per file; an unreadable path is an error', () => {
    const folder = tempFolder('junit-set-');
    const file = path.join(folder, 'set.yaml');
    fs.writeFileSync(
      file,
      Object.values(goodSet())
        .map(o => stringify(o))
        .join('---\n'),
    );
    const clean = report([file]);
    expect(clean.code).toBe(0);
    expect(query(clean.file, 'count(//testcase)')).toBe('1');
    expect(query(clean.file, 'string(//testcase/@name)')).toBe('no errors');
    const missing = report([path.join(folder, 'missing.yaml')]);
    expect(missing.code).toBe(2);
    expect(query(missing.file, 'string(/testsuites/@errors)')).toBe('1');
    expect(query(missing.file, 'count(//testcase/error)')).toBe('1');
  });
});
