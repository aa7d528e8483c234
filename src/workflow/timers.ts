/** Durable waiting: `sleep` starts a timer recorded in history; `condition` waits for a predicate. */
import { type Duration, msFromDuration } from '../common/duration.js';
import { getActivator } from './global-state.js';

/**
 * Waits durably: the worker may stop and the run resume elsewhere. Rejects with `CancelledFailure` if the
 * workflow is cancelled meanwhile. `sleep(0)` starts a 1 ms timer, as Temporal does: there is no 0 ms timer.
 *
 * @example
 * await sleep('1 day');
 */
export function sleep(duration: Duration): Promise<void> {
  const activator = getActivator('sleep()');
  return activator.startTimer(msFromDuration(duration)).promise;
}

/**
 * Resolves when `fn()` returns true; `fn` is re-evaluated after every event the run receives.
 * With a timeout, resolves `true` when `fn()` became true in time and `false` when the timeout fired first.
 * A timeout of 0 is a 1 ms timer (Temporal's behaviour since 1.5), not "no timeout".
 * Rejects with `CancelledFailure` if the workflow is cancelled meanwhile.
 *
 * @example
 * const approved = await condition(() => state.approved, '7 days');
 */
export function condition(fn: () => boolean, timeout: Duration): Promise<boolean>;
export function condition(fn: () => boolean): Promise<undefined>;
export async function condition(fn: () => boolean, timeout?: Duration): Promise<boolean | undefined> {
  const activator = getActivator('condition()');
  if (timeout === undefined) {
    await activator.waitFor(fn).promise;
    return undefined;
  }
  const timer = activator.startTimer(msFromDuration(timeout));
  const timedOut = timer.promise.then(() => false);
  const waiter = activator.waitFor(fn);
  const satisfied = waiter.promise.then(() => true);
  try {
    return await Promise.race([timedOut, satisfied]);
  } finally {
    // Whichever lost must not outlive the condition: cancel the timer (CancelTimer) and drop the waiter.
    activator.cancelTimer(timer.seq);
    activator.dropCondition(waiter.seq);
    timedOut.catch(() => undefined);
    satisfied.catch(() => undefined);
  }
}
