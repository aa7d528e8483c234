/**
 * One line per history event for `strata workflow show`: the event's name as Temporal spells it and the
 * attributes worth a glance (activity type, timer id, signal name, failure message...).
 */

import { failureToError } from '../common/failure.js';
import { fromProtoFailure, retryStateFromProto, timeoutTypeFromProto } from '../common/failure-proto.js';
import { localActivityDataOfAttributes } from '../common/local-activity-marker-proto.js';
import { patchMarkerOfAttributes } from '../common/patch-marker-proto.js';
import { payloadsToValues } from '../common/payload-proto.js';
import { memoValues, searchAttributeValues } from '../common/search-attributes-proto.js';
import { describeOverrideChange } from '../common/versioning-proto.js';
import {
  ContinueAsNewInitiator,
  type Failure,
  ParentClosePolicy,
  type Payloads,
  type WorkflowExecution,
} from '../gen/strata/v1/common_pb.js';
import {
  CancelExternalWorkflowExecutionFailedCause,
  EventType,
  type HistoryEvent,
  SignalExternalWorkflowExecutionFailedCause,
  StartChildWorkflowExecutionFailedCause,
  WorkflowTaskFailedCause,
} from '../gen/strata/v1/history_pb.js';
import { formatFailureInline } from './failure-format.js';
import { compactJson, truncate } from './output.js';

const VALUE_MAX_LENGTH = 80;

export interface EventSummary {
  eventId: number;
  time: Date;
  /** e.g. `ActivityTaskScheduled`. */
  eventType: string;
  details: string;
}

/** `EVENT_TYPE_ACTIVITY_TASK_SCHEDULED` (enum key `ACTIVITY_TASK_SCHEDULED`) becomes `ActivityTaskScheduled`. */
export function eventTypeName(type: EventType): string {
  return pascalCase(EventType[type] ?? `UNKNOWN_${type}`);
}

/** `ACTIVITY_TASK_SCHEDULED` -> `ActivityTaskScheduled`. */
function pascalCase(enumKey: string): string {
  return enumKey
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

export function summarizeEvent(event: HistoryEvent): EventSummary {
  return {
    eventId: event.eventId,
    time: new Date(event.eventTimeMs),
    eventType: eventTypeName(event.eventType),
    details: summarizeAttributes(event.attributes),
  };
}

function summarizeAttributes(attributes: HistoryEvent['attributes']): string {
  switch (attributes.case) {
    case undefined:
      return '';
    case 'workflowExecutionStartedEventAttributes': {
      const a = attributes.value;
      return fields([
        ['type', a.workflowType?.name],
        ['taskQueue', a.taskQueue],
        ['input', values(a.input)],
        ['attempt', a.attempt > 1 ? String(a.attempt) : undefined],
        ['cron', a.cronSchedule],
        ['continuedFrom', a.continuedExecutionRunId],
        ['initiator', a.initiator ? initiatorName(a.initiator) : undefined],
        ['backoff', a.firstWorkflowTaskBackoffMs > 0 ? formatMs(a.firstWorkflowTaskBackoffMs) : undefined],
      ]);
    }
    case 'workflowExecutionCompletedEventAttributes':
      return fields([
        ['result', value(attributes.value.result)],
        ['newRunId', attributes.value.newExecutionRunId],
      ]);
    case 'workflowExecutionFailedEventAttributes':
      return [failure(attributes.value.failure), fields([['newRunId', attributes.value.newExecutionRunId]])]
        .filter(Boolean)
        .join(' ');
    case 'workflowExecutionTimedOutEventAttributes':
      return fields([
        ['retryState', retryStateFromProto(attributes.value.retryState)],
        ['newRunId', attributes.value.newExecutionRunId],
      ]);
    case 'workflowExecutionContinuedAsNewEventAttributes': {
      const a = attributes.value;
      return fields([
        ['newRunId', a.newExecutionRunId],
        ['type', a.workflowType?.name],
        ['taskQueue', a.taskQueue],
        ['input', values(a.input)],
      ]);
    }
    case 'workflowTaskScheduledEventAttributes':
      return fields([
        ['taskQueue', attributes.value.taskQueue],
        ['attempt', String(attributes.value.attempt)],
      ]);
    case 'workflowTaskStartedEventAttributes':
      return fields([['identity', attributes.value.identity]]);
    case 'workflowTaskCompletedEventAttributes':
      return fields([
        ['identity', attributes.value.identity],
        ['binaryChecksum', attributes.value.binaryChecksum],
      ]);
    case 'workflowTaskTimedOutEventAttributes':
      return fields([['timeoutType', timeoutTypeFromProto(attributes.value.timeoutType)]]);
    case 'workflowTaskFailedEventAttributes':
      return [
        fields([['cause', WorkflowTaskFailedCause[attributes.value.cause]]]),
        failure(attributes.value.failure),
      ]
        .filter(Boolean)
        .join(' ');
    case 'activityTaskScheduledEventAttributes': {
      const a = attributes.value;
      return fields([
        ['activityType', a.activityType?.name],
        ['activityId', a.activityId],
        ['taskQueue', a.taskQueue],
        ['input', values(a.input)],
      ]);
    }
    case 'activityTaskStartedEventAttributes':
      return fields([
        ['attempt', String(attributes.value.attempt)],
        ['identity', attributes.value.identity],
      ]);
    case 'activityTaskCompletedEventAttributes':
      return fields([['result', value(attributes.value.result)]]);
    case 'activityTaskFailedEventAttributes':
    case 'activityTaskTimedOutEventAttributes':
      return failure(attributes.value.failure);
    case 'activityTaskCancelRequestedEventAttributes':
      return fields([['scheduledEventId', String(attributes.value.scheduledEventId)]]);
    case 'activityTaskCanceledEventAttributes':
      return fields([['scheduledEventId', String(attributes.value.scheduledEventId)]]);
    case 'timerStartedEventAttributes':
      return fields([
        ['timerId', attributes.value.timerId],
        ['duration', formatMs(attributes.value.startToFireTimeoutMs)],
      ]);
    case 'timerFiredEventAttributes':
    case 'timerCanceledEventAttributes':
      return fields([['timerId', attributes.value.timerId]]);
    case 'workflowExecutionCancelRequestedEventAttributes':
      return fields([
        ['cause', attributes.value.cause],
        ['identity', attributes.value.identity],
      ]);
    case 'workflowExecutionCanceledEventAttributes':
      return fields([['details', values(attributes.value.details)]]);
    case 'markerRecordedEventAttributes': {
      const patch = patchMarkerOfAttributes(attributes.value);
      if (patch !== undefined) {
        return fields([
          ['marker', attributes.value.markerName],
          ['patch', patch.id],
          ['deprecated', patch.deprecated ? 'true' : undefined],
        ]);
      }
      const local = localActivityDataOfAttributes(attributes.value);
      if (local !== undefined) {
        const result = attributes.value.details.result;
        return [
          fields([
            ['marker', attributes.value.markerName],
            ['localActivity', `${local.activityType} #${local.seq}`],
            ['attempt', String(local.attempt)],
            ['backoff', local.backoff ?? undefined],
            ['result', result === undefined ? undefined : value(result)],
          ]),
          failure(attributes.value.failure),
        ]
          .filter((part) => part !== '')
          .join(' ');
      }
      const details = Object.fromEntries(
        Object.entries(attributes.value.details).map(([key, payloads]) => [
          key,
          payloadsToValues(payloads)[0],
        ]),
      );
      return fields([
        ['marker', attributes.value.markerName],
        ['details', truncate(compactJson(details), VALUE_MAX_LENGTH)],
      ]);
    }
    case 'workflowExecutionSignaledEventAttributes':
      return fields([
        ['signal', attributes.value.signalName],
        ['input', values(attributes.value.input)],
      ]);
    case 'workflowExecutionTerminatedEventAttributes':
      return fields([
        ['reason', attributes.value.reason],
        ['identity', attributes.value.identity],
      ]);
    case 'upsertWorkflowSearchAttributesEventAttributes':
      return fields([
        [
          'searchAttributes',
          truncate(compactJson(searchAttributeValues(attributes.value.searchAttributes)), VALUE_MAX_LENGTH),
        ],
      ]);
    case 'workflowPropertiesModifiedEventAttributes':
      return fields([
        ['memo', truncate(compactJson(memoValues(attributes.value.upsertedMemo)), VALUE_MAX_LENGTH)],
      ]);
    case 'workflowExecutionUpdateAcceptedEventAttributes': {
      const request = attributes.value.acceptedRequest;
      return fields([
        ['update', request?.input?.name],
        ['updateId', attributes.value.protocolInstanceId],
        ['args', values(request?.input?.args)],
      ]);
    }
    case 'workflowExecutionUpdateCompletedEventAttributes': {
      const outcome = attributes.value.outcome?.value;
      return [
        fields([
          ['updateId', attributes.value.meta?.updateId],
          ['result', outcome?.case === 'success' ? value(outcome.value) : undefined],
        ]),
        outcome?.case === 'failure' ? failure(outcome.value) : '',
      ]
        .filter(Boolean)
        .join(' ');
    }
    case 'startChildWorkflowExecutionInitiatedEventAttributes': {
      const a = attributes.value;
      return fields([
        ['workflowType', a.workflowType?.name],
        ['workflowId', a.workflowId],
        ['taskQueue', a.taskQueue],
        ['parentClosePolicy', ParentClosePolicy[a.parentClosePolicy]],
        ['input', values(a.input)],
      ]);
    }
    case 'startChildWorkflowExecutionFailedEventAttributes':
      return fields([
        ['workflowId', attributes.value.workflowId],
        ['cause', StartChildWorkflowExecutionFailedCause[attributes.value.cause]],
      ]);
    case 'childWorkflowExecutionStartedEventAttributes':
    case 'childWorkflowExecutionTerminatedEventAttributes':
      return execution(attributes.value.workflowExecution);
    case 'childWorkflowExecutionCompletedEventAttributes':
      return [
        execution(attributes.value.workflowExecution),
        fields([['result', value(attributes.value.result)]]),
      ]
        .filter(Boolean)
        .join(' ');
    case 'childWorkflowExecutionFailedEventAttributes':
      return [execution(attributes.value.workflowExecution), failure(attributes.value.failure)].join(' ');
    case 'childWorkflowExecutionCanceledEventAttributes':
    case 'childWorkflowExecutionTimedOutEventAttributes':
      return execution(attributes.value.workflowExecution);
    case 'signalExternalWorkflowExecutionInitiatedEventAttributes':
      return [
        execution(attributes.value.workflowExecution),
        fields([
          ['signal', attributes.value.signalName],
          ['input', values(attributes.value.input)],
        ]),
      ].join(' ');
    case 'signalExternalWorkflowExecutionFailedEventAttributes':
      return [
        execution(attributes.value.workflowExecution),
        fields([['cause', SignalExternalWorkflowExecutionFailedCause[attributes.value.cause]]]),
      ].join(' ');
    case 'requestCancelExternalWorkflowExecutionFailedEventAttributes':
      return [
        execution(attributes.value.workflowExecution),
        fields([['cause', CancelExternalWorkflowExecutionFailedCause[attributes.value.cause]]]),
      ].join(' ');
    case 'externalWorkflowExecutionSignaledEventAttributes':
    case 'requestCancelExternalWorkflowExecutionInitiatedEventAttributes':
    case 'externalWorkflowExecutionCancelRequestedEventAttributes':
      return execution(attributes.value.workflowExecution);
    case 'workflowExecutionOptionsUpdatedEventAttributes':
      return describeOverrideChange(attributes.value);
    default: {
      const unknownCase: never = attributes;
      return compactJson(unknownCase);
    }
  }
}

/** The other workflow of a child or external event. */
function execution(target: WorkflowExecution | undefined): string {
  return fields([
    ['workflowId', target?.workflowId],
    ['runId', target?.runId],
  ]);
}

/** `CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE` (enum key `CRON_SCHEDULE`) as `CronSchedule`. */
function initiatorName(initiator: ContinueAsNewInitiator): string {
  return pascalCase(ContinueAsNewInitiator[initiator] ?? String(initiator));
}

/** `key=value` pairs, skipping empty values. */
function fields(entries: readonly (readonly [string, string | undefined])[]): string {
  return entries
    .filter(([, v]) => v !== undefined && v !== '' && v !== '[]')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

function values(payloads: Payloads | undefined): string {
  return truncate(compactJson(decodeSafely(payloads)), VALUE_MAX_LENGTH);
}

function value(payloads: Payloads | undefined): string {
  return truncate(compactJson(decodeSafely(payloads)[0]), VALUE_MAX_LENGTH);
}

/** A payload this converter cannot read must not stop the rest of the history from printing. */
function decodeSafely(payloads: Payloads | undefined): unknown[] {
  try {
    return payloadsToValues(payloads);
  } catch {
    return ['<undecodable payload>'];
  }
}

function failure(proto: Failure | undefined): string {
  if (proto === undefined) return '';
  return `failure=${formatFailureInline(failureToError(fromProtoFailure(proto)))}`;
}

/** Milliseconds as the largest whole unit that fits: `1500ms`, `30s`, `5m`, `2h`, `1d`. */
export function formatMs(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
