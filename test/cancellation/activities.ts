/**
 * Activities of the cancellation tests. `calls` counts executions per activity name (the test and the worker
 * share this module instance), so tests can prove what ran and how often.
 */
import { ApplicationFailure, activityInfo, heartbeat, sleep } from 'strata/activity';

export const calls = new Map<string, number>();

function count(name: string): number {
  const n = (calls.get(name) ?? 0) + 1;
  calls.set(name, n);
  return n;
}

/** The clean-up a workflow runs after it was cancelled. */
export async function releaseStock(order: string): Promise<string> {
  count('releaseStock');
  return `released ${order}`;
}

/** Heartbeats until the server tells it the workflow cancelled it, then reports the cancellation. */
export async function heartbeatUntilCancelled(): Promise<string> {
  count('heartbeatUntilCancelled');
  try {
    for (;;) {
      heartbeat();
      // Rejects with the CancelledFailure once a heartbeat's answer says the workflow cancelled the activity.
      await sleep(20);
    }
  } catch (err) {
    count('heartbeatUntilCancelled cancelled');
    throw err;
  }
}

/** Heartbeats for `ms` and finishes whatever the workflow asks: an activity that ignores cancellation. */
export async function ignoresCancellation(ms: number): Promise<string> {
  count('ignoresCancellation');
  const end = Date.now() + ms;
  while (Date.now() < end) {
    heartbeat();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  count('ignoresCancellation finished');
  return 'finished anyway';
}

/** A quick lookup, run as a local activity; counts its executions. */
export async function lookupPrice(sku: string): Promise<number> {
  count('lookupPrice');
  return sku.length * 10;
}

/** Fails its first `failures` attempts (retryable), then returns the attempt that succeeded. */
export async function flaky(failures: number): Promise<number> {
  const { attempt } = activityInfo();
  count('flaky');
  if (attempt <= failures) throw ApplicationFailure.retryable(`attempt ${attempt} fails`, 'Flaky');
  return attempt;
}

export async function declined(): Promise<never> {
  count('declined');
  throw ApplicationFailure.nonRetryable('card declined', 'CardDeclined');
}

/** Sleeps `ms` (rejecting when cancelled); counts how often it was cancelled. */
export async function slowLocal(ms: number): Promise<string> {
  count('slowLocal');
  try {
    await sleep(ms);
  } catch (err) {
    count('slowLocal cancelled');
    throw err;
  }
  count('slowLocal done');
  return 'slow done';
}
