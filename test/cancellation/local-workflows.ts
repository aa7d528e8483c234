/** Workflows of the local activity tests. */
import {
  type ActivityCancellationType,
  ActivityFailure,
  CancellationScope,
  isCancellation,
  proxyLocalActivities,
  sleep,
} from 'strata/workflow';
import type * as activities from './activities.js';

const local = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '5 seconds' });

/** Looks up a price locally, then sleeps an hour: a worker restart in between must not run the lookup again. */
export async function priceThenNap(sku: string): Promise<number> {
  const price = await local.lookupPrice(sku);
  await sleep('1 hour');
  return price;
}

/** Retries in the worker: short backoffs stay below localRetryThreshold. */
export async function localRetries(failures: number): Promise<number> {
  const { flaky } = proxyLocalActivities<typeof activities>({
    startToCloseTimeout: '5 seconds',
    retry: { initialInterval: '10ms', maximumAttempts: 5 },
  });
  return flaky(failures);
}

/** A backoff longer than localRetryThreshold becomes a durable timer between attempts. */
export async function localDurableBackoff(): Promise<number> {
  const { flaky } = proxyLocalActivities<typeof activities>({
    startToCloseTimeout: '5 seconds',
    retry: { initialInterval: '2 minutes', maximumAttempts: 3 },
    localRetryThreshold: '1 minute',
  });
  return flaky(1);
}

function describeFailure(err: unknown): string {
  if (!(err instanceof ActivityFailure)) throw err;
  const cause = err.cause as Error & { type?: string; timeoutType?: string };
  return `${err.name} ${err.activityType} ${err.retryState}: ${cause.name} ${cause.type ?? cause.timeoutType ?? ''} ${cause.message}`;
}

/** A non-retryable failure rejects with ActivityFailure at once. */
export async function localFailure(): Promise<string> {
  return local.declined().then(() => 'no failure', describeFailure);
}

/** Each attempt times out after 100 ms; two attempts, then TimeoutFailure. */
export async function localTimeout(): Promise<string> {
  const { slowLocal } = proxyLocalActivities<typeof activities>({
    startToCloseTimeout: '100ms',
    retry: { initialInterval: '10ms', maximumAttempts: 2 },
  });
  return slowLocal(5000).then(() => 'no timeout', describeFailure);
}

/**
 * Cancels a scope whose local activity is still running, once another local activity completed; the slow one
 * has the given cancellation type.
 */
export async function cancelLocalActivity(
  cancellationType: ActivityCancellationType = 'TRY_CANCEL',
  slowMs = 5000,
): Promise<string> {
  const { slowLocal } = proxyLocalActivities<typeof activities>({
    startToCloseTimeout: '10 seconds',
    cancellationType,
  });
  const scope = new CancellationScope();
  const slow = scope.run(() => slowLocal(slowMs));
  const price = await local.lookupPrice('abc');
  scope.cancel();
  try {
    return `price ${price}; slow resolved: ${await slow}`;
  } catch (err) {
    const cause = (err as Error).cause as Error | undefined;
    return `price ${price}; slow rejected, isCancellation=${isCancellation(err)}, cause ${cause?.name}: ${cause?.message}`;
  }
}
