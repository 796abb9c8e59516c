import { ChangeEffect, FieldChange, needsAPerson, ObjectChange, StageDiff } from './diff-manifests';
import { showValue } from './object-differences';

/** What the diff was made against, as its reports say it: `main (merge base 7c2f6f5)`, a folder, a tag. */
export interface DiffReport {
  readonly against: string;
  readonly stages: readonly StageDiff[];
}

const EFFECT_TITLES: Readonly<Record<ChangeEffect, string>> = {
  [ChangeEffect.REFUSED]: 'The API server refuses',
  [ChangeEffect.DELETES_DATA]: 'Deletes or orphans data',
  [ChangeEffect.ROLLS_PODS]: 'Rolls pods',
  [ChangeEffect.NO_EFFECT]: 'No effect on running pods',
};
const MARKERS: Readonly<Record<ObjectChange['change'], string>> = { added: '+', removed: '-', changed: '~' };

/** The report for people: per stage, the objects grouped by what they do, each with its changed fields. */
export function formatDiffText(report: DiffReport): string {
  const lines = [`Against ${report.against}:`, ''];
  for (const stage of report.stages) {
    lines.push(`${stage.stage}: ${counts(stage)}`);
    for (const [effect, objects] of groups(stage)) {
      lines.push(`  ${EFFECT_TITLES[effect]} (${objects.length})`);
      for (const object of objects) {
        lines.push(`    ${MARKERS[object.change]} ${object.object}`);
        lines.push(...details(object).map(line => `        ${line}`));
      }
    }
    lines.push('');
  }
  lines.push(summary(report));
  return lines.join('\n');
}

/** The report for a pull request comment or a CI job summary (GitHub-flavoured markdown). */
export function formatDiffMarkdown(report: DiffReport): string {
  const lines = ['## What this change does to the cluster', '', `Against ${report.against}.`, ''];
  for (const stage of report.stages) {
    lines.push(`### \`${stage.stage}\`: ${counts(stage)}`, '');
    for (const [effect, objects] of groups(stage)) {
      lines.push(`**${EFFECT_TITLES[effect]} (${objects.length})**`, '');
      for (const object of objects) {
        lines.push(`- ${MARKERS[object.change]} ${code(object.object)}`);
        lines.push(...details(object, code).map(line => `  - ${line}`));
      }
      lines.push('');
    }
  }
  lines.push(`**${summary(report)}**`);
  return lines.join('\n');
}

/** The report for tools: every object with its effect, fields and reasons, and the counts. */
export function formatDiffJson(report: DiffReport): string {
  return JSON.stringify(
    {
      against: report.against,
      needsAPerson: needsAPerson(report.stages),
      summary: summary(report),
      stages: report.stages.map(stage => ({
        stage: stage.stage,
        ...Object.fromEntries(
          (['added', 'removed', 'changed'] as const).map(c => [c, stage.objects.filter(o => o.change === c).length]),
        ),
        objects: stage.objects,
      })),
    },
    null,
    2,
  );
}

function groups(stage: StageDiff): Array<[ChangeEffect, ObjectChange[]]> {
  return Object.values(ChangeEffect)
    .map(effect => [effect, stage.objects.filter(o => o.effect === effect)] as [ChangeEffect, ObjectChange[]])
    .filter(([, objects]) => objects.length > 0);
}

function counts(stage: StageDiff): string {
  if (stage.objects.length === 0) {
    return 'no change';
  }
  const count = (change: ObjectChange['change']) => stage.objects.filter(o => o.change === change).length;
  return `${count('changed')} changed, ${count('added')} added, ${count('removed')} removed`;
}

/** The lines under an object: its fields, then what is refused (with the step), what data goes, why pods roll. */
function details(object: ObjectChange, quote: (text: string) => string = text => text): string[] {
  return [
    ...object.fields.map(field => `${quote(field.path)}: ${fieldValue(field, quote)}`),
    ...[...new Set(object.refused.map(r => r.step))].map(
      step =>
        `refused: ${object.refused
          .filter(r => r.step === step)
          .map(r => quote(r.path))
          .join(', ')}; one-time step: ${step}`,
    ),
    ...(object.data ? [`data: ${object.data}`] : []),
    // A refused update changes nothing until its one-time step: only then do the pods roll.
    ...(object.rollsPods ? [`rolls pods${object.refused.length > 0 ? ' once applied' : ''}: ${object.rollsPods}`] : []),
    ...(object.selects ? [`selects: ${object.selects}`] : []),
  ];
}

function fieldValue(field: FieldChange, quote: (text: string) => string): string {
  if (field.hidden) {
    return 'changed (a Secret value: not shown)';
  }
  return `${quote(showValue(field.before))} → ${quote(showValue(field.after))}`;
}

function summary(report: DiffReport): string {
  const count = (effect: ChangeEffect) =>
    report.stages.reduce((n, s) => n + s.objects.filter(o => o.effect === effect).length, 0);
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return (
    `${plural(count(ChangeEffect.REFUSED), 'object', 'objects')} the API server refuses, ` +
    `${plural(count(ChangeEffect.DELETES_DATA), 'deletes or orphans', 'delete or orphan')} data, ` +
    `${plural(count(ChangeEffect.ROLLS_PODS), 'rolls', 'roll')} pods, ${count(ChangeEffect.NO_EFFECT)} with no effect on running pods` +
    (needsAPerson(report.stages) ? ': a person must act before this is applied' : '')
  );
}

/** A markdown code span that holds any text (a longer fence when the text has backticks). */
function code(text: string): string {
  const fence = '`'.repeat(Math.max(0, ...[...text.matchAll(/`+/g)].map(m => m[0].length)) + 1);
  return fence.length > 1 ? `${fence} ${text} ${fence}` : `\`${text}\``;
}
