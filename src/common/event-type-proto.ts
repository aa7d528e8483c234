/**
 * The event type of each history event's attributes case: one table for everything that writes events
 * (the engine, and the test stand-ins that imitate it).
 */
import { EventType, type HistoryEvent } from '../gen/strata/v1/history_pb.js';

export type EventAttributesCase = Exclude<HistoryEvent['attributes']['case'], undefined>;

const eventTypes: Record<EventAttributesCase, EventType> = {
  workflowExecutionStartedEventAttributes: EventType.WORKFLOW_EXECUTION_STARTED,
  workflowExecutionCompletedEventAttributes: EventType.WORKFLOW_EXECUTION_COMPLETED,
  workflowExecutionFailedEventAttributes: EventType.WORKFLOW_EXECUTION_FAILED,
  workflowExecutionTimedOutEventAttributes: EventType.WORKFLOW_EXECUTION_TIMED_OUT,
  workflowTaskScheduledEventAttributes: EventType.WORKFLOW_TASK_SCHEDULED,
  workflowTaskStartedEventAttributes: EventType.WORKFLOW_TASK_STARTED,
  workflowTaskCompletedEventAttributes: EventType.WORKFLOW_TASK_COMPLETED,
  workflowTaskTimedOutEventAttributes: EventType.WORKFLOW_TASK_TIMED_OUT,
  workflowTaskFailedEventAttributes: EventType.WORKFLOW_TASK_FAILED,
  activityTaskScheduledEventAttributes: EventType.ACTIVITY_TASK_SCHEDULED,
  activityTaskStartedEventAttributes: EventType.ACTIVITY_TASK_STARTED,
  activityTaskCompletedEventAttributes: EventType.ACTIVITY_TASK_COMPLETED,
  activityTaskFailedEventAttributes: EventType.ACTIVITY_TASK_FAILED,
  activityTaskTimedOutEventAttributes: EventType.ACTIVITY_TASK_TIMED_OUT,
  activityTaskCancelRequestedEventAttributes: EventType.ACTIVITY_TASK_CANCEL_REQUESTED,
  activityTaskCanceledEventAttributes: EventType.ACTIVITY_TASK_CANCELED,
  timerStartedEventAttributes: EventType.TIMER_STARTED,
  timerFiredEventAttributes: EventType.TIMER_FIRED,
  timerCanceledEventAttributes: EventType.TIMER_CANCELED,
  workflowExecutionCancelRequestedEventAttributes: EventType.WORKFLOW_EXECUTION_CANCEL_REQUESTED,
  workflowExecutionCanceledEventAttributes: EventType.WORKFLOW_EXECUTION_CANCELED,
  markerRecordedEventAttributes: EventType.MARKER_RECORDED,
  workflowExecutionSignaledEventAttributes: EventType.WORKFLOW_EXECUTION_SIGNALED,
  workflowExecutionTerminatedEventAttributes: EventType.WORKFLOW_EXECUTION_TERMINATED,
  upsertWorkflowSearchAttributesEventAttributes: EventType.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  workflowPropertiesModifiedEventAttributes: EventType.WORKFLOW_PROPERTIES_MODIFIED,
  workflowExecutionUpdateAcceptedEventAttributes: EventType.WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  workflowExecutionUpdateCompletedEventAttributes: EventType.WORKFLOW_EXECUTION_UPDATE_COMPLETED,
  workflowExecutionContinuedAsNewEventAttributes: EventType.WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
  startChildWorkflowExecutionInitiatedEventAttributes: EventType.START_CHILD_WORKFLOW_EXECUTION_INITIATED,
  startChildWorkflowExecutionFailedEventAttributes: EventType.START_CHILD_WORKFLOW_EXECUTION_FAILED,
  childWorkflowExecutionStartedEventAttributes: EventType.CHILD_WORKFLOW_EXECUTION_STARTED,
  childWorkflowExecutionCompletedEventAttributes: EventType.CHILD_WORKFLOW_EXECUTION_COMPLETED,
  childWorkflowExecutionFailedEventAttributes: EventType.CHILD_WORKFLOW_EXECUTION_FAILED,
  childWorkflowExecutionCanceledEventAttributes: EventType.CHILD_WORKFLOW_EXECUTION_CANCELED,
  childWorkflowExecutionTimedOutEventAttributes: EventType.CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
  childWorkflowExecutionTerminatedEventAttributes: EventType.CHILD_WORKFLOW_EXECUTION_TERMINATED,
  signalExternalWorkflowExecutionInitiatedEventAttributes:
    EventType.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  signalExternalWorkflowExecutionFailedEventAttributes: EventType.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
  externalWorkflowExecutionSignaledEventAttributes: EventType.EXTERNAL_WORKFLOW_EXECUTION_SIGNALED,
  requestCancelExternalWorkflowExecutionInitiatedEventAttributes:
    EventType.REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  requestCancelExternalWorkflowExecutionFailedEventAttributes:
    EventType.REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
  externalWorkflowExecutionCancelRequestedEventAttributes:
    EventType.EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
  workflowExecutionOptionsUpdatedEventAttributes: EventType.WORKFLOW_EXECUTION_OPTIONS_UPDATED,
};

export function eventTypeOf(attributesCase: EventAttributesCase): EventType {
  return eventTypes[attributesCase];
}
