/**
 * Turns a run's closing event into what `handle.result()` returns or throws, as Temporal's client does.
 */

import { CancelledFailure, failureToError, TerminatedFailure, TimeoutFailure } from '../common/failure.js';
import { fromProtoFailure, retryStateFromProto } from '../common/failure-proto.js';
import { payloadsToValue, payloadsToValues } from '../common/payload-proto.js';
import { EventType, type HistoryEvent } from '../gen/strata/v1/history_pb.js';
import { WorkflowFailedError } from './errors.js';

export type RunOutcome =
  | { kind: 'completed'; value: unknown }
  | { kind: 'failed'; error: WorkflowFailedError }
  | { kind: 'continuedAsNew' }
  /** Not a closing event. */
  | { kind: 'open' };

/**
 * The run that followed the closing one (continue-as-new, a retry, the next cron run), '' when the chain
 * ended with it.
 */
export function nextRunIdOf(event: HistoryEvent): string {
  const a = event.attributes;
  switch (a.case) {
    case 'workflowExecutionCompletedEventAttributes':
    case 'workflowExecutionFailedEventAttributes':
    case 'workflowExecutionTimedOutEventAttributes':
    case 'workflowExecutionContinuedAsNewEventAttributes':
      return a.value.newExecutionRunId;
    default:
      return '';
  }
}

export function closeEventToOutcome(event: HistoryEvent): RunOutcome {
  const attributes = event.attributes;
  switch (event.eventType) {
    case EventType.WORKFLOW_EXECUTION_COMPLETED: {
      const result =
        attributes.case === 'workflowExecutionCompletedEventAttributes' ? attributes.value.result : undefined;
      return { kind: 'completed', value: payloadsToValue(result) };
    }
    case EventType.WORKFLOW_EXECUTION_FAILED: {
      if (attributes.case !== 'workflowExecutionFailedEventAttributes') break;
      const { failure, retryState } = attributes.value;
      return failed('Workflow execution failed', {
        cause: failure ? failureToError(fromProtoFailure(failure)) : undefined,
        retryState: retryStateFromProto(retryState),
      });
    }
    case EventType.WORKFLOW_EXECUTION_CANCELED: {
      const details =
        attributes.case === 'workflowExecutionCanceledEventAttributes'
          ? payloadsToValues(attributes.value.details)
          : [];
      return failed('Workflow execution cancelled', {
        cause: new CancelledFailure('Workflow canceled', details),
      });
    }
    case EventType.WORKFLOW_EXECUTION_TERMINATED: {
      const reason =
        attributes.case === 'workflowExecutionTerminatedEventAttributes' ? attributes.value.reason : '';
      return failed('Workflow execution terminated', {
        cause: new TerminatedFailure(reason || 'Workflow execution terminated'),
      });
    }
    case EventType.WORKFLOW_EXECUTION_TIMED_OUT: {
      const retryState =
        attributes.case === 'workflowExecutionTimedOutEventAttributes' ? attributes.value.retryState : 0;
      return failed('Workflow execution timed out', {
        cause: new TimeoutFailure('Workflow execution timed out', undefined, 'START_TO_CLOSE'),
        retryState: retryStateFromProto(retryState),
      });
    }
    case EventType.WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      return { kind: 'continuedAsNew' };
    default:
      return { kind: 'open' };
  }
  return failed('Workflow execution failed', {});
}

function failed(message: string, options: ConstructorParameters<typeof WorkflowFailedError>[1]): RunOutcome {
  return { kind: 'failed', error: new WorkflowFailedError(message, options) };
}
