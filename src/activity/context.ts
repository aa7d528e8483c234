import { AsyncLocalStorage } from 'node:async_hooks';
import { type Duration, msFromDuration } from '../common/duration.js';
import { CancelledFailure } from '../common/failure.js';
import type { Logger } from '../common/logger.js';
import type { Info } from './info.js';

/** Why an attempt's cancellation signal was aborted; the message of the {@link CancelledFailure} it carries. */
export type ActivityCancellationReason =
  /** The workflow requested cancellation; the server said so in a heartbeat response. */
  | 'CANCELLED'
  /** The attempt passed its start-to-close (or schedule-to-close) timeout locally. */
  | 'TIMED_OUT'
  /** The worker is shutting down and the activity outlived the shutdown grace time. */
  | 'WORKER_SHUTDOWN'
  /** The server no longer knows the attempt (it timed out there, or the workflow closed). */
  | 'NOT_FOUND';

/** What the worker gives each attempt's {@link Context}. */
export interface ContextOptions {
  info: Info;
  /** Aborted with a {@link CancelledFailure} whose message is an {@link ActivityCancellationReason}. */
  cancellationSignal: AbortSignal;
  /** Records a heartbeat; the worker throttles the RPCs. */
  heartbeat: (details?: unknown) => void;
  log: Logger;
}

const storage = new AsyncLocalStorage<Context>();

/**
 * The context of the activity attempt running now: its {@link Info}, heartbeats and cancellation.
 * Obtain it with {@link Context.current} anywhere in the activity's async call tree.
 */
export class Context {
  /**
   * The context of the activity running in the current async call tree.
   * @throws Error outside an activity (e.g. in workflow code, or in a callback scheduled from elsewhere).
   */
  static current(): Context {
    const context = storage.getStore();
    if (context === undefined) {
      throw new Error(
        '[NOT_IN_ACTIVITY] Context.current() was called outside an activity: it only works in code ' +
          'called (directly or through awaits) by an activity function that a Worker is running',
      );
    }
    return context;
  }

  readonly info: Info;
  /** Aborted when the activity is cancelled: by the workflow, by a local timeout or by worker shutdown. */
  readonly cancellationSignal: AbortSignal;
  /**
   * Rejects with a {@link CancelledFailure} when the activity is cancelled; never resolves. Race it
   * against your work, e.g. `await Promise.race([work(), ctx.cancelled])`.
   */
  readonly cancelled: Promise<never>;
  /** A logger whose lines carry the activity's id, type, attempt and workflow. */
  readonly log: Logger;
  private readonly recordHeartbeat: (details?: unknown) => void;

  constructor(options: ContextOptions) {
    this.info = options.info;
    this.cancellationSignal = options.cancellationSignal;
    this.log = options.log;
    this.recordHeartbeat = options.heartbeat;
    this.cancelled = new Promise<never>((_, reject) => {
      const signal = options.cancellationSignal;
      if (signal.aborted) reject(signal.reason);
      else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    // Nobody may ever await `cancelled`; that must not count as an unhandled rejection.
    this.cancelled.catch(() => undefined);
  }

  /**
   * Tells the server the activity is alive and records `details` for the next attempt
   * (`info.heartbeatDetails`). Cheap to call often: the worker sends at most one RPC per 80% of the
   * heartbeat timeout (30 s without one), and always sends the latest details eventually. A
   * cancellation requested by the workflow is only seen through heartbeats.
   */
  heartbeat(details?: unknown): void {
    this.recordHeartbeat(details);
  }

  /**
   * Sleeps for `ms` (a number of milliseconds or a string such as `'5s'`); rejects with a
   * {@link CancelledFailure} as soon as the activity is cancelled.
   */
  sleep(ms: Duration): Promise<void> {
    const delayMs = msFromDuration(ms);
    const signal = this.cancellationSignal;
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, delayMs);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** Runs `fn` with `context` as {@link Context.current}. Used by the worker's activity executor. */
export function runInContext<T>(context: Context, fn: () => T): T {
  return storage.run(context, fn);
}

/** The {@link CancelledFailure} an attempt's cancellation signal is aborted with. */
export function cancellationFailure(reason: ActivityCancellationReason): CancelledFailure {
  return new CancelledFailure(reason);
}
