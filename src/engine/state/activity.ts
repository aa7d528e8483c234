import { create } from '@bufbuild/protobuf';
import { decideRetry, retryFactsOf, withRetryDefaults } from '../../common/retry-policy-proto.js';
import type { ScheduleActivityTaskCommandAttributes } from '../../gen/strata/v1/command_pb.js';
import {
  type Failure,
  FailureSchema,
  type Payloads,
  PayloadsSchema,
  RetryPolicySchema,
  RetryState,
  TimeoutType,
} from '../../gen/strata/v1/common_pb.js';
import { decodeMessage, encodeMessage, type Mutation } from './mutation.js';
import type { ActivityState } from './types.js';
import { scheduleWorkflowTask } from './workflow-task.js';

export function findActivity(m: Mutation, scheduledEventId: number): ActivityState | undefined {
  return m.state.activities[String(scheduledEventId)];
}

/**
 * ActivityTaskScheduled, then the first attempt: queued for a poll, or, when `eagerIdentity` is given
 * (eager execution), started for that worker at once, exactly as a poll would start it.
 */
export function scheduleActivity(
  m: Mutation,
  attributes: ScheduleActivityTaskCommandAttributes,
  completedEventId: number,
  eagerIdentity?: string,
): ActivityState {
  const taskQueue = attributes.taskQueue || m.state.taskQueue;
  const scheduleToClose = attributes.scheduleToCloseTimeoutMs;
  let startToClose = attributes.startToCloseTimeoutMs || scheduleToClose;
  if (scheduleToClose > 0) startToClose = Math.min(startToClose, scheduleToClose);
  const retryPolicy = withRetryDefaults(attributes.retryPolicy);
  const event = m.addEvent({
    case: 'activityTaskScheduledEventAttributes',
    value: {
      activityId: attributes.activityId,
      activityType: { name: attributes.activityType?.name ?? '' },
      taskQueue,
      input: attributes.input,
      scheduleToCloseTimeoutMs: scheduleToClose,
      scheduleToStartTimeoutMs: attributes.scheduleToStartTimeoutMs,
      startToCloseTimeoutMs: startToClose,
      heartbeatTimeoutMs: attributes.heartbeatTimeoutMs,
      workflowTaskCompletedEventId: completedEventId,
      retryPolicy,
    },
  });
  const activity: ActivityState = {
    scheduledEventId: event.eventId,
    activityId: attributes.activityId,
    activityType: attributes.activityType?.name ?? '',
    taskQueue,
    input: encodeMessage(PayloadsSchema, attributes.input),
    scheduleToCloseTimeoutMs: scheduleToClose,
    scheduleToStartTimeoutMs: attributes.scheduleToStartTimeoutMs,
    startToCloseTimeoutMs: startToClose,
    heartbeatTimeoutMs: attributes.heartbeatTimeoutMs,
    retryPolicy: encodeMessage(RetryPolicySchema, retryPolicy),
    attempt: 1,
    phase: 'scheduled',
    firstScheduledTimeMs: m.nowMs,
    attemptScheduledTimeMs: m.nowMs,
    startedTimeMs: 0,
    startedIdentity: '',
    heartbeatDetails: '',
    lastHeartbeatTimeMs: 0,
    lastFailure: '',
    cancelRequested: false,
    cancelRequestedEventId: 0,
  };
  m.state.activities[String(event.eventId)] = activity;
  if (scheduleToClose > 0) {
    m.setTimer(m.nowMs + scheduleToClose, {
      type: 'activity-schedule-to-close',
      scheduledEventId: event.eventId,
    });
  }
  if (eagerIdentity === undefined) enqueueActivity(m, activity);
  else startActivity(m, activity, eagerIdentity);
  return activity;
}

function enqueueActivity(m: Mutation, activity: ActivityState): void {
  activity.phase = 'scheduled';
  activity.attemptScheduledTimeMs = m.nowMs;
  m.enqueue('activity', activity.taskQueue, activity.scheduledEventId, activity.attempt);
  if (activity.scheduleToStartTimeoutMs > 0) {
    m.setTimer(m.nowMs + activity.scheduleToStartTimeoutMs, {
      type: 'activity-schedule-to-start',
      scheduledEventId: activity.scheduledEventId,
      attempt: activity.attempt,
    });
  }
}

export function isActivityClaimable(m: Mutation, scheduledEventId: number, attempt: number): boolean {
  const activity = findActivity(m, scheduledEventId);
  return m.running && activity?.attempt === attempt && activity.phase === 'scheduled';
}

/** The activity attempt named by a task token, if it is still the running one. */
export function runningActivity(
  m: Mutation,
  scheduledEventId: number,
  attempt: number,
): ActivityState | undefined {
  const activity = findActivity(m, scheduledEventId);
  if (!m.running || activity?.attempt !== attempt || activity.phase !== 'started') return undefined;
  return activity;
}

export function startActivity(m: Mutation, activity: ActivityState, identity: string): void {
  const id = activity.scheduledEventId;
  activity.phase = 'started';
  activity.startedTimeMs = m.nowMs;
  activity.startedIdentity = identity;
  m.deleteTimer({ type: 'activity-schedule-to-start', scheduledEventId: id, attempt: 0 });
  m.setTimer(m.nowMs + activity.startToCloseTimeoutMs, {
    type: 'activity-start-to-close',
    scheduledEventId: id,
    attempt: activity.attempt,
  });
  if (activity.heartbeatTimeoutMs > 0) {
    m.setTimer(m.nowMs + activity.heartbeatTimeoutMs, {
      type: 'activity-heartbeat',
      scheduledEventId: id,
      attempt: activity.attempt,
    });
  }
}

/** Returns whether the workflow asked to cancel the activity. */
export function heartbeatActivity(
  m: Mutation,
  activity: ActivityState,
  details: Payloads | undefined,
): boolean {
  if (details) activity.heartbeatDetails = encodeMessage(PayloadsSchema, details);
  activity.lastHeartbeatTimeMs = m.nowMs;
  if (activity.heartbeatTimeoutMs > 0) {
    m.setTimer(m.nowMs + activity.heartbeatTimeoutMs, {
      type: 'activity-heartbeat',
      scheduledEventId: activity.scheduledEventId,
      attempt: activity.attempt,
    });
  }
  return activity.cancelRequested;
}

function dropActivity(m: Mutation, activity: ActivityState): void {
  const scheduledEventId = activity.scheduledEventId;
  delete m.state.activities[String(scheduledEventId)];
  for (const type of [
    'activity-schedule-to-start',
    'activity-start-to-close',
    'activity-heartbeat',
    'activity-retry',
  ] as const) {
    m.deleteTimer({ type, scheduledEventId, attempt: 0 });
  }
  m.deleteTimer({ type: 'activity-schedule-to-close', scheduledEventId });
}

/** ActivityTaskStarted is written only when the attempt closes, right before its closing event. */
function addStartedEvent(m: Mutation, activity: ActivityState): number {
  const event = m.addEvent({
    case: 'activityTaskStartedEventAttributes',
    value: {
      scheduledEventId: activity.scheduledEventId,
      identity: activity.startedIdentity,
      attempt: activity.attempt,
      lastFailure: decodeMessage(FailureSchema, activity.lastFailure),
    },
  });
  return event.eventId;
}

export function completeActivity(
  m: Mutation,
  activity: ActivityState,
  result: Payloads | undefined,
  identity: string,
): void {
  const startedEventId = addStartedEvent(m, activity);
  m.addEvent({
    case: 'activityTaskCompletedEventAttributes',
    value: { result, scheduledEventId: activity.scheduledEventId, startedEventId, identity },
  });
  dropActivity(m, activity);
  scheduleWorkflowTask(m);
}

export function cancelActivityAfterRequest(
  m: Mutation,
  activity: ActivityState,
  details: Payloads | undefined,
  identity: string,
): void {
  const startedEventId = activity.phase === 'started' ? addStartedEvent(m, activity) : 0;
  m.addEvent({
    case: 'activityTaskCanceledEventAttributes',
    value: {
      details,
      latestCancelRequestedEventId: activity.cancelRequestedEventId,
      scheduledEventId: activity.scheduledEventId,
      startedEventId,
      identity,
    },
  });
  dropActivity(m, activity);
  scheduleWorkflowTask(m);
}

/**
 * RequestCancelActivityTask: an activity no worker holds is canceled at once (and the workflow
 * hears of it in a new task); a running one learns of it through its heartbeat response.
 */
export function requestCancelActivity(m: Mutation, activity: ActivityState, completedEventId: number): void {
  const event = m.addEvent({
    case: 'activityTaskCancelRequestedEventAttributes',
    value: { scheduledEventId: activity.scheduledEventId, workflowTaskCompletedEventId: completedEventId },
  });
  activity.cancelRequested = true;
  activity.cancelRequestedEventId = event.eventId;
  if (activity.phase !== 'started') cancelActivityAfterRequest(m, activity, undefined, '');
}

/** A failed attempt (or a start-to-close / heartbeat timeout) is retried per policy, else closes it. */
export function failActivityAttempt(
  m: Mutation,
  activity: ActivityState,
  failure: Failure,
  identity: string,
  timeoutType: TimeoutType | undefined,
): void {
  const policy = decodeMessage(RetryPolicySchema, activity.retryPolicy) ?? withRetryDefaults(undefined);
  const decision = activity.cancelRequested
    ? ({ retry: false, retryState: RetryState.CANCEL_REQUESTED } as const)
    : decideRetry({
        policy,
        attempt: activity.attempt,
        ...retryFactsOf(failure),
        nowMs: m.nowMs,
        deadlineMs:
          activity.scheduleToCloseTimeoutMs > 0
            ? activity.firstScheduledTimeMs + activity.scheduleToCloseTimeoutMs
            : 0,
      });
  if (decision.retry) {
    const id = activity.scheduledEventId;
    activity.lastFailure = encodeMessage(FailureSchema, failure);
    activity.attempt += 1;
    activity.phase = 'backoff';
    activity.startedTimeMs = 0;
    m.deleteTimer({ type: 'activity-start-to-close', scheduledEventId: id, attempt: 0 });
    m.deleteTimer({ type: 'activity-heartbeat', scheduledEventId: id, attempt: 0 });
    m.setTimer(m.nowMs + decision.delayMs, {
      type: 'activity-retry',
      scheduledEventId: id,
      attempt: activity.attempt,
    });
    return;
  }
  const startedEventId = addStartedEvent(m, activity);
  if (timeoutType === undefined) {
    m.addEvent({
      case: 'activityTaskFailedEventAttributes',
      value: {
        failure,
        scheduledEventId: activity.scheduledEventId,
        startedEventId,
        identity,
        retryState: decision.retryState,
      },
    });
  } else {
    m.addEvent({
      case: 'activityTaskTimedOutEventAttributes',
      value: {
        failure,
        scheduledEventId: activity.scheduledEventId,
        startedEventId,
        retryState: decision.retryState,
      },
    });
  }
  dropActivity(m, activity);
  scheduleWorkflowTask(m);
}

export function activityTimeoutFailure(activity: ActivityState, timeoutType: TimeoutType): Failure {
  const names: Record<TimeoutType, string> = {
    [TimeoutType.UNSPECIFIED]: 'unspecified',
    [TimeoutType.START_TO_CLOSE]: 'start-to-close',
    [TimeoutType.SCHEDULE_TO_START]: 'schedule-to-start',
    [TimeoutType.SCHEDULE_TO_CLOSE]: 'schedule-to-close',
    [TimeoutType.HEARTBEAT]: 'heartbeat',
  };
  return create(FailureSchema, {
    message: `activity "${activity.activityType}" (id "${activity.activityId}") hit its ${names[timeoutType]} timeout`,
    source: 'strata-server',
    failureInfo: {
      case: 'timeoutFailureInfo',
      value: {
        timeoutType,
        lastHeartbeatDetails: decodeMessage(PayloadsSchema, activity.heartbeatDetails),
      },
    },
  });
}

/** Schedule-to-start and schedule-to-close timeouts are final: no retry. */
export function timeOutActivityFinally(m: Mutation, activity: ActivityState, timeoutType: TimeoutType): void {
  const startedEventId = activity.phase === 'started' ? addStartedEvent(m, activity) : 0;
  m.addEvent({
    case: 'activityTaskTimedOutEventAttributes',
    value: {
      failure: activityTimeoutFailure(activity, timeoutType),
      scheduledEventId: activity.scheduledEventId,
      startedEventId,
      retryState: RetryState.TIMEOUT,
    },
  });
  dropActivity(m, activity);
  scheduleWorkflowTask(m);
}

export function activityBackoffElapsed(m: Mutation, activity: ActivityState, attempt: number): void {
  if (activity.phase === 'backoff' && activity.attempt === attempt) enqueueActivity(m, activity);
}
