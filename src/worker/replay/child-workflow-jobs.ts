/**
 * The jobs of the events that answer child workflow and external workflow commands: a child's start and
 * close, and the outcome of a signal or cancellation sent to another workflow. Each event names the
 * command's initiated event; the run remembers which command (and `seq`) that was.
 */
import { FAILURE_SOURCE, type FailureShape, type RetryState } from '../../common/failure.js';
import { fromProtoFailure, retryStateFromProto } from '../../common/failure-proto.js';
import { fromProtoPayloads } from '../../common/payload-proto.js';
import type { WorkflowExecution } from '../../gen/strata/v1/common_pb.js';
import { type HistoryEvent, StartChildWorkflowExecutionFailedCause } from '../../gen/strata/v1/history_pb.js';
import type { ActivationJob, WorkflowCommand } from '../../workflow/activation.js';

/** Commands whose outcome comes back as events naming their initiated event. */
export type InitiatingCommand = Extract<
  WorkflowCommand,
  { kind: 'startChildWorkflow' | 'signalExternalWorkflow' | 'requestCancelExternalWorkflow' }
>;

export function isInitiatingCommand(command: WorkflowCommand): command is InitiatingCommand {
  return (
    command.kind === 'startChildWorkflow' ||
    command.kind === 'signalExternalWorkflow' ||
    command.kind === 'requestCancelExternalWorkflow'
  );
}

/** The ids every child close event carries. */
interface ChildCloseIds {
  namespace: string;
  workflowExecution?: WorkflowExecution | undefined;
  initiatedEventId: number;
  startedEventId: number;
}

/** The job of a child or external outcome event; `undefined` for any other event. */
export function childOrExternalJob(
  event: HistoryEvent,
  initiatedBy: (initiatedEventId: number) => InitiatingCommand | undefined,
): ActivationJob | undefined {
  const a = event.attributes;
  const command = <K extends InitiatingCommand['kind']>(initiatedEventId: number, kind: K) => {
    const found = initiatedBy(initiatedEventId);
    if (found?.kind !== kind) {
      throw new Error(
        `event ${event.eventId} refers to event ${initiatedEventId}, which initiated no ${kind} command of this run`,
      );
    }
    return found as Extract<InitiatingCommand, { kind: K }>;
  };
  switch (a.case) {
    case 'childWorkflowExecutionStartedEventAttributes': {
      const child = command(a.value.initiatedEventId, 'startChildWorkflow');
      const runId = a.value.workflowExecution?.runId ?? '';
      return { kind: 'resolveChildWorkflowStart', seq: child.seq, resolution: { status: 'started', runId } };
    }
    case 'startChildWorkflowExecutionFailedEventAttributes': {
      const child = command(a.value.initiatedEventId, 'startChildWorkflow');
      if (a.value.cause !== StartChildWorkflowExecutionFailedCause.WORKFLOW_ALREADY_EXISTS) {
        const cause = StartChildWorkflowExecutionFailedCause[a.value.cause] ?? String(a.value.cause);
        const failure: FailureShape = {
          message: `[CHILD_START_FAILED] the server could not start child workflow "${child.workflowId}" (cause ${cause}); see the server log`,
          source: FAILURE_SOURCE,
          info: {
            kind: 'application',
            type: 'StartChildWorkflowExecutionFailed',
            nonRetryable: true,
            details: [],
          },
        };
        return {
          kind: 'resolveChildWorkflowStart',
          seq: child.seq,
          resolution: { status: 'failed', failure },
        };
      }
      return {
        kind: 'resolveChildWorkflowStart',
        seq: child.seq,
        resolution: {
          status: 'alreadyStarted',
          workflowId: child.workflowId,
          workflowType: child.workflowType,
        },
      };
    }
    case 'childWorkflowExecutionCompletedEventAttributes': {
      const child = command(a.value.initiatedEventId, 'startChildWorkflow');
      const result = fromProtoPayloads(a.value.result)[0];
      return { kind: 'resolveChildWorkflow', seq: child.seq, resolution: { status: 'completed', result } };
    }
    case 'childWorkflowExecutionFailedEventAttributes': {
      const cause = a.value.failure ? fromProtoFailure(a.value.failure) : { message: 'Failed' };
      const retryState = retryStateFromProto(a.value.retryState);
      return childFailed(
        command(a.value.initiatedEventId, 'startChildWorkflow'),
        a.value,
        'failed',
        retryState,
        cause,
      );
    }
    case 'childWorkflowExecutionCanceledEventAttributes':
    case 'childWorkflowExecutionTimedOutEventAttributes':
    case 'childWorkflowExecutionTerminatedEventAttributes': {
      const child = command(a.value.initiatedEventId, 'startChildWorkflow');
      const [verb, cause] = closeCause(a);
      const retryState =
        'retryState' in a.value ? retryStateFromProto(a.value.retryState) : 'NON_RETRYABLE_FAILURE';
      return childFailed(child, a.value, verb, retryState, cause);
    }
    case 'externalWorkflowExecutionSignaledEventAttributes':
      return {
        kind: 'resolveSignalExternal',
        seq: command(a.value.initiatedEventId, 'signalExternalWorkflow').seq,
        failure: undefined,
      };
    case 'signalExternalWorkflowExecutionFailedEventAttributes': {
      const signal = command(a.value.initiatedEventId, 'signalExternalWorkflow');
      return {
        kind: 'resolveSignalExternal',
        seq: signal.seq,
        failure: notFound(
          `signal "${signal.signalName}" to`,
          signal,
          a.value.namespace,
          'SignalExternalWorkflowExecutionFailed',
        ),
      };
    }
    case 'externalWorkflowExecutionCancelRequestedEventAttributes':
      return {
        kind: 'resolveRequestCancelExternal',
        seq: command(a.value.initiatedEventId, 'requestCancelExternalWorkflow').seq,
        failure: undefined,
      };
    case 'requestCancelExternalWorkflowExecutionFailedEventAttributes': {
      const cancel = command(a.value.initiatedEventId, 'requestCancelExternalWorkflow');
      return {
        kind: 'resolveRequestCancelExternal',
        seq: cancel.seq,
        failure: notFound(
          'cancel',
          cancel,
          a.value.namespace,
          'RequestCancelExternalWorkflowExecutionFailed',
        ),
      };
    }
    default:
      return undefined;
  }
}

type ChildEndAttributes = Extract<
  HistoryEvent['attributes'],
  {
    case:
      | 'childWorkflowExecutionCanceledEventAttributes'
      | 'childWorkflowExecutionTimedOutEventAttributes'
      | 'childWorkflowExecutionTerminatedEventAttributes';
  }
>;

/** How a child that was cancelled, timed out or terminated is described, and the failure in `cause`. */
function closeCause(a: ChildEndAttributes): [verb: string, cause: FailureShape] {
  switch (a.case) {
    case 'childWorkflowExecutionCanceledEventAttributes':
      return [
        'cancelled',
        {
          message: 'Child Workflow execution cancelled',
          source: FAILURE_SOURCE,
          info: { kind: 'canceled', details: fromProtoPayloads(a.value.details) },
        },
      ];
    case 'childWorkflowExecutionTimedOutEventAttributes':
      return [
        'timed out',
        {
          message: 'Timed out',
          source: FAILURE_SOURCE,
          info: { kind: 'timeout', timeoutType: 'START_TO_CLOSE', lastHeartbeatDetails: [] },
        },
      ];
    case 'childWorkflowExecutionTerminatedEventAttributes':
      return ['terminated', { message: 'Terminated', source: FAILURE_SOURCE, info: { kind: 'terminated' } }];
    default: {
      const unexpected: never = a;
      throw new TypeError(`not a child close event: ${JSON.stringify(unexpected)}`);
    }
  }
}

/** The `ChildWorkflowFailure` a child that did not complete rejects with; `cause` says why. */
function childFailed(
  child: Extract<InitiatingCommand, { kind: 'startChildWorkflow' }>,
  ids: ChildCloseIds,
  verb: string,
  retryState: RetryState,
  cause: FailureShape,
): ActivationJob {
  return {
    kind: 'resolveChildWorkflow',
    seq: child.seq,
    resolution: {
      status: 'failed',
      failure: {
        message: `Child Workflow execution ${verb}`,
        source: FAILURE_SOURCE,
        info: {
          kind: 'childWorkflow',
          namespace: ids.namespace,
          workflowId: child.workflowId,
          runId: ids.workflowExecution?.runId ?? '',
          workflowType: child.workflowType,
          initiatedEventId: ids.initiatedEventId,
          startedEventId: ids.startedEventId,
          retryState,
        },
        cause,
      },
    },
  };
}

function notFound(
  what: string,
  target: { workflowId: string; runId: string },
  namespace: string,
  type: string,
): FailureShape {
  const run = target.runId ? ` (run "${target.runId}")` : '';
  return {
    message: `[EXTERNAL_WORKFLOW_NOT_FOUND] unable to ${what} workflow "${target.workflowId}"${run}: it was not found in namespace "${namespace}" or has already closed`,
    source: FAILURE_SOURCE,
    info: { kind: 'application', type, nonRetryable: true, details: [] },
  };
}
