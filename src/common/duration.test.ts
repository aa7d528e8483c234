import { describe, expect, it } from 'vitest';
import { msFromDuration } from './duration.js';

describe('msFromDuration', () => {
  it.each([
    [1500, 1500],
    ['1 day', 86_400_000],
    ['1 days', 86_400_000],
    ['30 days', 30 * 86_400_000],
    ['5s', 5000],
    ['10 minutes', 600_000],
    ['1.5h', 5_400_000],
    ['100', 100],
    ['1h 30m', 5_400_000],
  ])('reads %s as %d ms', (input, expected) => {
    expect(msFromDuration(input)).toBe(expected);
  });

  it.each(['', 'soon', '5 fortnights', '-1s', '1 day later'])('rejects %j naming the value', (input) => {
    expect(() => msFromDuration(input)).toThrow(/INVALID_DURATION/);
  });
});
