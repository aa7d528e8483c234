import { Code, ConnectError } from '@connectrpc/connect';
import {
  type ActivityCancellationReason,
  Context,
  cancellationFailure,
  runInContext,
} from '../activity/context.js';
import type { Info } from '../activity/info.js';
import { encodeValue } from '../common/converter.js';
import { ApplicationFailure, CancelledFailure, errorToFailure, isCancellation } from '../common/failure.js';
import { toProtoFailure } from '../common/failure-proto.js';
import { withMetadata } from '../common/logger.js';
import { payloadsToValue, payloadsToValues, toProtoPayloads } from '../common/payload-proto.js';
import type { Failure } from '../gen/strata/v1/common_pb.js';
import type { PollActivityTaskQueueResponse } from '../gen/strata/v1/service_pb.js';
import { HeartbeatThrottle } from './heartbeat-throttle.js';
import { callWithRetry, describeRpcError, isTransientRpcError } from './rpc-retry.js';
import type { CompiledWorkerOptions } from './worker-options.js';

/** One activity attempt running on this worker. */
export interface RunningActivity {
  readonly info: Info;
  /** Settles once the attempt's outcome has been reported (or could not be). Never rejects. */
  readonly done: Promise<void>;
  /** Aborts the attempt's cancellation signal; the first reason wins. */
  cancel(reason: ActivityCancellationReason): void;
}

/** Starts one polled activity task: runs the function in its {@link Context} and reports the outcome. */
export function startActivity(
  task: PollActivityTaskQueueResponse,
  options: CompiledWorkerOptions,
): RunningActivity {
  const info = infoOf(task, options);
  const controller = new AbortController();
  let reason: ActivityCancellationReason | undefined;
  const cancel = (why: ActivityCancellationReason): void => {
    if (reason !== undefined) return;
    reason = why;
    controller.abort(cancellationFailure(why));
  };
  const done = runAttempt(task, info, options, controller.signal, cancel, () => reason).catch(
    (err: unknown) => {
      options.logger.error('Activity outcome could not be reported', {
        activityId: info.activityId,
        activityType: info.activityType,
        error: describeRpcError(err),
      });
    },
  );
  return { info, done, cancel };
}

async function runAttempt(
  task: PollActivityTaskQueueResponse,
  info: Info,
  options: CompiledWorkerOptions,
  signal: AbortSignal,
  cancel: (reason: ActivityCancellationReason) => void,
  reasonOf: () => ActivityCancellationReason | undefined,
): Promise<void> {
  const service = options.connection.workflowService;
  const common = { taskToken: task.taskToken, identity: options.identity, namespace: options.namespace };
  const log = withMetadata(options.logger, {
    activityId: info.activityId,
    activityType: info.activityType,
    attempt: info.attempt,
    workflowId: info.workflowExecution.workflowId,
    runId: info.workflowExecution.runId,
  });
  const respondFailed = (failure: Failure, throttle?: HeartbeatThrottle): Promise<unknown> =>
    callWithRetry(
      () => service.respondActivityTaskFailed({ ...common, failure, lastHeartbeatDetails: throttle?.latest }),
      { what: `RespondActivityTaskFailed for activity "${info.activityType}"`, logger: log },
    );

  const fn = options.activities.get(info.activityType);
  if (fn === undefined) {
    const registered = [...options.activities.keys()];
    await ignoreNotFound(
      respondFailed(
        failureOf(
          ApplicationFailure.nonRetryable(
            `Activity function "${info.activityType}" is not registered on this worker (task queue ` +
              `"${info.taskQueue}"), available activities: ${JSON.stringify(registered)}`,
            'NotFoundError',
          ),
        ),
      ),
    );
    return;
  }

  const throttle = new HeartbeatThrottle(heartbeatIntervalMs(info, options), async (details) => {
    try {
      const response = await service.recordActivityTaskHeartbeat({ ...common, details });
      if (response.cancelRequested) cancel('CANCELLED');
      return true;
    } catch (err) {
      if (ConnectError.from(err).code === Code.NotFound) {
        cancel('NOT_FOUND');
        return true;
      }
      const transient = isTransientRpcError(err);
      log.warn(transient ? 'Heartbeat failed; sending it again later' : 'Heartbeat refused by the server', {
        error: describeRpcError(err),
      });
      return !transient;
    }
  });
  const context = new Context({
    info,
    cancellationSignal: signal,
    log,
    heartbeat: (details) => throttle.record(toProtoPayloads([encodeValue(details, 'heartbeat details')])),
  });
  const timeoutMs = info.startToCloseTimeoutMs ?? info.scheduleToCloseTimeoutMs;
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => cancel('TIMED_OUT'), timeoutMs);

  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
  try {
    const args = payloadsToValues(task.input) as never[];
    outcome = { ok: true, value: await runInContext(context, () => fn(...args)) };
  } catch (error) {
    outcome = { ok: false, error };
  } finally {
    clearTimeout(timer);
    await throttle.stop();
  }

  if (outcome.ok) {
    let result: ReturnType<typeof toProtoPayloads>;
    try {
      result = toProtoPayloads([encodeValue(outcome.value, `the result of activity "${info.activityType}"`)]);
    } catch (error) {
      await ignoreNotFound(respondFailed(failureOf(error), throttle));
      return;
    }
    await ignoreNotFound(
      callWithRetry(() => service.respondActivityTaskCompleted({ ...common, result }), {
        what: `RespondActivityTaskCompleted for activity "${info.activityType}"`,
        logger: log,
      }),
    );
    return;
  }
  if (reasonOf() === 'CANCELLED' && isCancellation(outcome.error)) {
    const details = outcome.error instanceof CancelledFailure ? outcome.error.details : [];
    await ignoreNotFound(
      callWithRetry(
        () =>
          service.respondActivityTaskCanceled({
            ...common,
            details: toProtoPayloads(encodeDetails(details)),
          }),
        { what: `RespondActivityTaskCanceled for activity "${info.activityType}"`, logger: log },
      ),
    );
    return;
  }
  // Cancelled for another reason (timeout, shutdown): report a failure so the server retries the attempt.
  await ignoreNotFound(respondFailed(failureOf(outcome.error), throttle));
}

function infoOf(task: PollActivityTaskQueueResponse, options: CompiledWorkerOptions): Info {
  return {
    taskToken: task.taskToken,
    activityId: task.activityId,
    activityType: task.activityType?.name ?? '',
    activityNamespace: options.namespace,
    attempt: Math.max(1, task.attempt),
    isLocal: false,
    workflowExecution: {
      workflowId: task.workflowExecution?.workflowId ?? '',
      runId: task.workflowExecution?.runId ?? '',
    },
    workflowNamespace: task.workflowNamespace || options.namespace,
    workflowType: task.workflowType?.name ?? '',
    taskQueue: task.taskQueue || options.taskQueue,
    heartbeatDetails: payloadsToValue(task.heartbeatDetails),
    heartbeatTimeoutMs: positiveOrUndefined(task.heartbeatTimeoutMs),
    scheduleToCloseTimeoutMs: positiveOrUndefined(task.scheduleToCloseTimeoutMs),
    startToCloseTimeoutMs: positiveOrUndefined(task.startToCloseTimeoutMs),
    scheduledTimestampMs: task.scheduledTimeMs,
    currentAttemptScheduledTimestampMs: task.scheduledTimeMs,
    startedTimestampMs: task.startedTimeMs || Date.now(),
  };
}

/** 80% of the heartbeat timeout (capped), so a heartbeat reaches the server before the timeout fires. */
function heartbeatIntervalMs(info: Info, options: CompiledWorkerOptions): number {
  if (info.heartbeatTimeoutMs === undefined) return options.defaultHeartbeatThrottleIntervalMs;
  return Math.min(info.heartbeatTimeoutMs * 0.8, options.maxHeartbeatThrottleIntervalMs);
}

function positiveOrUndefined(ms: number): number | undefined {
  return ms > 0 ? ms : undefined;
}

/** The wire failure of anything thrown; falls back to the message when details cannot be serialized. */
function failureOf(error: unknown): Failure {
  try {
    return toProtoFailure(errorToFailure(error));
  } catch (conversionError) {
    return toProtoFailure(errorToFailure(ApplicationFailure.fromError(conversionError)));
  }
}

function encodeDetails(details: readonly unknown[]): ReturnType<typeof encodeValue>[] {
  try {
    return details.map((detail, i) => encodeValue(detail, `cancellation detail ${i + 1}`));
  } catch {
    return [];
  }
}

/** The server forgets an attempt that timed out or whose workflow closed; its late outcome is moot. */
async function ignoreNotFound(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (ConnectError.from(err).code !== Code.NotFound) throw err;
  }
}
