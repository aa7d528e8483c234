import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock.js';

describe('VirtualClock', () => {
  it('advance jumps forward and runs the calls that came due, in due order', () => {
    const clock = new VirtualClock(1_000_000);
    const ran: string[] = [];
    clock.schedule(clock.nowMs() + 3 * 86_400_000, () => ran.push('3 days'));
    clock.schedule(clock.nowMs() + 86_400_000, () => ran.push('1 day'));
    const cancel = clock.schedule(clock.nowMs() + 2 * 86_400_000, () => ran.push('canceled'));
    cancel();
    const cancelLater = clock.schedule(clock.nowMs() + 10 * 86_400_000, () => ran.push('10 days'));
    clock.advance(5 * 86_400_000);
    expect(ran).toEqual(['1 day', '3 days']);
    expect(clock.nowMs()).toBeGreaterThanOrEqual(1_000_000 + 5 * 86_400_000);
    cancelLater();
  });

  it('never moves backwards', () => {
    const clock = new VirtualClock();
    const now = clock.nowMs();
    clock.advanceTo(now - 60_000);
    expect(clock.nowMs()).toBeGreaterThanOrEqual(now);
  });
});
