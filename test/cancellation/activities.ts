/**
 * Activities of the cancellation tests. `calls` counts executions per activity name (the test and the worker
 * share this module instance), so tests can prove what ran and how often.
 */
import { Context, heartbeat, sleep } from 'strata/activity';

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
  const context = Context.current();
  for (;;) {
    heartbeat();
    await sleep(20);
    if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
  }
}
