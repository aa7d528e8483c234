import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { workflowTaskRetryDelayMs } from '../../common/retry-policy-proto.js';
import { type Failure, FailureSchema, TimeoutType } from '../../gen/strata/v1/common_pb.js';
import { WorkflowTaskFailedCause } from '../../gen/strata/v1/history_pb.js';
import { encodeMessage, type Mutation } from './mutation.js';
import type { WorkflowTaskState } from './types.js';

/** How long a sticky task waits for its worker before moving to the normal queue. */
export const defaultStickyScheduleToStartTimeoutMs = 5_000;

/**
 * Asks for a workflow task. At most one is outstanding per run: if one is running, the new events
 * are noted and another task follows its completion; if one is queued, it will see them anyway.
 */
export function scheduleWorkflowTask(m: Mutation): void {
  const state = m.state;
  // During a first-task backoff (retry, cron) events are recorded; the task comes when the backoff ends.
  if (!m.running || state.chain?.backoffPending) return;
  if (state.workflowTask) {
    if (state.workflowTask.startedEventId > 0) state.workflowTaskNeeded = true;
    return;
  }
  createWorkflowTask(m);
}

function createWorkflowTask(m: Mutation): void {
  const state = m.state;
  const sticky = state.stickyTaskQueue !== '';
  const taskQueue = sticky ? state.stickyTaskQueue : state.taskQueue;
  const attempt = state.workflowTaskAttempt;
  const event = m.addEvent({
    case: 'workflowTaskScheduledEventAttributes',
    value: { taskQueue, startToCloseTimeoutMs: state.workflowTaskTimeoutMs, attempt },
  });
  const delayMs = workflowTaskRetryDelayMs(attempt);
  state.workflowTask = {
    scheduledEventId: event.eventId,
    attempt,
    taskQueue,
    sticky,
    scheduledTimeMs: m.nowMs,
    startedEventId: 0,
    startedTimeMs: 0,
    backoff: delayMs > 0,
  };
  if (delayMs > 0) {
    m.setTimer(m.nowMs + delayMs, { type: 'workflow-task-backoff', scheduledEventId: event.eventId });
    return;
  }
  enqueueWorkflowTask(m);
}

function enqueueWorkflowTask(m: Mutation): void {
  const task = m.state.workflowTask;
  if (!task) return;
  task.backoff = false;
  m.enqueue('workflow', task.taskQueue, task.scheduledEventId, task.attempt);
  if (task.sticky) {
    const timeoutMs = m.state.stickyScheduleToStartTimeoutMs || defaultStickyScheduleToStartTimeoutMs;
    m.setTimer(m.nowMs + timeoutMs, {
      type: 'workflow-task-schedule-to-start',
      scheduledEventId: task.scheduledEventId,
    });
  }
}

export function workflowTaskBackoffElapsed(m: Mutation, scheduledEventId: number): void {
  const task = m.state.workflowTask;
  if (task?.scheduledEventId === scheduledEventId && task.backoff) enqueueWorkflowTask(m);
}

/** True if a claimed task row still matches the run's outstanding, not yet started workflow task. */
export function isWorkflowTaskClaimable(m: Mutation, scheduledEventId: number, attempt: number): boolean {
  const task = outstandingTask(m, scheduledEventId, attempt);
  return task !== undefined && task.startedEventId === 0 && !task.backoff;
}

/**
 * When the server tells the workflow to continue as new (`suggest_continue_as_new` on WorkflowTaskStarted):
 * Temporal's `limit.historyCount.suggestContinueAsNew` and `limit.historySize.suggestContinueAsNew`.
 */
export interface ContinueAsNewLimits {
  /** From this history length on (the WorkflowTaskStarted event's id). @default 4096 */
  suggestContinueAsNewHistoryLength: number;
  /** From this history size on, in bytes. @default 4 MiB */
  suggestContinueAsNewHistorySizeBytes: number;
}

export function startWorkflowTask(
  m: Mutation,
  identity: string,
  requestId: string,
  limits: ContinueAsNewLimits,
): number {
  const task = m.state.workflowTask;
  if (!task) throw new Error('no workflow task to start');
  const historySizeBytes = (m.state.historySizeBytes ?? 0) + m.newEventBytes();
  const suggestContinueAsNew =
    m.state.nextEventId >= limits.suggestContinueAsNewHistoryLength ||
    historySizeBytes >= limits.suggestContinueAsNewHistorySizeBytes;
  const event = m.addEvent({
    case: 'workflowTaskStartedEventAttributes',
    value: {
      scheduledEventId: task.scheduledEventId,
      identity,
      requestId,
      suggestContinueAsNew,
      historySizeBytes,
    },
  });
  task.startedEventId = event.eventId;
  task.startedTimeMs = m.nowMs;
  m.deleteTimer({ type: 'workflow-task-schedule-to-start', scheduledEventId: task.scheduledEventId });
  m.setTimer(m.nowMs + m.state.workflowTaskTimeoutMs, {
    type: 'workflow-task-start-to-close',
    scheduledEventId: task.scheduledEventId,
    attempt: task.attempt,
  });
  return event.eventId;
}

/** True if a task token names the run's running workflow task. */
export function isWorkflowTaskRunning(m: Mutation, scheduledEventId: number, attempt: number): boolean {
  const task = outstandingTask(m, scheduledEventId, attempt);
  return task !== undefined && task.startedEventId > 0;
}

/** The open run's workflow task, if it is the one named by scheduled event id and attempt. */
function outstandingTask(
  m: Mutation,
  scheduledEventId: number,
  attempt: number,
): WorkflowTaskState | undefined {
  const task = m.state.workflowTask;
  if (!m.running || task?.scheduledEventId !== scheduledEventId || task.attempt !== attempt) return undefined;
  return task;
}

/** Clears the finished task's bookkeeping; returns whether events arrived while it ran. */
export function finishWorkflowTask(m: Mutation): boolean {
  const state = m.state;
  const task = state.workflowTask;
  if (task) {
    m.deleteTimer({
      type: 'workflow-task-start-to-close',
      scheduledEventId: task.scheduledEventId,
      attempt: 0,
    });
  }
  state.workflowTask = undefined;
  const needed = state.workflowTaskNeeded;
  state.workflowTaskNeeded = false;
  return needed;
}

/**
 * A failed task is retried with a growing attempt and backoff; the run stays open. Stickiness is
 * dropped because the worker's cached copy of the run can no longer be trusted.
 */
export function failWorkflowTask(
  m: Mutation,
  cause: WorkflowTaskFailedCause,
  failure: Failure | undefined,
  identity: string,
): void {
  const task = m.state.workflowTask;
  if (!task) return;
  recordTaskFailure(m, cause, failure, identity);
  m.state.workflowTaskAttempt = task.attempt + 1;
  m.state.workflowTaskLastFailure = encodeMessage(FailureSchema, failure);
  createWorkflowTask(m);
}

/**
 * The task tried to close the run while new events (a signal, an activity result) arrived. Like
 * Temporal, the close is refused and a new task carries the new events; this is no worker fault, so
 * the attempt does not grow. Stickiness is dropped: the worker's cached run believes it completed.
 */
export function rejectUnhandledClose(m: Mutation, identity: string): void {
  if (!m.state.workflowTask) return;
  recordTaskFailure(
    m,
    WorkflowTaskFailedCause.UNHANDLED_COMMAND,
    {
      message:
        'the workflow tried to close while new events arrived; they are delivered in a new workflow task',
      source: 'strata-server',
    },
    identity,
  );
  createWorkflowTask(m);
}

/** Writes WorkflowTaskFailed for the running task, ends it and drops stickiness. */
function recordTaskFailure(
  m: Mutation,
  cause: WorkflowTaskFailedCause,
  failure: MessageInitShape<typeof FailureSchema> | undefined,
  identity: string,
): void {
  const task = m.state.workflowTask;
  if (!task) return;
  m.addEvent({
    case: 'workflowTaskFailedEventAttributes',
    value: {
      scheduledEventId: task.scheduledEventId,
      startedEventId: task.startedEventId,
      cause,
      failure,
      identity,
    },
  });
  finishWorkflowTask(m);
  m.state.stickyTaskQueue = '';
}

export function timeOutWorkflowTask(m: Mutation, scheduledEventId: number, attempt: number): void {
  if (!isWorkflowTaskRunning(m, scheduledEventId, attempt)) return;
  const state = m.state;
  const task = state.workflowTask;
  if (!task) return;
  m.addEvent({
    case: 'workflowTaskTimedOutEventAttributes',
    value: {
      scheduledEventId: task.scheduledEventId,
      startedEventId: task.startedEventId,
      timeoutType: TimeoutType.START_TO_CLOSE,
    },
  });
  finishWorkflowTask(m);
  state.workflowTaskAttempt = task.attempt + 1;
  state.workflowTaskLastFailure = encodeMessage(
    FailureSchema,
    create(FailureSchema, {
      message: `workflow task timed out after ${state.workflowTaskTimeoutMs} ms (start-to-close)`,
      source: 'strata-server',
      failureInfo: { case: 'timeoutFailureInfo', value: { timeoutType: TimeoutType.START_TO_CLOSE } },
    }),
  );
  // The worker that held the task may be gone: give the retry to any worker on the normal queue.
  state.stickyTaskQueue = '';
  createWorkflowTask(m);
}

/** A sticky task nobody picked up moves to the normal queue, where it carries the full history. */
export function stickyScheduleToStartTimedOut(m: Mutation, scheduledEventId: number): void {
  const state = m.state;
  const task = state.workflowTask;
  if (!m.running || !task || task.scheduledEventId !== scheduledEventId || task.startedEventId > 0) return;
  if (!task.sticky) return;
  m.addEvent({
    case: 'workflowTaskTimedOutEventAttributes',
    value: { scheduledEventId, startedEventId: 0, timeoutType: TimeoutType.SCHEDULE_TO_START },
  });
  state.workflowTask = undefined;
  state.stickyTaskQueue = '';
  createWorkflowTask(m);
}
