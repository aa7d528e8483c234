import { setTimeout as sleep } from 'node:timers/promises';
import { isTransient } from './errors.js';

/** How long transient errors are retried before giving up: long enough to ride out a server restart. */
const RETRY_BUDGET_MS = 60_000;
const INITIAL_DELAY_MS = 100;
const MAX_DELAY_MS = 2_000;

/** Runs `rpc`, retrying with exponential backoff while it fails with a transient error (Unavailable). */
export async function callWithRetry<R>(rpc: () => Promise<R>): Promise<R> {
  const deadline = Date.now() + RETRY_BUDGET_MS;
  let delayMs = INITIAL_DELAY_MS;
  for (;;) {
    try {
      return await rpc();
    } catch (err) {
      if (!isTransient(err) || Date.now() + delayMs > deadline) throw err;
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, MAX_DELAY_MS);
    }
  }
}
