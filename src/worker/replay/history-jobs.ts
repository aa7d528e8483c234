/**
 * Turns the non-command events of a history into activation jobs (activity results, timers, signals,
 * cancellation). Events that change nothing for the code (ActivityTaskStarted, WorkflowTaskScheduled, ...)
 * give no job.
 */
import { FAILURE_SOURCE, type FailureShape, type RetryState } from '../../common/failure.js';
import { fromProtoFailure, retryStateFromProto } from '../../common/failure-proto.js';
import { fromProtoPayloads } from '../../common/payload-proto.js';
import type { HistoryEvent } from '../../gen/strata/v1/history_pb.js';
import type { ActivationJob } from '../../workflow/activation.js';
import { childOrExternalJob, type InitiatingCommand } from './child-workflow-jobs.js';

/** What the run remembers of an activity it scheduled, found by the scheduling event's id. */
export interface ScheduledActivity {
  seq: number;
  activityType: string;
  activityId: string;
}

export interface JobLookups {
  activityByScheduledEventId(scheduledEventId: number): ScheduledActivity | undefined;
  timerSeqOfId(timerId: string): number | undefined;
  /** The child or external command of a StartChild / SignalExternal / RequestCancelExternal initiated event. */
  initiatedBy(initiatedEventId: number): InitiatingCommand | undefined;
}

/** The job of one event, `undefined` when the event gives none; throws on an event that refers to nothing. */
export function jobOfEvent(event: HistoryEvent, lookups: JobLookups): ActivationJob | undefined {
  const a = event.attributes;
  switch (a.case) {
    case 'workflowExecutionStartedEventAttributes':
      return { kind: 'startWorkflow', args: fromProtoPayloads(a.value.input) };
    case 'workflowExecutionSignaledEventAttributes':
      return {
        kind: 'signalWorkflow',
        signalName: a.value.signalName,
        args: fromProtoPayloads(a.value.input),
      };
    case 'workflowExecutionCancelRequestedEventAttributes':
      return { kind: 'cancelWorkflow' };
    case 'timerFiredEventAttributes': {
      const seq = lookups.timerSeqOfId(a.value.timerId);
      if (seq === undefined)
        throw new Error(`event ${event.eventId} fires timer "${a.value.timerId}", which was never started`);
      return { kind: 'fireTimer', seq };
    }
    case 'activityTaskCompletedEventAttributes': {
      const activity = activityOf(event, a.value.scheduledEventId, lookups);
      const result = fromProtoPayloads(a.value.result)[0];
      return { kind: 'resolveActivity', seq: activity.seq, resolution: { status: 'completed', result } };
    }
    case 'activityTaskFailedEventAttributes':
    case 'activityTaskTimedOutEventAttributes': {
      const activity = activityOf(event, a.value.scheduledEventId, lookups);
      const cause = a.value.failure ? fromProtoFailure(a.value.failure) : { message: 'Activity failed' };
      const verb = a.case === 'activityTaskFailedEventAttributes' ? 'failed' : 'timed out';
      const failure = activityFailure(activity, event, verb, retryStateFromProto(a.value.retryState), cause);
      return { kind: 'resolveActivity', seq: activity.seq, resolution: { status: 'failed', failure } };
    }
    case 'activityTaskCanceledEventAttributes': {
      const activity = activityOf(event, a.value.scheduledEventId, lookups);
      const cause: FailureShape = {
        message: 'Activity cancelled',
        source: FAILURE_SOURCE,
        info: { kind: 'canceled', details: fromProtoPayloads(a.value.details) },
      };
      const failure = activityFailure(activity, event, 'was cancelled', 'CANCEL_REQUESTED', cause);
      return { kind: 'resolveActivity', seq: activity.seq, resolution: { status: 'failed', failure } };
    }
    default:
      return childOrExternalJob(event, lookups.initiatedBy);
  }
}

function activityOf(event: HistoryEvent, scheduledEventId: number, lookups: JobLookups): ScheduledActivity {
  const activity = lookups.activityByScheduledEventId(scheduledEventId);
  if (activity === undefined) {
    throw new Error(
      `event ${event.eventId} refers to event ${scheduledEventId}, which scheduled no activity of this run`,
    );
  }
  return activity;
}

function activityFailure(
  activity: ScheduledActivity,
  event: HistoryEvent,
  verb: string,
  retryState: RetryState,
  cause: FailureShape,
): FailureShape {
  const ids = event.attributes.value as {
    scheduledEventId: number;
    startedEventId?: number;
    identity?: string;
  };
  return {
    message: `Activity task ${verb}`,
    source: FAILURE_SOURCE,
    info: {
      kind: 'activity',
      activityType: activity.activityType,
      activityId: activity.activityId,
      retryState,
      identity: ids.identity ?? '',
      scheduledEventId: ids.scheduledEventId,
      startedEventId: ids.startedEventId ?? 0,
    },
    cause,
  };
}

/**
 * The order within an activation: patch notifications, the start, signals, updates, then the rest in history order.
 * Updates come from the task (live) or from after its completion (replay), so a fixed rank, not history
 * order, keeps them in the same place both times.
 */
export function orderJobs(jobs: ActivationJob[]): ActivationJob[] {
  const ranks: Partial<Record<ActivationJob['kind'], number>> = {
    notifyHasPatch: -1,
    startWorkflow: 0,
    signalWorkflow: 1,
    doUpdate: 2,
  };
  const rank = (job: ActivationJob) => ranks[job.kind] ?? 3;
  return jobs
    .map((job, index) => ({ job, index }))
    .sort((x, y) => rank(x.job) - rank(y.job) || x.index - y.index)
    .map((x) => x.job);
}
