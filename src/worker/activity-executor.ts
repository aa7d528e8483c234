import { Code, ConnectError } from '@connectrpc/connect';
import { CompleteAsyncError } from '../activity/complete-async-error.js';
import {
  type ActivityCancellationReason,
  Context,
  cancellationFailure,
  runInContext,
} from '../activity/context.js';
import type { Info } from '../activity/info.js';
import { encodeValue } from '../common/converter.js';
import { ApplicationFailure, isCancellation } from '../common/failure.js';
import { type Logger, withMetadata } from '../common/logger.js';
import { payloadsToValue, payloadsToValues, toProtoPayloads } from '../common/payload-proto.js';
import type { PollActivityTaskQueueResponse } from '../gen/strata/v1/service_pb.js';
import { AttemptReporter } from './activity-reporter.js';
import { type HeartbeatSend, HeartbeatThrottle } from './heartbeat-throttle.js';
import { describeRpcError, isTransientRpcError } from './rpc-retry.js';
import type { ActivityFunction, CompiledWorkerOptions } from './worker-options.js';

const HEARTBEAT_RPC_TIMEOUT_MS = 10_000;

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
  const attempt = new ActivityAttempt(task, options);
  const done = attempt.run().catch((err: unknown) => {
    attempt.log.error('Activity outcome could not be reported', { error: describeRpcError(err) });
  });
  return { info: attempt.info, done, cancel: (reason) => attempt.cancel(reason) };
}

class ActivityAttempt {
  readonly info: Info;
  readonly log: Logger;
  private readonly controller = new AbortController();
  private reason: ActivityCancellationReason | undefined;
  private readonly reporter: AttemptReporter;

  constructor(
    private readonly task: PollActivityTaskQueueResponse,
    private readonly options: CompiledWorkerOptions,
  ) {
    this.info = infoOf(task, options);
    this.log = withMetadata(options.logger, {
      activityId: this.info.activityId,
      activityType: this.info.activityType,
      attempt: this.info.attempt,
      workflowId: this.info.workflowExecution.workflowId,
      runId: this.info.workflowExecution.runId,
    });
    this.reporter = new AttemptReporter(
      options.connection,
      {
        taskToken: task.taskToken,
        identity: options.identity,
        namespace: options.namespace,
        activityType: this.info.activityType,
      },
      this.log,
    );
  }

  cancel(reason: ActivityCancellationReason): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.controller.abort(cancellationFailure(reason));
  }

  async run(): Promise<void> {
    const fn = this.options.activities.get(this.info.activityType);
    if (fn === undefined) {
      await this.reporter.failed(this.notRegistered(), undefined);
      return;
    }
    const throttle = new HeartbeatThrottle(heartbeatIntervalMs(this.info, this.options), this.sendHeartbeat);
    const timeoutMs = this.info.startToCloseTimeoutMs ?? this.info.scheduleToCloseTimeoutMs;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => this.cancel('TIMED_OUT'), timeoutMs);
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await this.invoke(fn, throttle) };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      clearTimeout(timer);
      await throttle.stop();
    }
    if (outcome.ok) await this.reporter.completed(outcome.value, throttle.latest);
    else if (outcome.error instanceof CompleteAsyncError)
      this.log.debug('Activity will complete asynchronously');
    else if (this.reason === 'CANCELLED' && isCancellation(outcome.error))
      await this.reporter.canceled(outcome.error);
    // Cancelled for another reason (timeout, shutdown) or failed: a failure, so the server retries the attempt.
    else await this.reporter.failed(outcome.error, throttle.latest);
  }

  private invoke(fn: ActivityFunction, throttle: HeartbeatThrottle): Promise<unknown> {
    const context = new Context({
      info: this.info,
      cancellationSignal: this.controller.signal,
      log: this.log,
      heartbeat: (details) => throttle.record(toProtoPayloads([encodeValue(details, 'heartbeat details')])),
    });
    const args = payloadsToValues(this.task.input) as never[];
    return runInContext(context, async () => fn(...args));
  }

  /** A heartbeat's answer is the only way the worker learns that the workflow cancelled the activity. */
  private readonly sendHeartbeat: HeartbeatSend = async (details) => {
    try {
      const response = await this.options.connection.workflowService.recordActivityTaskHeartbeat(
        {
          taskToken: this.task.taskToken,
          identity: this.options.identity,
          namespace: this.options.namespace,
          details,
        },
        // A heartbeat stuck on a dead connection would hold back the attempt's result.
        { timeoutMs: HEARTBEAT_RPC_TIMEOUT_MS },
      );
      if (response.cancelRequested) this.cancel('CANCELLED');
      return true;
    } catch (err) {
      if (ConnectError.from(err).code === Code.NotFound) {
        this.cancel('NOT_FOUND');
        return true;
      }
      const transient = isTransientRpcError(err);
      this.log.warn(
        transient ? 'Heartbeat failed; sending it again later' : 'Heartbeat refused by the server',
        {
          error: describeRpcError(err),
        },
      );
      return !transient;
    }
  };

  private notRegistered(): ApplicationFailure {
    const registered = JSON.stringify([...this.options.activities.keys()]);
    return ApplicationFailure.nonRetryable(
      `Activity function "${this.info.activityType}" is not registered on this worker (task queue ` +
        `"${this.info.taskQueue}"), available activities: ${registered}`,
      'NotFoundError',
    );
  }
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
