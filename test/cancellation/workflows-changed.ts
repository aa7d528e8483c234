/**
 * The cancellation workflows after a change that running workflows must not meet unpatched: replaying a history
 * recorded by `workflows.ts` with these is a non-determinism error.
 */
import {
  type ActivityCancellationType,
  CancellationScope,
  condition,
  defineSignal,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
} from 'strata/workflow';
import type * as activities from './activities.js';

const { releaseStock, heartbeatUntilCancelled } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '1 second',
});

/** Now waits a minute before its clean-up: a StartTimer where the history has ActivityTaskScheduled. */
export async function cancelAndCleanup(rethrow: boolean): Promise<string> {
  try {
    await heartbeatUntilCancelled();
    return 'not cancelled';
  } catch (err) {
    if (!isCancellation(err)) throw err;
    const released = await CancellationScope.nonCancellable(async () => {
      await sleep('1 minute');
      return releaseStock('order-1');
    });
    if (rethrow) throw err;
    return `cancelled, then ${released}`;
  }
}

/** Now cancels the shielded sleep instead of the inner one: the TimerCanceled names another timer. */
export async function nestedScopes(): Promise<string[]> {
  const outer = new CancellationScope();
  const work = outer.run(async () => {
    const first = CancellationScope.nonCancellable(() => sleep('1 hour'));
    const second = CancellationScope.cancellable(() => sleep('2 hours')).catch(() => undefined);
    await Promise.all([first, second]);
  });
  await sleep('1 minute');
  outer.cancel();
  await work;
  return [];
}

const cancelActivity = defineSignal('cancelActivity');

/** Ignores the cancellation type it is given and uses TRY_CANCEL: it no longer waits for ActivityTaskCanceled. */
export async function cancelActivityWith(_type: ActivityCancellationType): Promise<string> {
  const acts = proxyActivities<typeof activities>({
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: '1 second',
  });
  let cancelRequested = false;
  setHandler(cancelActivity, () => {
    cancelRequested = true;
  });
  const scope = new CancellationScope();
  const call = scope.run(() => acts.heartbeatUntilCancelled());
  await condition(() => cancelRequested);
  scope.cancel();
  return call.then(
    () => 'resolved',
    () => 'rejected',
  );
}

const local = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '5 seconds' });

/** Now looks the price up with another local activity type. */
export async function priceThenNap(_sku: string): Promise<number> {
  const price = await local.flaky(0);
  await sleep('1 hour');
  return price;
}
