/**
 * Durations as users write them: milliseconds as a number, or a string such as `'5s'`, `'10 minutes'`,
 * `'1 day'`, `'1.5h'`. The same forms Temporal's SDK accepts.
 */
export type Duration = number | string;

const MS_PER_UNIT: Record<string, number> = {
  ms: 1,
  msec: 1,
  msecs: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
  y: 31_557_600_000,
  yr: 31_557_600_000,
  yrs: 31_557_600_000,
  year: 31_557_600_000,
  years: 31_557_600_000,
};

const PART = /(-?\d*\.?\d+)\s*([a-z]*)/gy;

/** Converts a {@link Duration} to whole milliseconds; throws a `TypeError` naming the bad value. */
export function msFromDuration(duration: Duration): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration) || duration < 0) {
      throw new TypeError(
        `[INVALID_DURATION] ${duration} is not a duration: use a non-negative number of ms`,
      );
    }
    return Math.round(duration);
  }
  const text = duration.trim().toLowerCase();
  let total = 0;
  let matched = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const match = PART.exec(text);
    if (!match) break;
    const unit = match[2] === '' ? 'ms' : match[2]!;
    const factor = MS_PER_UNIT[unit];
    if (factor === undefined) return invalid(duration);
    total += Number.parseFloat(match[1]!) * factor;
    matched++;
    while (text[PART.lastIndex] === ' ') PART.lastIndex++;
    if (PART.lastIndex === start) break;
  }
  if (matched === 0 || PART.lastIndex < text.length || total < 0) return invalid(duration);
  return Math.round(total);
}

/** Like {@link msFromDuration}, but `undefined` stays `undefined`. */
export function msOptional(duration: Duration | undefined): number | undefined {
  return duration === undefined ? undefined : msFromDuration(duration);
}

function invalid(text: string): never {
  throw new TypeError(
    `[INVALID_DURATION] "${text}" is not a duration: use milliseconds or a string such as '5s', '10 minutes', '1 day'`,
  );
}
