import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Logger } from '../common/logger.js';

/**
 * Codes a poll may meet while the server restarts or is overloaded: the worker waits and polls again.
 * Canceled is here because a server that is going down cancels its open long polls.
 */
const TRANSIENT_CODES: ReadonlySet<Code> = new Set([
  Code.Unavailable,
  Code.Unknown,
  Code.Internal,
  Code.DeadlineExceeded,
  Code.ResourceExhausted,
  Code.Aborted,
  Code.Canceled,
]);

/** True for errors worth retrying: the server is unreachable, restarting or overloaded. */
export function isTransientRpcError(error: unknown): boolean {
  return TRANSIENT_CODES.has(ConnectError.from(error).code);
}

/** `Unavailable: connect ECONNREFUSED`, short enough for one log line. */
export function describeRpcError(error: unknown): string {
  const connectError = ConnectError.from(error);
  return `${Code[connectError.code]}: ${connectError.rawMessage}`;
}

export interface PollBackoffOptions {
  /** First delay; doubles with each consecutive failure. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Shared by all pollers of one queue, so an outage makes them wait together and is logged once per
 * retry rather than once per poller.
 */
export class PollBackoff {
  private attempt = 0;
  private waiting: Promise<void> | undefined;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(
    /** Names the queue in log lines and errors, e.g. `activity task queue "orders"`. */
    readonly what: string,
    private readonly logger: Logger,
    options: PollBackoffOptions = {},
  ) {
    this.initialDelayMs = options.initialDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
  }

  /** Waits before the next poll after a transient failure; returns early when `signal` aborts. */
  failed(error: unknown, signal: AbortSignal): Promise<void> {
    if (this.waiting) return this.waiting;
    this.attempt++;
    const capped = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** (this.attempt - 1));
    // Full jitter in the upper half: workers restarted together do not reconnect in lockstep.
    const delayMs = Math.round(capped * (0.5 + Math.random() * 0.5));
    this.logger.warn(`Polling ${this.what} failed; retrying in ${delayMs} ms`, {
      error: describeRpcError(error),
      attempt: this.attempt,
    });
    this.waiting = abortableDelay(delayMs, signal).finally(() => {
      this.waiting = undefined;
    });
    return this.waiting;
  }

  /** Resets the backoff after a poll got an answer. */
  succeeded(): void {
    if (this.attempt === 0) return;
    this.logger.info(`Polling ${this.what} recovered`, { retries: this.attempt });
    this.attempt = 0;
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export interface CallWithRetryOptions {
  /** Names the call in log lines, e.g. `RespondActivityTaskCompleted for activity "greet"`. */
  what: string;
  logger: Logger;
  /** Attempts in all, the first included. */
  maxAttempts?: number;
  /** Deadline of each attempt, so a call on a dead connection fails (and is retried) instead of hanging. */
  attemptTimeoutMs?: number;
}

/** Per-call options handed to the RPC, as Connect's `CallOptions` takes them. */
export interface RetryCallOptions {
  timeoutMs: number;
}

/**
 * Runs an RPC that reports a result (a completion, a failure), retrying transient errors with capped,
 * jittered backoff so a server restart does not lose the work of a task that already ran.
 */
export async function callWithRetry<T>(
  call: (callOptions: RetryCallOptions) => Promise<T>,
  options: CallWithRetryOptions,
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 8;
  const callOptions = { timeoutMs: options.attemptTimeoutMs ?? 30_000 };
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(callOptions);
    } catch (err) {
      if (attempt >= maxAttempts || !isTransientRpcError(err)) throw err;
      const delayMs = Math.round(Math.min(5000, 100 * 2 ** attempt) * (0.5 + Math.random() * 0.5));
      options.logger.warn(`${options.what} failed; retrying in ${delayMs} ms`, {
        error: describeRpcError(err),
        attempt,
      });
      await sleep(delayMs);
    }
  }
}
