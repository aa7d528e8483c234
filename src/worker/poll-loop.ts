import { describeRpcError, isTransientRpcError, type PollBackoff } from './rpc-retry.js';
import type { Slots } from './slots.js';

/**
 * A poll failed for a reason waiting will not fix (unknown namespace, refused request): the worker fails
 * with it. Its `cause` is the RPC error.
 */
export class WorkerPollError extends Error {
  override name = 'WorkerPollError';
}

/** One kind of long poll, run by {@link runPollLoop}. */
export interface PollLoopOptions<T> {
  /** Execution slots shared by the loops of one kind of task; a loop polls only while holding one. */
  slots: Slots;
  /** Stops the loop: aborts the open poll and any wait. */
  stopSignal: AbortSignal;
  backoff: PollBackoff;
  /** One long poll; resolves `undefined` when it ended without a task. */
  poll(signal: AbortSignal): Promise<T | undefined>;
  /** Runs a polled task; the slot is released when it settles. Must not reject. */
  handle(task: T): Promise<void>;
}

/**
 * Polls until stopped, handing each task off so the loop can poll again while it runs. Transient errors
 * (server restarting, unreachable) are retried with backoff; any other poll error rejects, which the
 * worker treats as fatal.
 */
export async function runPollLoop<T>(options: PollLoopOptions<T>): Promise<void> {
  const { slots, stopSignal, backoff } = options;
  while (!stopSignal.aborted) {
    if (!(await slots.acquire(stopSignal))) return;
    let task: T | undefined;
    try {
      task = await options.poll(stopSignal);
      backoff.succeeded();
    } catch (err) {
      slots.release();
      if (stopSignal.aborted) return;
      if (!isTransientRpcError(err)) {
        throw new WorkerPollError(`[POLL_FAILED] polling ${backoff.what} failed: ${describeRpcError(err)}`, {
          cause: err,
        });
      }
      await backoff.failed(err, stopSignal);
      continue;
    }
    if (task === undefined) {
      slots.release();
      continue;
    }
    void options.handle(task).finally(() => slots.release());
  }
}
