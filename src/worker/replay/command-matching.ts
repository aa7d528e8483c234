/**
 * R2: does a command the code produced match the command event the history recorded? Pure, so every rule is
 * tested without a sandbox. Activity arguments are not compared (R5): changing them is safe.
 */
import type { HistoryEvent } from '../../gen/strata/v1/history_pb.js';
import type { WorkflowCommand } from '../../workflow/activation.js';
import { COMMAND_KIND_OF_EVENT, PATCH_MARKER_NAME, patchIdOfDetails } from './history-events.js';

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
      if (command.markerName !== PATCH_MARKER_NAME) return undefined;
      const recorded = patchIdOfDetails(
        Object.fromEntries(
          Object.entries(a.value.details).map(([key, payloads]) => [
            key,
            payloads.payloads[0] ? { data: new TextDecoder().decode(payloads.payloads[0].data) } : undefined,
          ]),
        ),
      );
      const produced = patchIdOfDetails(
        Object.fromEntries(Object.entries(command.details).map(([key, raws]) => [key, raws[0]])),
      );
      return recorded === produced ? undefined : 'a different patch id';
    }
    default:
      return undefined;
  }
}
