/** Retry policies: Temporal's defaults and the retry decision after a failed attempt, shared by the engine (activities) and the worker (local activities). */
import { create } from '@bufbuild/protobuf';
import { type Failure, type RetryPolicy, RetryPolicySchema, RetryState } from '../gen/strata/v1/common_pb.js';

/** Temporal's defaults: 1 s, doubling, capped at 100 x the initial interval, unlimited attempts. */
export function withRetryDefaults(policy: RetryPolicy | undefined): RetryPolicy {
  const initial = policy && policy.initialIntervalMs > 0 ? policy.initialIntervalMs : 1000;
  return create(RetryPolicySchema, {
    initialIntervalMs: initial,
    backoffCoefficient: policy && policy.backoffCoefficient >= 1 ? policy.backoffCoefficient : 2,
    maximumIntervalMs: policy && policy.maximumIntervalMs > 0 ? policy.maximumIntervalMs : 100 * initial,
    maximumAttempts: policy?.maximumAttempts ?? 0,
    nonRetryableErrorTypes: policy?.nonRetryableErrorTypes ?? [],
  });
}

export interface RetryInput {
  policy: RetryPolicy;
  /** The attempt that just failed, starting at 1. */
  attempt: number;
  /** Error type of an application failure, or '' for timeouts. */
  errorType: string;
  nonRetryable: boolean;
  /** Delay the failure asked for (ApplicationFailure.nextRetryDelay), 0 for none. */
  requestedDelayMs: number;
  nowMs: number;
  /** Absolute schedule-to-close deadline, 0 for none. */
  deadlineMs: number;
}

/** What a failure tells the retry decision: its application type, whether it forbids retries, the delay it asks. */
export function retryFactsOf(
  failure: Failure | undefined,
): Pick<RetryInput, 'errorType' | 'nonRetryable' | 'requestedDelayMs'> {
  const info = failure?.failureInfo;
  const application = info?.case === 'applicationFailureInfo' ? info.value : undefined;
  return {
    errorType: application?.type ?? '',
    nonRetryable:
      application?.nonRetryable ?? (info?.case === 'serverFailureInfo' && info.value.nonRetryable),
    requestedDelayMs: application?.nextRetryDelayMs ?? 0,
  };
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; retryState: RetryState };

/** Backoff after `attempt` failures: initial x coefficient^(attempt-1), capped at the maximum. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const raw = policy.initialIntervalMs * policy.backoffCoefficient ** (attempt - 1);
  return Math.min(raw, policy.maximumIntervalMs);
}

export function decideRetry(input: RetryInput): RetryDecision {
  const { policy } = input;
  if (input.nonRetryable || policy.nonRetryableErrorTypes.includes(input.errorType)) {
    return { retry: false, retryState: RetryState.NON_RETRYABLE_FAILURE };
  }
  if (policy.maximumAttempts > 0 && input.attempt >= policy.maximumAttempts) {
    return { retry: false, retryState: RetryState.MAXIMUM_ATTEMPTS_REACHED };
  }
  const delayMs = input.requestedDelayMs > 0 ? input.requestedDelayMs : backoffMs(policy, input.attempt);
  if (input.deadlineMs > 0 && input.nowMs + delayMs >= input.deadlineMs) {
    return { retry: false, retryState: RetryState.TIMEOUT };
  }
  return { retry: true, delayMs };
}

/** Workflow task retries: the 2nd attempt at once, then 1 s, 2 s, ... capped at 10 s. */
export function workflowTaskRetryDelayMs(attempt: number): number {
  if (attempt <= 2) return 0;
  return Math.min((attempt - 2) * 1000, 10_000);
}
