/** Workflows of the cancellation tests: scopes, client cancellation, timeouts. */
import {
  type ActivityCancellationType,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
} from 'strata/workflow';
import type * as activities from './activities.js';

const { releaseStock, heartbeatUntilCancelled } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '1 second',
});

export const stepsQuery = defineQuery<string[]>('steps');
export const cancelInner = defineSignal('cancelInner');

/**
 * Cancels an outer scope holding a cancellable and a non-cancellable child, each sleeping: the cancellable one's
 * timer is cancelled (TimerCanceled), the shielded one sleeps to its end. Also records which scope the code
 * sees after an `await`.
 */
export async function nestedScopes(): Promise<string[]> {
  const seen: string[] = [];
  const outer = new CancellationScope();
  const work = outer.run(async () => {
    const inner = new CancellationScope();
    const cancellable = inner
      .run(async () => {
        await sleep('1 hour');
        seen.push('inner slept');
      })
      .catch((err: unknown) => {
        seen.push(`inner rejected, isCancellation=${isCancellation(err)}`);
      });
    const shielded = CancellationScope.nonCancellable(async () => {
      const scope = CancellationScope.current();
      await sleep('2 hours');
      seen.push(`shielded slept, same scope after await=${CancellationScope.current() === scope}`);
      seen.push(
        `shielded: cancellable=${scope.cancellable} consideredCancelled=${scope.consideredCancelled}`,
      );
    });
    await Promise.all([cancellable, shielded]);
    seen.push(`inner consideredCancelled=${inner.consideredCancelled}`);
  });
  await sleep('1 minute');
  outer.cancel();
  await work;
  seen.push(`outer consideredCancelled=${outer.consideredCancelled}`);
  seen.push(`root is current=${CancellationScope.current().parent === undefined}`);
  return seen;
}

/** A cancellable scope inside a non-cancellable one is shielded from the outer cancellation but can be cancelled itself. */
export async function shieldedChildCancelledOnItsOwn(): Promise<string[]> {
  const seen: string[] = [];
  let child: CancellationScope | undefined;
  setHandler(cancelInner, () => child?.cancel());
  setHandler(stepsQuery, () => seen);
  const outer = new CancellationScope();
  const work = outer.run(() =>
    CancellationScope.nonCancellable(async () => {
      child = new CancellationScope();
      await child
        .run(() => condition(() => false))
        .catch((err: unknown) => seen.push(`child: ${(err as Error).message}`));
    }),
  );
  outer.cancel();
  seen.push(`outer cancelled; child consideredCancelled=${child?.consideredCancelled}`);
  await work;
  return seen;
}

/** Catches the client's cancellation, cleans up in a non-cancellable scope, then completes or rethrows. */
export async function cancelAndCleanup(rethrow: boolean): Promise<string> {
  try {
    await heartbeatUntilCancelled();
    return 'not cancelled';
  } catch (err) {
    if (!isCancellation(err)) throw err;
    const released = await CancellationScope.nonCancellable(() => releaseStock('order-1'));
    if (rethrow) throw err;
    return `cancelled, then ${released}`;
  }
}

/** withTimeout: a 1-day sleep under a 1-hour scope timeout is cancelled; a short one completes and cancels the scope's timer. */
export async function withTimeouts(): Promise<string[]> {
  const seen: string[] = [];
  try {
    await CancellationScope.withTimeout('1 hour', () => sleep('1 day'));
    seen.push('long sleep finished');
  } catch (err) {
    seen.push(`long sleep: ${(err as Error).name} ${(err as Error).message}`);
  }
  await CancellationScope.withTimeout('1 hour', () => sleep('1 minute'));
  seen.push('short sleep finished');
  return seen;
}

/** `cancelRequested` rejects when the scope is cancelled, so code that does not cancel by itself can race it. */
export async function raceCancelRequested(): Promise<string> {
  const scope = new CancellationScope();
  const waiting = scope.run(() => Promise.race([scope.cancelRequested, new Promise<never>(() => undefined)]));
  scope.cancel();
  try {
    await waiting;
    return 'not cancelled';
  } catch (err) {
    return `cancelRequested rejected: ${(err as Error).message}`;
  }
}

/** Work started in a scope already cancelled rejects at once, without sending a command. */
export async function startInCancelledScope(): Promise<string> {
  const scope = new CancellationScope();
  scope.cancel();
  try {
    await scope.run(() => sleep('1 day'));
    return 'slept';
  } catch (err) {
    return `rejected at once: ${isCancellation(err)}`;
  }
}

/** What workflow code sees of the storage the worker gives the runtime: nothing. */
export async function storageHidden(): Promise<string> {
  const globals = globalThis as Record<string, unknown>;
  return `${typeof globals.__strataAsyncLocalStorage} ${typeof globals.AsyncLocalStorage}`;
}

export const cancelActivity = defineSignal('cancelActivity');

/**
 * Runs an activity in a scope and cancels the scope when signalled; returns what the activity's promise did.
 * `activity` picks one that reports its cancellation or one that ignores it and completes.
 */
export async function cancelActivityWith(
  cancellationType: ActivityCancellationType,
  activity: 'heartbeatUntilCancelled' | 'ignoresCancellation',
): Promise<string> {
  const acts = proxyActivities<typeof activities>({
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: '1 second',
    cancellationType,
  });
  let cancelRequested = false;
  setHandler(cancelActivity, () => {
    cancelRequested = true;
  });
  const scope = new CancellationScope();
  const call =
    activity === 'heartbeatUntilCancelled'
      ? scope.run(() => acts.heartbeatUntilCancelled())
      : scope.run(() => acts.ignoresCancellation(1500));
  await condition(() => cancelRequested);
  scope.cancel();
  try {
    return `resolved: ${await call}`;
  } catch (err) {
    const cause = (err as Error).cause as Error | undefined;
    return `rejected: ${(err as Error).name} (${cause?.name}: ${cause?.message}), isCancellation=${isCancellation(err)}`;
  }
}
