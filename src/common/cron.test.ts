import { describe, expect, it } from 'vitest';
import { cronBackoffMs, nextCronTime, parseCronSchedule } from './cron.js';

const at = (iso: string) => Date.parse(iso);
const next = (schedule: string, after: string) =>
  new Date(nextCronTime(parseCronSchedule(schedule), at(after)) ?? 0).toISOString();

describe('cron schedules', () => {
  it('five fields in UTC: the next time strictly after an instant', () => {
    expect(next('0 * * * *', '2030-01-01T00:00:30Z')).toBe('2030-01-01T01:00:00.000Z');
    expect(next('0 * * * *', '2030-01-01T01:00:00Z')).toBe('2030-01-01T02:00:00.000Z');
    expect(next('*/15 9-17 * * MON-FRI', '2030-01-04T17:50:00Z')).toBe('2030-01-07T09:00:00.000Z');
    expect(next('30 2 1 JAN,jul *', '2030-02-01T00:00:00Z')).toBe('2030-07-01T02:30:00.000Z');
    expect(next('5/20 * * * *', '2030-01-01T00:06:00Z')).toBe('2030-01-01T00:25:00.000Z');
    expect(next('0 0 * * 7', '2030-01-01T00:00:00Z')).toBe('2030-01-06T00:00:00.000Z');
  });

  it('both day fields restricted: either matches, as in standard cron', () => {
    // The 13th, or any Friday.
    expect(next('0 0 13 * FRI', '2030-01-01T00:00:00Z')).toBe('2030-01-04T00:00:00.000Z');
    expect(next('0 0 13 * FRI', '2030-01-12T00:00:00Z')).toBe('2030-01-13T00:00:00.000Z');
  });

  it('descriptors and @every', () => {
    expect(next('@hourly', '2030-01-01T00:10:00Z')).toBe('2030-01-01T01:00:00.000Z');
    expect(next('@daily', '2030-01-01T00:10:00Z')).toBe('2030-01-02T00:00:00.000Z');
    expect(next('@weekly', '2030-01-01T00:10:00Z')).toBe('2030-01-06T00:00:00.000Z');
    expect(next('@monthly', '2030-01-01T00:10:00Z')).toBe('2030-02-01T00:00:00.000Z');
    expect(next('@yearly', '2030-01-01T00:10:00Z')).toBe('2031-01-01T00:00:00.000Z');
    expect(next('@every 90m', '2030-01-01T00:10:00Z')).toBe('2030-01-01T01:40:00.000Z');
  });

  it('the backoff skips schedule times missed while a run was busy (Temporal computes it so)', () => {
    const hourly = parseCronSchedule('0 * * * *');
    // The 01:00 run closed at 03:20: the next run is at 04:00, not 02:00.
    expect(cronBackoffMs(hourly, at('2030-01-01T01:00:00Z'), at('2030-01-01T03:20:00Z'))).toBe(40 * 60_000);
    const every = parseCronSchedule('@every 1h');
    expect(cronBackoffMs(every, at('2030-01-01T01:00:00Z'), at('2030-01-01T03:20:00Z'))).toBe(40 * 60_000);
    expect(cronBackoffMs(every, at('2030-01-01T01:00:00Z'), at('2030-01-01T01:00:00Z'))).toBe(3_600_000);
  });

  it('invalid schedules name the bad field and the fix', () => {
    expect(() => parseCronSchedule('61 * * * *')).toThrow(
      /\[INVALID_ARGUMENT\] invalid cron schedule "61 \* \* \* \*": the minute field "61" has "61", which is not a minute \(0-59\); use five fields/,
    );
    expect(() => parseCronSchedule('0 * * *')).toThrow(/expected 5 fields, got 4/);
    expect(() => parseCronSchedule('0 0 * FOO *')).toThrow(
      /the month field "FOO" has "FOO", which is not a month \(1-12 or JAN-DEC\)/,
    );
    expect(() => parseCronSchedule('0 0 5-1 * *')).toThrow(
      /the day of month field "5-1" has range 5-1, which runs backwards/,
    );
    expect(() => parseCronSchedule('*/0 * * * *')).toThrow(/has step "0", which is not a positive integer/);
    expect(() => parseCronSchedule('0 0 30 2 *')).toThrow(/it never matches a date/);
    expect(() => parseCronSchedule('@fortnightly')).toThrow(/unknown descriptor "@fortnightly"/);
    expect(() => parseCronSchedule('@every soon')).toThrow(/"soon" after @every is not a duration/);
  });
});
