// The schedule syntax a CronJob accepts: five fields (robfig/cron's standard parser, which the CronJob controller
// uses) or one of its macros. Checked here so that a typo is a config error, not a CronJob the API server rejects.
// @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names allowed for the values, from `min` on. */
  readonly names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS },
];

/** What is wrong with `schedule` as a CronJob schedule, or `undefined` when it is one. */
export function cronScheduleProblem(schedule: unknown): string | undefined {
  const example = "such as '0 3 * * *' (every day at 03:00) or '@daily'";
  if (typeof schedule !== 'string' || schedule.trim() === '') {
    return `must be a cron schedule, ${example}`;
  }
  const text = schedule.trim();
  if (/^(CRON_)?TZ=/.test(text)) {
    return 'must not set a time zone in the schedule (the API server rejects TZ= with timeZone set); schedules are in UTC';
  }
  if (text.startsWith('@')) {
    return MACROS.includes(text) ? undefined : `must be one of ${MACROS.join(', ')} when it starts with '@'`;
  }
  const parts = text.split(/\s+/);
  if (parts.length !== 5) {
    return `must have five fields (minute hour day-of-month month day-of-week), ${example}; found ${parts.length}`;
  }
  for (const [index, field] of FIELDS.entries()) {
    const problem = fieldProblem(parts[index], field);
    if (problem) {
      return `has a bad ${field.name} field '${parts[index]}': ${problem}`;
    }
  }
  return undefined;
}

function fieldProblem(text: string, field: Field): string | undefined {
  for (const item of text.split(',')) {
    const match = /^(\*|\?|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
    if (!match) {
      return "each comma-separated item must be '*', a value, or a range 'a-b', optionally followed by '/step'";
    }
    const [, range, step] = match;
    if (step !== undefined && Number(step) === 0) {
      return 'a step must be at least 1';
    }
    if (range === '*' || range === '?') {
      continue;
    }
    const bounds = range.split('-').map(value => fieldValue(value, field));
    if (bounds.some(value => value === undefined)) {
      return `values must be from ${field.min} to ${field.max}${field.names ? ` or ${field.names[0]}..${field.names[field.names.length - 1]}` : ''}`;
    }
    if (bounds.length === 2 && (bounds[0] as number) > (bounds[1] as number)) {
      return 'a range must go from low to high';
    }
  }
  return undefined;
}

function fieldValue(value: string, field: Field): number | undefined {
  if (/^\d+$/.test(value)) {
    const number = Number(value);
    return number >= field.min && number <= field.max ? number : undefined;
  }
  const index = field.names?.indexOf(value.toLowerCase()) ?? -1;
  return index >= 0 ? index + (field.names === MONTHS ? 1 : 0) : undefined;
}
