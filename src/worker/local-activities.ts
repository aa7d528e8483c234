/**
 * Runs local activities for the workflow tasks of this worker: the functions registered in `activities`, in
 * this process, with the retry policy and timeouts applied here. An execution ends in one of three outcomes
 * the workflow records as a marker: completed, failed for good (an ActivityFailure, as for activities), or
 * "back off" when the wait before the next attempt exceeds `localRetryThreshold` (the workflow then sleeps on
 * a durable timer and schedules the next attempt).
 */
import { create } from '@bufbuild/protobuf';
import { Context, cancellationFailure, runInContext } from '../activity/context.js';
import type { Info } from '../activity/info.js';
import { decodeValues, encodeValue } from '../common/converter.js';
import {
  ActivityFailure,
  ApplicationFailure,
  errorToFailure,
  type FailureShape,
  type RetryState,
  TimeoutFailure,
  type TimeoutType,
} from '../common/failure.js';
import { retryStateFromProto } from '../common/failure-proto.js';
import { type Logger, withMetadata } from '../common/logger.js';
import { decideRetry, withRetryDefaults } from '../common/retry-policy-proto.js';
import { RetryPolicySchema } from '../gen/strata/v1/common_pb.js';
import type { LocalActivityRequest, LocalActivityResolution, RunInit } from '../workflow/activation.js';
import type { ActivityFunction } from './worker-options.js';

/** One local activity running on this worker. */
export interface RunningLocalActivity {
  /** Its outcome; never rejects. */
  readonly outcome: Promise<LocalActivityResolution>;
  /** The workflow no longer waits for it: aborts the attempt running (its signal) and stops retrying. */
  cancel(): void;
}

export interface LocalActivityExecutorOptions {
  activities: ReadonlyMap<string, ActivityFunction>;
  logger: Logger;
  namespace: string;
}

type AttemptOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class LocalActivityExecutor {
  readonly #options: LocalActivityExecutorOptions;

  constructor(options: LocalActivityExecutorOptions) {
    this.#options = options;
  }

  start(request: LocalActivityRequest, run: RunInit): RunningLocalActivity {
    const controller = new AbortController();
    const outcome = this.#execute(request, run, controller.signal).catch(
      (err: unknown): LocalActivityResolution => ({
        status: 'failed',
        failure: activityFailure(request, 'RETRY_POLICY_NOT_SET', err),
        attempt: request.attempt,
        completeTimeMs: Date.now(),
      }),
    );
    return { outcome, cancel: () => controller.abort(cancellationFailure('CANCELLED')) };
  }

  async #execute(
    request: LocalActivityRequest,
    run: RunInit,
    cancelled: AbortSignal,
  ): Promise<LocalActivityResolution> {
    const { options } = request;
    const policy = withRetryDefaults(
      options.retry === undefined ? undefined : create(RetryPolicySchema, withoutUndefined(options.retry)),
    );
    const fn = this.#options.activities.get(request.activityType);
    // The schedule-to-close timeout counts from the first scheduling, durable backoffs included.
    const deadlineMs =
      options.scheduleToCloseTimeoutMs === undefined
        ? 0
        : Date.now() +
          options.scheduleToCloseTimeoutMs -
          (request.scheduledTimeMs - request.originalScheduleTimeMs);
    for (let attempt = request.attempt; ; attempt++) {
      // Cancelled by the workflow: no further attempt.
      if (cancelled.aborted) return cancelledOutcome(request, cancelled, attempt);
      const result =
        fn === undefined
          ? { ok: false as const, error: this.#notRegistered(request) }
          : await this.#attempt(fn, request, run, attempt, deadlineMs, cancelled);
      const completeTimeMs = Date.now();
      if (result.ok) {
        return {
          status: 'completed',
          result: encodeValue(result.value, 'the local activity result'),
          attempt,
          completeTimeMs,
        };
      }
      if (cancelled.aborted) return cancelledOutcome(request, cancelled, attempt);
      const error = result.error;
      const decision = decideRetry({
        policy,
        attempt,
        errorType:
          error instanceof ApplicationFailure
            ? error.type
            : error instanceof TimeoutFailure
              ? ''
              : errorName(error),
        nonRetryable:
          (error instanceof ApplicationFailure && error.nonRetryable) ||
          (error instanceof TimeoutFailure && error.timeoutType === 'SCHEDULE_TO_CLOSE'),
        requestedDelayMs: error instanceof ApplicationFailure ? (error.nextRetryDelayMs ?? 0) : 0,
        nowMs: completeTimeMs,
        deadlineMs,
      });
      if (!decision.retry) {
        const retryState = retryStateFromProto(decision.retryState);
        return {
          status: 'failed',
          failure: activityFailure(request, retryState, error),
          attempt,
          completeTimeMs,
        };
      }
      if (decision.delayMs > options.localRetryThresholdMs) {
        return {
          status: 'backoff',
          failure: activityFailure(request, 'IN_PROGRESS', error),
          backoffMs: decision.delayMs,
          nextAttempt: attempt + 1,
          attempt,
          completeTimeMs,
        };
      }
      await abortableDelay(decision.delayMs, cancelled);
    }
  }

  /** One attempt, bounded by the start-to-close timeout and the schedule-to-close deadline. */
  async #attempt(
    fn: ActivityFunction,
    request: LocalActivityRequest,
    run: RunInit,
    attempt: number,
    deadlineMs: number,
    cancelled: AbortSignal,
  ): Promise<AttemptOutcome> {
    const controller = new AbortController();
    const onCancel = () => controller.abort(cancelled.reason);
    cancelled.addEventListener('abort', onCancel, { once: true });
    const limits: { ms: number; type: TimeoutType }[] = [];
    if (request.options.startToCloseTimeoutMs !== undefined)
      limits.push({ ms: request.options.startToCloseTimeoutMs, type: 'START_TO_CLOSE' });
    if (deadlineMs > 0) limits.push({ ms: Math.max(0, deadlineMs - Date.now()), type: 'SCHEDULE_TO_CLOSE' });
    const limit = limits.sort((x, y) => x.ms - y.ms)[0];
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<AttemptOutcome>((resolve) => {
      if (limit === undefined) return;
      timer = setTimeout(() => {
        const failure = new TimeoutFailure(`Local activity timed out (${limit.type})`, undefined, limit.type);
        controller.abort(failure);
        resolve({ ok: false, error: failure });
      }, limit.ms);
    });
    const context = new Context({
      info: this.#info(request, run, attempt),
      cancellationSignal: controller.signal,
      log: withMetadata(this.#options.logger, {
        activityId: request.activityId,
        activityType: request.activityType,
        attempt,
        workflowId: run.workflowId,
        runId: run.runId,
        isLocal: true,
      }),
      // Local activities do not heartbeat to the server: their timeouts are enforced here.
      heartbeat: () => undefined,
    });
    const args = decodeValues(request.args) as never[];
    const invoked = runInContext(context, async () => fn(...args)).then(
      (value): AttemptOutcome => ({ ok: true, value }),
      (error: unknown): AttemptOutcome => ({ ok: false, error }),
    );
    try {
      return await Promise.race([invoked, timedOut]);
    } finally {
      clearTimeout(timer);
      cancelled.removeEventListener('abort', onCancel);
    }
  }

  #info(request: LocalActivityRequest, run: RunInit, attempt: number): Info {
    return {
      taskToken: new Uint8Array(),
      activityId: request.activityId,
      activityType: request.activityType,
      activityNamespace: this.#options.namespace,
      attempt,
      isLocal: true,
      workflowExecution: { workflowId: run.workflowId, runId: run.runId },
      workflowNamespace: run.namespace,
      workflowType: run.workflowType,
      taskQueue: run.taskQueue,
      heartbeatDetails: undefined,
      heartbeatTimeoutMs: undefined,
      scheduleToCloseTimeoutMs: request.options.scheduleToCloseTimeoutMs,
      startToCloseTimeoutMs: request.options.startToCloseTimeoutMs,
      scheduledTimestampMs: request.originalScheduleTimeMs,
      currentAttemptScheduledTimestampMs: request.scheduledTimeMs,
      startedTimestampMs: Date.now(),
    };
  }

  #notRegistered(request: LocalActivityRequest): ApplicationFailure {
    const registered = JSON.stringify([...this.#options.activities.keys()]);
    return ApplicationFailure.nonRetryable(
      `Local activity function "${request.activityType}" is not registered on this worker, available activities: ${registered}`,
      'NotFoundError',
    );
  }
}

/** The ActivityFailure the workflow sees, with what the last attempt threw (or its timeout) as cause. */
function activityFailure(
  request: LocalActivityRequest,
  retryState: RetryState,
  error: unknown,
): FailureShape {
  let cause: FailureShape;
  try {
    cause = errorToFailure(error);
  } catch (conversionError) {
    cause = errorToFailure(ApplicationFailure.fromError(conversionError));
  }
  const failure = errorToFailure(
    new ActivityFailure('Local activity failed', request.activityType, request.activityId, retryState, ''),
  );
  return { ...failure, cause };
}

/** The attempt failed after the workflow cancelled it: an ActivityFailure caused by the cancellation. */
function cancelledOutcome(
  request: LocalActivityRequest,
  cancelled: AbortSignal,
  attempt: number,
): LocalActivityResolution {
  return {
    status: 'failed',
    failure: activityFailure(request, 'CANCEL_REQUESTED', cancelled.reason),
    attempt,
    completeTimeMs: Date.now(),
  };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
