import { TimeoutType } from '../../gen/strata/v1/common_pb.js';
import {
  activityBackoffElapsed,
  activityTimeoutFailure,
  failActivityAttempt,
  findActivity,
  timeOutActivityFinally,
} from './activity.js';
import { fireUserTimer, firstWorkflowTaskBackoffElapsed, timeOutExecution } from './execution.js';
import type { Mutation } from './mutation.js';
import type { TimerPayload } from './types.js';
import {
  stickyScheduleToStartTimedOut,
  timeOutWorkflowTask,
  workflowTaskBackoffElapsed,
} from './workflow-task.js';

/**
 * Applies a durable timer that came due. Every branch re-checks that the deadline still belongs to
 * the current attempt, so a stale timer (its activity already completed, its task already retried)
 * changes nothing.
 */
export function applyTimer(m: Mutation, payload: TimerPayload): void {
  if (!m.running) return;
  switch (payload.type) {
    case 'run-timeout':
      timeOutExecution(m);
      return;
    case 'first-workflow-task-backoff':
      firstWorkflowTaskBackoffElapsed(m);
      return;
    case 'user-timer':
      fireUserTimer(m, payload.timerId, payload.startedEventId);
      return;
    case 'workflow-task-start-to-close':
      timeOutWorkflowTask(m, payload.scheduledEventId, payload.attempt);
      return;
    case 'workflow-task-schedule-to-start':
      stickyScheduleToStartTimedOut(m, payload.scheduledEventId);
      return;
    case 'workflow-task-backoff':
      workflowTaskBackoffElapsed(m, payload.scheduledEventId);
      return;
    case 'activity-schedule-to-start': {
      const activity = findActivity(m, payload.scheduledEventId);
      if (activity?.phase === 'scheduled' && activity.attempt === payload.attempt) {
        timeOutActivityFinally(m, activity, TimeoutType.SCHEDULE_TO_START);
      }
      return;
    }
    case 'activity-start-to-close':
    case 'activity-heartbeat': {
      const activity = findActivity(m, payload.scheduledEventId);
      if (activity?.phase !== 'started' || activity.attempt !== payload.attempt) return;
      const timeoutType =
        payload.type === 'activity-heartbeat' ? TimeoutType.HEARTBEAT : TimeoutType.START_TO_CLOSE;
      failActivityAttempt(m, activity, activityTimeoutFailure(activity, timeoutType), '', timeoutType);
      return;
    }
    case 'activity-schedule-to-close': {
      const activity = findActivity(m, payload.scheduledEventId);
      if (activity) timeOutActivityFinally(m, activity, TimeoutType.SCHEDULE_TO_CLOSE);
      return;
    }
    case 'activity-retry': {
      const activity = findActivity(m, payload.scheduledEventId);
      if (activity) activityBackoffElapsed(m, activity, payload.attempt);
      return;
    }
    default: {
      const unexpected: never = payload;
      throw new Error(`unknown timer ${JSON.stringify(unexpected)}`);
    }
  }
}
