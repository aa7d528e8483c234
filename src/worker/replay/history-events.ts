/** Reading history events: their names, which commands produced them, and one-line descriptions for errors. */

import {
  LOCAL_ACTIVITY_MARKER_NAME,
  localActivityMarkerDataOfJson,
} from '../../common/local-activity-marker.js';
import { localActivityDataOfAttributes } from '../../common/local-activity-marker-proto.js';
import { type PatchMarker, patchMarkerOfRaw } from '../../common/patch-marker.js';
import { patchMarkerOfAttributes } from '../../common/patch-marker-proto.js';
import type { HistoryEvent } from '../../gen/strata/v1/history_pb.js';
import type { WorkflowCommand } from '../../workflow/activation.js';

export type EventAttributes = HistoryEvent['attributes'];
export type EventCase = NonNullable<EventAttributes['case']>;

/** Events written because the workflow code sent a command, and the kind of that command (R2). */
export const COMMAND_KIND_OF_EVENT: Partial<Record<EventCase, WorkflowCommand['kind']>> = {
  activityTaskScheduledEventAttributes: 'scheduleActivity',
  activityTaskCancelRequestedEventAttributes: 'requestCancelActivity',
  timerStartedEventAttributes: 'startTimer',
  timerCanceledEventAttributes: 'cancelTimer',
  markerRecordedEventAttributes: 'recordMarker',
  upsertWorkflowSearchAttributesEventAttributes: 'upsertSearchAttributes',
  workflowPropertiesModifiedEventAttributes: 'upsertMemo',
  startChildWorkflowExecutionInitiatedEventAttributes: 'startChildWorkflow',
  signalExternalWorkflowExecutionInitiatedEventAttributes: 'signalExternalWorkflow',
  requestCancelExternalWorkflowExecutionInitiatedEventAttributes: 'requestCancelExternalWorkflow',
  workflowExecutionCompletedEventAttributes: 'completeWorkflow',
  workflowExecutionFailedEventAttributes: 'failWorkflow',
  workflowExecutionCanceledEventAttributes: 'cancelWorkflow',
  workflowExecutionContinuedAsNewEventAttributes: 'continueAsNew',
  workflowExecutionUpdateAcceptedEventAttributes: 'acceptUpdate',
  workflowExecutionUpdateCompletedEventAttributes: 'completeUpdate',
};

export function isCommandEvent(event: HistoryEvent): boolean {
  const kind = event.attributes.case;
  return kind !== undefined && COMMAND_KIND_OF_EVENT[kind] !== undefined;
}

/** `activityTaskScheduledEventAttributes` -> `ActivityTaskScheduled`. */
export function eventName(event: HistoryEvent): string {
  const kind = event.attributes.case;
  if (kind === undefined) return 'Unknown';
  return kind.charAt(0).toUpperCase() + kind.slice(1).replace(/EventAttributes$/, '');
}

export function describeEvent(event: HistoryEvent): string {
  const a = event.attributes;
  const at = eventName(event);
  switch (a.case) {
    case 'activityTaskScheduledEventAttributes':
      return `${at} (activity type "${a.value.activityType?.name ?? ''}", activity id "${a.value.activityId}")`;
    case 'activityTaskCancelRequestedEventAttributes':
      return `${at} (of the activity scheduled at event ${a.value.scheduledEventId})`;
    case 'timerStartedEventAttributes':
      return `${at} (timer id "${a.value.timerId}", ${a.value.startToFireTimeoutMs} ms)`;
    case 'timerCanceledEventAttributes':
      return `${at} (timer id "${a.value.timerId}")`;
    case 'markerRecordedEventAttributes': {
      const local = localActivityDataOfAttributes(a.value);
      if (local !== undefined) return `${at} (local activity ${local.seq}, type "${local.activityType}")`;
      const patch = patchMarkerOfAttributes(a.value);
      return patch === undefined
        ? `${at} (marker "${a.value.markerName}")`
        : `${at} (${describePatch(patch)})`;
    }
    case 'startChildWorkflowExecutionInitiatedEventAttributes':
      return `${at} (workflow type "${a.value.workflowType?.name ?? ''}", workflow id "${a.value.workflowId}")`;
    case 'signalExternalWorkflowExecutionInitiatedEventAttributes':
      return `${at} (signal "${a.value.signalName}" to workflow id "${a.value.workflowExecution?.workflowId ?? ''}")`;
    case 'requestCancelExternalWorkflowExecutionInitiatedEventAttributes':
      return `${at} (workflow id "${a.value.workflowExecution?.workflowId ?? ''}")`;
    case 'workflowExecutionUpdateAcceptedEventAttributes':
      return `${at} (update "${a.value.acceptedRequest?.input?.name ?? ''}", update id "${a.value.protocolInstanceId}")`;
    case 'workflowExecutionUpdateCompletedEventAttributes':
      return `${at} (update id "${a.value.meta?.updateId ?? ''}")`;
    default:
      return at;
  }
}

const COMMAND_NAMES: Record<WorkflowCommand['kind'], string> = {
  scheduleActivity: 'ScheduleActivityTask',
  requestCancelActivity: 'RequestCancelActivityTask',
  startTimer: 'StartTimer',
  cancelTimer: 'CancelTimer',
  recordMarker: 'RecordMarker',
  upsertSearchAttributes: 'UpsertWorkflowSearchAttributes',
  upsertMemo: 'ModifyWorkflowProperties',
  completeWorkflow: 'CompleteWorkflowExecution',
  failWorkflow: 'FailWorkflowExecution',
  cancelWorkflow: 'CancelWorkflowExecution',
  continueAsNew: 'ContinueAsNewWorkflowExecution',
  startChildWorkflow: 'StartChildWorkflowExecution',
  signalExternalWorkflow: 'SignalExternalWorkflowExecution',
  requestCancelExternalWorkflow: 'RequestCancelExternalWorkflowExecution',
  scheduleLocalActivity: 'ScheduleLocalActivity',
  cancelLocalActivity: 'RequestCancelLocalActivity',
  acceptUpdate: 'AcceptWorkflowUpdate',
  completeUpdate: 'CompleteWorkflowUpdate',
  rejectUpdate: 'RejectWorkflowUpdate',
};

export function describeCommand(command: WorkflowCommand): string {
  const name = COMMAND_NAMES[command.kind];
  switch (command.kind) {
    case 'scheduleActivity':
      return `${name} (activity type "${command.activityType}", activity id "${command.activityId}")`;
    case 'startTimer':
      return `${name} (timer id "${command.timerId}", ${command.durationMs} ms)`;
    case 'cancelTimer':
      return `${name} (timer id "${command.timerId}")`;
    case 'requestCancelActivity':
      return `${name} (activity ${command.seq})`;
    case 'scheduleLocalActivity':
      return `${name} (activity type "${command.activityType}", activity id "${command.activityId}")`;
    case 'recordMarker': {
      const local = localActivityMarkerDataOfJson(
        command.markerName === LOCAL_ACTIVITY_MARKER_NAME ? command.details.data?.[0]?.data : undefined,
      );
      if (local !== undefined) return `${name} (local activity ${local.seq}, type "${local.activityType}")`;
      const patch = patchMarkerOfRaw(command.markerName, command.details);
      return patch === undefined
        ? `${name} (marker "${command.markerName}")`
        : `${name} (${describePatch(patch)})`;
    }
    case 'upsertSearchAttributes':
      return `${name} (${Object.keys(command.searchAttributes).join(', ')})`;
    case 'upsertMemo':
      return `${name} (memo ${Object.keys(command.memo).join(', ')})`;
    case 'startChildWorkflow':
      return `${name} (workflow type "${command.workflowType}", workflow id "${command.workflowId}")`;
    case 'signalExternalWorkflow':
      return `${name} (signal "${command.signalName}" to workflow id "${command.workflowId}")`;
    case 'requestCancelExternalWorkflow':
      return `${name} (workflow id "${command.workflowId}")`;
    case 'acceptUpdate':
    case 'completeUpdate':
    case 'rejectUpdate':
      return `${name} (update id "${command.updateId}")`;
    default:
      return name;
  }
}

/** `patch "my-change-id"` or `deprecated patch "my-change-id"`: how errors name a patch marker. */
function describePatch(patch: PatchMarker): string {
  return `${patch.deprecated ? 'deprecated patch' : 'patch'} "${patch.id}"`;
}
