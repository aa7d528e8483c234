import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { RetryPolicySchema, RetryState } from '../gen/strata/v1/common_pb.js';
import { backoffMs, decideRetry, withRetryDefaults, workflowTaskRetryDelayMs } from './retry-policy-proto.js';

describe('retry policy', () => {
  it('fills Temporal defaults: 1 s initial, coefficient 2, max 100 x initial, unlimited attempts', () => {
    const policy = withRetryDefaults(undefined);
    expect(policy).toMatchObject({
      initialIntervalMs: 1000,
      backoffCoefficient: 2,
      maximumIntervalMs: 100_000,
      maximumAttempts: 0,
    });
  });

  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [8, 100_000],
    [50, 100_000],
  ])('backs off after attempt %i by %i ms', (attempt, expected) => {
    expect(backoffMs(withRetryDefaults(undefined), attempt)).toBe(expected);
  });

  const base = {
    policy: withRetryDefaults(
      create(RetryPolicySchema, { maximumAttempts: 3, nonRetryableErrorTypes: ['Fatal'] }),
    ),
    attempt: 1,
    errorType: 'Boom',
    nonRetryable: false,
    requestedDelayMs: 0,
    nowMs: 0,
    deadlineMs: 0,
  };

  it.each([
    ['a retryable failure', {}, { retry: true, delayMs: 1000 }],
    [
      'a non-retryable flag',
      { nonRetryable: true },
      { retry: false, retryState: RetryState.NON_RETRYABLE_FAILURE },
    ],
    [
      'a non-retryable type',
      { errorType: 'Fatal' },
      { retry: false, retryState: RetryState.NON_RETRYABLE_FAILURE },
    ],
    ['the last attempt', { attempt: 3 }, { retry: false, retryState: RetryState.MAXIMUM_ATTEMPTS_REACHED }],
    [
      'a deadline before the retry',
      { nowMs: 500, deadlineMs: 1200 },
      { retry: false, retryState: RetryState.TIMEOUT },
    ],
    ['a requested delay', { requestedDelayMs: 7 }, { retry: true, delayMs: 7 }],
  ])('decides on %s', (_name, change, expected) => {
    expect(decideRetry({ ...base, ...change })).toEqual(expected);
  });

  it('retries workflow tasks at once, then after 1 s, 2 s, ... capped at 10 s', () => {
    expect([1, 2, 3, 4, 12, 50].map(workflowTaskRetryDelayMs)).toEqual([0, 0, 1000, 2000, 10_000, 10_000]);
  });
});
