import { describe, expect, it } from 'vitest';
import { cancellationFailure, runInContext } from '../../src/activity/context.js';
import { activityInfo, CancelledFailure, Context, heartbeat, sleep } from '../../src/activity/index.js';
import type { Info } from '../../src/activity/info.js';
import { DefaultLogger } from '../../src/common/logger.js';

function makeContext(): { context: Context; controller: AbortController; beats: unknown[] } {
  const controller = new AbortController();
  const beats: unknown[] = [];
  const info = { activityId: 'a1', activityType: 'greet', attempt: 2 } as Info;
  const context = new Context({
    info,
    cancellationSignal: controller.signal,
    heartbeat: (details) => beats.push(details),
    log: new DefaultLogger('OFF'),
  });
  return { context, controller, beats };
}

describe('activity Context', () => {
  it('throws a clear error outside an activity', () => {
    expect(() => Context.current()).toThrow(
      /\[NOT_IN_ACTIVITY\] Context.current\(\) was called outside an activity/,
    );
    expect(() => activityInfo()).toThrow(/NOT_IN_ACTIVITY/);
  });

  it('is current through awaits inside the activity, and the helpers use it', async () => {
    const { context, beats } = makeContext();
    const seen = await runInContext(context, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      heartbeat({ step: 1 });
      return activityInfo();
    });
    expect(seen.attempt).toBe(2);
    expect(beats).toEqual([{ step: 1 }]);
  });

  it('sleep resolves after the delay and rejects with CancelledFailure on cancellation', async () => {
    const { context, controller } = makeContext();
    await expect(runInContext(context, () => sleep(5))).resolves.toBeUndefined();
    const sleeping = context.sleep('1 hour');
    controller.abort(cancellationFailure('CANCELLED'));
    await expect(sleeping).rejects.toBeInstanceOf(CancelledFailure);
    await expect(context.sleep(1)).rejects.toThrow('CANCELLED');
  });

  it('cancelled rejects with the cancellation reason and is not an unhandled rejection when ignored', async () => {
    const { context, controller } = makeContext();
    controller.abort(cancellationFailure('WORKER_SHUTDOWN'));
    await expect(context.cancelled).rejects.toThrow('WORKER_SHUTDOWN');
    expect(context.cancellationSignal.aborted).toBe(true);
    makeContext().controller.abort(cancellationFailure('CANCELLED'));
  });
});
