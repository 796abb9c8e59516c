// The schedule syntax the API server accepts for a CronJob: what robfig/cron v3's ParseStandard parses (five fields,
// or a descriptor), without TZ= or CRON_TZ= (the API server refuses "TZ" in a new CronJob's schedule: that is what
// spec.timeZone is for). The stack's config and the manifest validator both check schedules with this.
// @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax
// @see k8s.io/kubernetes/pkg/apis/batch/validation (validateScheduleFormat, validateTimeZone)

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
// Go's time.ParseDuration, which robfig/cron reads `@every <duration>` with.
const GO_DURATION = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names of the values, from `min` on (case-insensitive, as robfig/cron reads them). */
  readonly names?: readonly string[];
}

// robfig/cron's bounds: day of week is 0-6, so 7 (Sunday in some crons) is refused.
const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 6, names: DAYS },
];

/** What is wrong with `schedule` as a CronJob schedule, or `undefined` when it is one. */
export function cronScheduleProblem(schedule: unknown): string | undefined {
  const example = "such as '0 3 * * *' (every day at 03:00) or '@daily'";
  if (typeof schedule !== 'string' || schedule.trim() === '') {
    return `must be a cron schedule, ${example}`;
  }
  if (schedule.includes('TZ')) {
    return (
      'must not set a time zone in the schedule (the API server refuses TZ= and CRON_TZ= in a new CronJob): set ' +
      'spec.timeZone, or write the schedule in UTC'
    );
  }
  const text = schedule.trim();
  if (text.startsWith('@')) {
    if (text.startsWith('@every ')) {
      const duration = text.slice('@every '.length);
      return GO_DURATION.test(duration)
        ? undefined
        : `'@every' takes a duration such as '1h30m' or '90s', got '${duration}'`;
    }
    return MACROS.includes(text)
      ? undefined
      : `must be one of ${MACROS.join(', ')} or '@every <duration>' when it starts with '@'`;
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

/**
 * What is wrong with `timeZone` as a CronJob's spec.timeZone, or `undefined` when it names a zone of the IANA time
 * zone database (which the API server loads with Go's time.LoadLocation; Node ships the same database, read here
 * through Intl). Names are case-sensitive there, as they are file names.
 */
export function timeZoneProblem(timeZone: unknown): string | undefined {
  const fix = "use an IANA time zone name, such as 'Europe/Paris', 'America/New_York' or 'Etc/UTC'";
  if (typeof timeZone !== 'string' || timeZone === '') {
    return `must be a non-empty time zone name: ${fix}, or leave timeZone out for the controller's time zone`;
  }
  if (timeZone.toLowerCase() === 'local') {
    return `must name an explicit time zone, not the controller's local one: ${fix}`;
  }
  // The API server's own syntax check of each part of the name, before it loads the zone.
  if (
    timeZone
      .split('/')
      .some(part => part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z.\-_0-9+]{1,14}$/.test(part))
  ) {
    return `is not a time zone name: ${fix}`;
  }
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return `is not in the IANA time zone database: ${fix}`;
  }
  // Intl ignores case ('europe/paris'); the tz database's file names do not.
  const canonical = Intl.supportedValuesOf('timeZone');
  const sameButCase = [...canonical, resolved].find(name => name.toLowerCase() === timeZone.toLowerCase());
  if (sameButCase !== undefined && sameButCase !== timeZone) {
    return `is not in the IANA time zone database as written (names are case-sensitive): write '${sameButCase}'`;
  }
  return undefined;
}

// One field, as robfig/cron's getRange reads each comma-separated item: '*' or '?', a value or a range, and a step.
function fieldProblem(text: string, field: Field): string | undefined {
  for (const item of text.split(',')) {
    const [range, step, ...extraSlashes] = item.split('/');
    if (extraSlashes.length > 0) {
      return `'${item}' has more than one '/'`;
    }
    if (step !== undefined) {
      const steps = goInteger(step);
      if (steps === undefined) {
        return `the step of '${item}' must be a whole number`;
      }
      if (steps === 0) {
        return 'a step must be at least 1';
      }
    }
    const bounds = range.split('-');
    if (bounds[0] === '*' || bounds[0] === '?') {
      continue;
    }
    if (bounds.length > 2) {
      return `'${item}' has more than one '-'`;
    }
    const values = bounds.map(value => fieldValue(value, field));
    if (values.some(value => value === undefined || value < field.min || value > field.max)) {
      return `values must be from ${field.min} to ${field.max}${field.names ? ` or ${field.names[0]}..${field.names[field.names.length - 1]}` : ''}`;
    }
    if (values.length === 2 && (values[0] as number) > (values[1] as number)) {
      return 'a range must go from low to high';
    }
  }
  return undefined;
}

function fieldValue(value: string, field: Field): number | undefined {
  const index = field.names?.indexOf(value.toLowerCase()) ?? -1;
  if (index >= 0) {
    return index + field.min;
  }
  return goInteger(value);
}

// strconv.Atoi, as robfig/cron's mustParseInt calls it (a sign is allowed, a negative number is not).
function goInteger(text: string): number | undefined {
  return /^\+?\d+$/.test(text) ? Number(text) : undefined;
}
