import * as path from 'path';

import { Finding } from './finding';
import { RULES, Severity } from './rules';
import { ValidationReport } from './validate-manifests';

// The reports CI systems read: SARIF 2.1.0 for GitHub code scanning, JUnit XML for GitLab, Jenkins and others.

const SARIF_LEVELS: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};

/**
 * SARIF 2.1.0 (OASIS), as GitHub code scanning reads it: every rule with its help text and default level, every
 * finding with its file (relative to the working folder, which GitHub resolves against the repository's root),
 * line and level.
 */
export function formatSarif(reports: readonly ValidationReport[]): string {
  const ruleIndex = new Map(RULES.map((rule, index) => [rule.id, index]));
  return JSON.stringify(
    {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'manifest-validator',
              rules: RULES.map(rule => ({
                id: rule.id,
                name: rule.id
                  .split('-')
                  .map(word => word[0].toUpperCase() + word.slice(1))
                  .join(''),
                shortDescription: { text: rule.what },
                fullDescription: { text: `${rule.what}: ${rule.why}.` },
                help: {
                  text: `${rule.what}. Why it matters: ${rule.why}. Fix: ${rule.fix}.`,
                  markdown: `**${rule.what}.**\n\nWhy it matters: ${rule.why}.\n\nFix: ${rule.fix}.`,
                },
                defaultConfiguration: { level: SARIF_LEVELS[rule.severity] },
                properties: { tags: [rule.category] },
              })),
            },
          },
          results: reports
            .flatMap(report => report.findings)
            .map(finding => ({
              ruleId: finding.ruleId,
              ruleIndex: ruleIndex.get(finding.ruleId),
              level: SARIF_LEVELS[finding.severity],
              message: { text: findingText(finding) },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: fileUri(finding.file) },
                    region: { startLine: Math.max(1, finding.line) },
                  },
                  ...(finding.object
                    ? {
                        logicalLocations: [
                          { fullyQualifiedName: finding.path ? `${finding.object}: ${finding.path}` : finding.object },
                        ],
                      }
                    : {}),
                },
              ],
            })),
          columnKind: 'unicodeCodePoints',
        },
      ],
    },
    null,
    2,
  );
}

/**
 * JUnit XML, as GitLab, Jenkins and most CI systems read it: a test suite per set, a passing test case per file
 * without errors, and a test case per finding (an error is a failure; a warning fails only with --strict; a note
 * passes, its text in system-out). A path that cannot be read is an error.
 */
export function formatJunit(reports: readonly ValidationReport[], strict = false): string {
  const fails = (finding: Finding) => finding.severity === 'error' || (strict && finding.severity === 'warning');
  const suites = reports.map(report => {
    const cases: string[] = [];
    for (const unreadable of report.unreadable) {
      cases.push(
        `    <testcase classname="${xml(unreadable)}" name="readable">\n` +
          '      <error type="unreadable" message="cannot be read: no such file or folder, or no permission"/>\n' +
          '    </testcase>',
      );
    }
    for (const file of report.files) {
      const findings = report.findings.filter(f => f.file === file);
      if (!findings.some(fails)) {
        cases.push(`    <testcase classname="${xml(file)}" name="no errors"/>`);
      }
      for (const finding of findings) {
        const name = `${finding.ruleId}: ${finding.object ?? '(file)'}${finding.path ? ` ${finding.path}` : ''} (line ${finding.line})`;
        const body = `${findingText(finding)}\n${finding.file}:${finding.line}`;
        cases.push(
          fails(finding)
            ? `    <testcase classname="${xml(file)}" name="${xml(name)}">\n` +
                `      <failure type="${finding.ruleId}" message="${xml(`${finding.severity}: ${finding.message}`)}">` +
                `${xml(body)}</failure>\n` +
                '    </testcase>'
            : `    <testcase classname="${xml(file)}" name="${xml(name)}">\n` +
                `      <system-out>${xml(`${finding.severity}: ${body}`)}</system-out>\n` +
                '    </testcase>',
        );
      }
    }
    const failures = report.findings.filter(fails).length;
    const name = report.files.length > 0 ? commonFolder(report.files) : report.unreadable.join(' ');
    return (
      `  <testsuite name="${xml(name)}" tests="${cases.length}" failures="${failures}" ` +
      `errors="${report.unreadable.length}" skipped="0">\n` +
      `${cases.join('\n')}\n` +
      '  </testsuite>'
    );
  });
  const count = (pick: (r: ValidationReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
  const tests = suites.reduce((n, suite) => n + (suite.match(/<testcase /g) ?? []).length, 0);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="manifest-validator" tests="${tests}" failures="${count(r => r.findings.filter(fails).length)}" ` +
    `errors="${count(r => r.unreadable.length)}">\n` +
    `${suites.join('\n')}\n` +
    '</testsuites>'
  );
}

function findingText(finding: Finding): string {
  return `${finding.object ? `${finding.object}: ` : ''}${finding.path ? `${finding.path}: ` : ''}${finding.message}. Fix: ${finding.fix}`;
}

/** A relative URI for a file under the working folder, a file: URI otherwise. */
function fileUri(file: string): string {
  // The upgrade check names a file of the previous version `REV:path` (load-previous.ts): its path is today's.
  const name = !file.startsWith('/') && file.includes(':') ? file.slice(file.indexOf(':') + 1) : file;
  const relative = path.relative(process.cwd(), path.resolve(name));
  if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
    return relative.split(path.sep).map(encodeURIComponent).join('/');
  }
  return `file://${path.resolve(name).split(path.sep).map(encodeURIComponent).join('/')}`;
}

/** The longest folder all files share (a set's name). */
function commonFolder(files: readonly string[]): string {
  const parts = files.map(file => path.dirname(file).split(path.sep));
  const shared: string[] = [];
  for (let index = 0; parts.every(p => index < p.length && p[index] === parts[0][index]); index++) {
    shared.push(parts[0][index]);
  }
  return shared.join(path.sep) || '.';
}

// XML 1.0 cannot hold most control characters, even escaped.
// eslint-disable-next-line no-control-regex -- matching those control characters is the point
const XML_FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

function xml(text: string): string {
  return text
    .replace(XML_FORBIDDEN_CHARACTERS, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
