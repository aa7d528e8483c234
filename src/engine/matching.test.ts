import { describe, expect, it } from 'vitest';
import { Matching, queueChannel } from './matching.js';
import { InProcessNotifier } from './notifier.js';

describe('matching', () => {
  const channel = queueChannel('default', 'q', 'workflow');

  it('a notification wakes one waiter, oldest first', async () => {
    const matching = new Matching(new InProcessNotifier());
    const woken: string[] = [];
    const first = matching.wait(channel, 5000, undefined).then((w) => woken.push(`first:${w}`));
    const second = matching.wait(channel, 100, undefined).then((w) => woken.push(`second:${w}`));
    expect(matching.hasWaiter(channel)).toBe(true);
    matching.notify(channel);
    await first;
    await second;
    expect(woken).toEqual(['first:true', 'second:false']);
    expect(matching.hasWaiter(channel)).toBe(false);
  });

  it('notifications bump the channel generation even with nobody waiting', () => {
    const matching = new Matching(new InProcessNotifier());
    const before = matching.generation(channel);
    matching.notify(channel);
    expect(matching.generation(channel)).toBe(before + 1);
    expect(matching.generation(queueChannel('default', 'other', 'workflow'))).toBe(0);
  });

  it('an aborted waiter leaves the queue; close ends every wait as not woken', async () => {
    const matching = new Matching(new InProcessNotifier());
    const controller = new AbortController();
    const aborted = matching.wait(channel, 5000, controller.signal);
    controller.abort();
    expect(await aborted).toBe(false);
    const pending = matching.wait(channel, 5000, undefined);
    matching.close();
    expect(await pending).toBe(false);
    expect(await matching.wait(channel, 5000, undefined)).toBe(false);
  });

  it('query tasks are handed out in order and can be withdrawn', () => {
    const matching = new Matching(new InProcessNotifier());
    matching.pushQuery(channel, { id: 'a', namespace: 'default', runId: 'r', taskQueue: 'q' });
    matching.pushQuery(channel, { id: 'b', namespace: 'default', runId: 'r', taskQueue: 'q' });
    matching.removeQuery('a');
    expect(matching.takeQuery(channel)?.id).toBe('b');
    expect(matching.takeQuery(channel)).toBeUndefined();
  });
});
