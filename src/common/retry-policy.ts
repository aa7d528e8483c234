/**
 * `RetryPolicy`: how failed activities, and workflows started with `retry`, are retried. The same fields
 * and defaults as Temporal's, and the rules a policy must follow, checked by the client before sending
 * and by the server on arrival.
 */
import type { Duration } from './duration.js';

/** How failed activities and workflows are retried. The same fields as Temporal's `RetryPolicy`. */
export interface RetryPolicy {
  /** Delay before the first retry. @default 1 second */
  initialInterval?: Duration;
  /** Multiplier of the delay after each attempt. @default 2 */
  backoffCoefficient?: number;
  /** Cap of the delay between attempts. @default 100 x initialInterval */
  maximumInterval?: Duration;
  /** Attempts in all, the first included; 0 or unset means unlimited. */
  maximumAttempts?: number;
  /** `ApplicationFailure` types that are never retried. */
  nonRetryableErrorTypes?: string[];
}

/** A policy in milliseconds, 0 standing for "unset" (the default applies). */
export interface RetryPolicyMs {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  maximumAttempts: number;
}

/** Why the policy is invalid, as an `[INVALID_ARGUMENT]` message naming the field, or undefined. */
export function retryPolicyProblem(policy: RetryPolicyMs, field: string): string | undefined {
  const { initialIntervalMs, backoffCoefficient, maximumIntervalMs, maximumAttempts } = policy;
  const problem = (what: string): string => `[INVALID_ARGUMENT] ${field}.${what}`;
  if (!Number.isFinite(initialIntervalMs) || initialIntervalMs < 0) {
    return problem(`initialInterval must be a duration >= 0, got ${initialIntervalMs} ms`);
  }
  if (!Number.isFinite(backoffCoefficient) || (backoffCoefficient !== 0 && backoffCoefficient < 1)) {
    return problem(
      `backoffCoefficient must be >= 1 (each delay at least the previous one), got ${backoffCoefficient}`,
    );
  }
  if (!Number.isFinite(maximumIntervalMs) || maximumIntervalMs < 0) {
    return problem(`maximumInterval must be a duration >= 0, got ${maximumIntervalMs} ms`);
  }
  if (maximumIntervalMs > 0 && maximumIntervalMs < initialIntervalMs) {
    return problem(
      `maximumInterval (${maximumIntervalMs} ms) is shorter than initialInterval (${initialIntervalMs} ms); raise it or drop it`,
    );
  }
  if (!Number.isInteger(maximumAttempts) || maximumAttempts < 0) {
    return problem(`maximumAttempts must be a whole number >= 0 (0 for unlimited), got ${maximumAttempts}`);
  }
  return undefined;
}
