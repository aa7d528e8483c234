/**
 * Cron schedules of workflows (`cronSchedule`), as Temporal reads them: five fields (minute, hour, day
 * of month, month, day of week) in UTC, or a descriptor (`@yearly`, `@monthly`, `@weekly`, `@daily`,
 * `@hourly`, `@every <duration>`). Parsed once, then asked for the next time after an instant.
 * Sandbox-safe (no Node built-ins): the client validates before sending, the engine schedules runs.
 */
import { msFromDuration } from './duration.js';

export type CronSchedule =
  | { kind: 'fields'; text: string; fields: CronFields }
  | { kind: 'every'; text: string; intervalMs: number };

export interface CronFields {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** 0 = Sunday. */
  daysOfWeek: ReadonlySet<number>;
  /** `*` or `?` in day of month: only the day of week restricts days (and the reverse). */
  anyDayOfMonth: boolean;
  anyDayOfWeek: boolean;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  // 7 is Sunday too, as in most crons.
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const HELP =
  "use five fields 'minute hour day-of-month month day-of-week' (e.g. '0 * * * *' for every hour), " +
  "or @hourly, @daily, @weekly, @monthly, @yearly, '@every 10m'";

const MINUTE_MS = 60_000;
// No schedule we accept has gaps longer than this (Feb 29 on a given weekday repeats within 28 years).
const SEARCH_LIMIT_MS = 30 * 366 * 86_400_000;

/** Thrown for a schedule that cannot be read; the message names the bad field and the fix. */
export class InvalidCronScheduleError extends TypeError {
  override readonly name = 'InvalidCronScheduleError';
}

function invalid(text: string, reason: string): never {
  throw new InvalidCronScheduleError(
    `[INVALID_ARGUMENT] invalid cron schedule "${text}": ${reason}; ${HELP}`,
  );
}

/** Parses a schedule; throws {@link InvalidCronScheduleError} naming the bad field. */
export function parseCronSchedule(text: string): CronSchedule {
  const trimmed = text.trim();
  if (trimmed === '') invalid(text, 'it is empty');
  if (trimmed.startsWith('@every')) {
    const rest = trimmed.slice('@every'.length).trim();
    let intervalMs: number;
    try {
      intervalMs = msFromDuration(rest);
    } catch {
      invalid(text, `"${rest}" after @every is not a duration`);
    }
    if (intervalMs < 1000) invalid(text, '@every needs an interval of at least 1s');
    return { kind: 'every', text: trimmed, intervalMs };
  }
  const expanded = trimmed.startsWith('@') ? DESCRIPTORS[trimmed.toLowerCase()] : trimmed;
  if (expanded === undefined) invalid(text, `unknown descriptor "${trimmed}"`);
  const parts = expanded.split(/\s+/);
  if (parts.length !== FIELDS.length) {
    invalid(text, `expected 5 fields, got ${parts.length}`);
  }
  const sets = parts.map((part, index) => parseField(text, part, FIELDS[index]!));
  const daysOfWeek = new Set([...sets[4]!].map((day) => day % 7));
  const fields: CronFields = {
    minutes: sets[0]!,
    hours: sets[1]!,
    daysOfMonth: sets[2]!,
    months: sets[3]!,
    daysOfWeek,
    anyDayOfMonth: isAny(parts[2]!),
    anyDayOfWeek: isAny(parts[4]!),
  };
  const schedule: CronSchedule = { kind: 'fields', text: trimmed, fields };
  if (nextCronTime(schedule, 0) === undefined) invalid(text, 'it never matches a date');
  return schedule;
}

function isAny(part: string): boolean {
  return part === '*' || part === '?';
}

function parseField(text: string, part: string, spec: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const item of part.split(',')) {
    const [range = '', stepText] = item.split('/');
    let step = 1;
    if (stepText !== undefined) {
      step = Number(stepText);
      if (!/^\d+$/.test(stepText) || step < 1) {
        invalid(
          text,
          `the ${spec.name} field "${part}" has step "${stepText}", which is not a positive integer`,
        );
      }
    }
    let low: number;
    let high: number;
    if (range === '*' || range === '?') {
      low = spec.min;
      high = spec.name === 'day of week' ? 6 : spec.max;
    } else if (range.includes('-')) {
      const [from = '', to = ''] = range.split('-');
      low = fieldValue(text, part, from, spec);
      high = fieldValue(text, part, to, spec);
      if (low > high)
        invalid(text, `the ${spec.name} field "${part}" has range ${from}-${to}, which runs backwards`);
    } else {
      low = fieldValue(text, part, range, spec);
      // `5/15` means from 5 to the end, every 15.
      high = stepText === undefined ? low : spec.max;
    }
    for (let value = low; value <= high; value += step) values.add(value);
  }
  return values;
}

function fieldValue(text: string, part: string, token: string, spec: FieldSpec): number {
  const byName = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  const value = byName >= 0 ? byName + spec.min : /^\d+$/.test(token) ? Number(token) : Number.NaN;
  if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
    invalid(
      text,
      `the ${spec.name} field "${part}" has "${token}", which is not a ${spec.name} (${spec.min}-${spec.max}${
        spec.names ? ` or ${spec.names[0]}-${spec.names.at(-1)}` : ''
      })`,
    );
  }
  return value;
}

function dayMatches(fields: CronFields, date: Date): boolean {
  const dom = fields.daysOfMonth.has(date.getUTCDate());
  const dow = fields.daysOfWeek.has(date.getUTCDay());
  // Standard cron: when both day fields are restricted, either may match.
  if (fields.anyDayOfMonth || fields.anyDayOfWeek) return dom && dow;
  return dom || dow;
}

/** The first schedule time strictly after `afterMs` (UTC), or undefined when none comes. */
export function nextCronTime(schedule: CronSchedule, afterMs: number): number | undefined {
  if (schedule.kind === 'every') return afterMs + schedule.intervalMs;
  const { fields } = schedule;
  const date = new Date(Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  const limit = afterMs + SEARCH_LIMIT_MS;
  while (date.getTime() <= limit) {
    if (!fields.months.has(date.getUTCMonth() + 1)) {
      date.setUTCMonth(date.getUTCMonth() + 1, 1);
      date.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(fields, date)) {
      date.setUTCDate(date.getUTCDate() + 1);
      date.setUTCHours(0, 0, 0, 0);
    } else if (!fields.hours.has(date.getUTCHours())) {
      date.setUTCHours(date.getUTCHours() + 1, 0, 0, 0);
    } else if (!fields.minutes.has(date.getUTCMinutes())) {
      date.setUTCMinutes(date.getUTCMinutes() + 1, 0, 0);
    } else {
      return date.getTime();
    }
  }
  return undefined;
}

/**
 * How long after `nowMs` the next run of a chain starts, as Temporal computes it: the schedule times
 * follow on from `anchorMs` (when the previous run was due, or the start of the first run), and the
 * first one not before `nowMs` is taken, so schedule times missed while a run was busy are skipped.
 */
export function cronBackoffMs(schedule: CronSchedule, anchorMs: number, nowMs: number): number {
  if (schedule.kind === 'every') {
    const periods = Math.max(1, Math.ceil((nowMs - anchorMs) / schedule.intervalMs));
    return anchorMs + periods * schedule.intervalMs - nowMs;
  }
  const next = nextCronTime(schedule, Math.max(anchorMs, nowMs - 1));
  // parseCronSchedule refuses schedules that never match, so a next time always exists.
  return next === undefined ? 0 : next - nowMs;
}
