/**
 * R2: does a command the code produced match the command event the history recorded? Pure, so every rule is
 * tested without a sandbox. Activity arguments are not compared (R5): changing them is safe; nor is a patch
 * marker's `deprecated` flag (a `deprecatePatch` matches the marker `patched` recorded, P9).
 */
import { localActivityMarkerDataOfJson } from '../../common/local-activity-marker.js';
import { localActivityDataOfAttributes } from '../../common/local-activity-marker-proto.js';
import { patchMarkerOfRaw } from '../../common/patch-marker.js';
import { patchMarkerOfAttributes } from '../../common/patch-marker-proto.js';
import type { HistoryEvent } from '../../gen/strata/v1/history_pb.js';
import type { WorkflowCommand } from '../../workflow/activation.js';
import { COMMAND_KIND_OF_EVENT } from './history-events.js';

/** Returns why `command` does not match `event`, or undefined when it does. */
export function commandMismatch(
  command: WorkflowCommand,
  event: HistoryEvent,
  scheduledEventIdOfActivity: (seq: number) => number | undefined,
): string | undefined {
  const a = event.attributes;
  const expectedKind = a.case === undefined ? undefined : COMMAND_KIND_OF_EVENT[a.case];
  if (expectedKind !== command.kind) return 'a different kind of command';
  switch (a.case) {
    case 'activityTaskScheduledEventAttributes': {
      if (command.kind !== 'scheduleActivity') return 'a different kind of command';
      if (a.value.activityType?.name !== command.activityType) return 'a different activity type';
      if (a.value.activityId !== command.activityId) return 'a different activity id';
      return undefined;
    }
    case 'activityTaskCancelRequestedEventAttributes':
      if (command.kind !== 'requestCancelActivity') return 'a different kind of command';
      return scheduledEventIdOfActivity(command.seq) === a.value.scheduledEventId
        ? undefined
        : 'the cancellation of a different activity';
    case 'timerStartedEventAttributes':
    case 'timerCanceledEventAttributes':
      if (command.kind !== 'startTimer' && command.kind !== 'cancelTimer')
        return 'a different kind of command';
      return a.value.timerId === command.timerId ? undefined : 'a different timer id';
    case 'markerRecordedEventAttributes': {
      if (command.kind !== 'recordMarker') return 'a different kind of command';
      if (a.value.markerName !== command.markerName) return 'a different marker name';
      const local = localActivityDataOfAttributes(a.value);
      if (local !== undefined) {
        const produced = localActivityMarkerDataOfJson(command.details.data?.[0]?.data);
        if (produced?.seq !== local.seq) return 'the outcome of a different local activity';
        return produced.activityType === local.activityType ? undefined : 'a different local activity type';
      }
      const recorded = patchMarkerOfAttributes(a.value);
      if (recorded === undefined) return undefined;
      return recorded.id === patchMarkerOfRaw(command.markerName, command.details)?.id
        ? undefined
        : 'a different patch id';
    }
    case 'startChildWorkflowExecutionInitiatedEventAttributes':
      if (command.kind !== 'startChildWorkflow') return 'a different kind of command';
      if (a.value.workflowType?.name !== command.workflowType) return 'a different child workflow type';
      if (a.value.workflowId !== command.workflowId) return 'a different child workflow id';
      return undefined;
    case 'signalExternalWorkflowExecutionInitiatedEventAttributes':
      if (command.kind !== 'signalExternalWorkflow') return 'a different kind of command';
      if (a.value.workflowExecution?.workflowId !== command.workflowId) return 'a different workflow id';
      return a.value.signalName === command.signalName ? undefined : 'a different signal name';
    case 'requestCancelExternalWorkflowExecutionInitiatedEventAttributes':
      if (command.kind !== 'requestCancelExternalWorkflow') return 'a different kind of command';
      return a.value.workflowExecution?.workflowId === command.workflowId
        ? undefined
        : 'a different workflow id';
    case 'workflowExecutionUpdateAcceptedEventAttributes':
      if (command.kind !== 'acceptUpdate') return 'a different kind of command';
      return a.value.protocolInstanceId === command.updateId ? undefined : 'a different update id';
    case 'workflowExecutionUpdateCompletedEventAttributes':
      if (command.kind !== 'completeUpdate') return 'a different kind of command';
      return a.value.meta?.updateId === command.updateId ? undefined : 'a different update id';
    default:
      return undefined;
  }
}
