import { ValidationReport } from './validate-manifests';

/** The closing line: `N errors, M warnings in K objects from F files`. */
export function summaryLine(reports: readonly ValidationReport[]): string {
  const sum = (pick: (r: ValidationReport) => number) => reports.reduce((total, r) => total + pick(r), 0);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(
    sum(r => r.errors),
    'error',
  )}, ${plural(
    sum(r => r.warnings),
    'warning',
  )} in ${plural(
    sum(r => r.objectCount),
    'object',
  )} from ${plural(
    sum(r => r.files.length),
    'file',
  )}`;
}

/** The human report: findings grouped by file and object, each with its line, rule, YAML path and fix. */
export function formatText(reports: readonly ValidationReport[]): string {
  const lines: string[] = [];
  for (const report of reports) {
    for (const path of report.unreadable) {
      lines.push(`${path}`, '  cannot be read: no such file or folder, or no permission', '');
    }
    let file: string | undefined;
    let object: string | undefined;
    for (const f of report.findings) {
      if (f.file !== file) {
        if (file !== undefined) {
          lines.push('');
        }
        lines.push(f.file);
        file = f.file;
        object = undefined;
      }
      const owner = f.object ?? '(file)';
      if (owner !== object) {
        lines.push(`  ${owner}`);
        object = owner;
      }
      lines.push(
        `    ${`${f.line}`.padStart(4)}  ${f.severity.padEnd(7)}  ${f.ruleId}  ${f.path ? `${f.path}: ` : ''}${f.message}`,
      );
      lines.push(`          fix: ${f.fix}`);
    }
    if (file !== undefined) {
      lines.push('');
    }
  }
  const notes = reports.reduce((n, r) => n + r.notes, 0);
  const suppressed = reports.reduce((n, r) => n + r.suppressed, 0);
  const extras = [
    notes && `${notes} note${notes === 1 ? '' : 's'}`,
    suppressed && `${suppressed} suppressed with a reason`,
  ].filter(Boolean);
  lines.push(
    `Checked against Kubernetes ${reports[0]?.kubernetesVersion ?? ''}${extras.length ? `; ${extras.join(', ')}` : ''}.`,
  );
  lines.push(summaryLine(reports));
  return lines.join('\n');
}

/** The machine report (`--format json`). */
export function formatJson(reports: readonly ValidationReport[]): string {
  return JSON.stringify(
    {
      kubernetesVersion: reports[0]?.kubernetesVersion,
      kubernetesVersions: reports[0]?.kubernetesVersions,
      summary: summaryLine(reports),
      sets: reports.map(r => ({
        files: r.files,
        objects: r.objectCount,
        errors: r.errors,
        warnings: r.warnings,
        notes: r.notes,
        suppressed: r.suppressed,
        unreadable: r.unreadable,
        findings: r.findings,
      })),
    },
    null,
    2,
  );
}
