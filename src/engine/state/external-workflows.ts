/**
 * Signalling and cancelling other workflows ("external" ones, children included): the commands become
 * *Initiated events plus a transfer; the transfer's outcome comes back as ExternalWorkflowExecutionSignaled /
 * ExternalWorkflowExecutionCancelRequested, or as a *Failed event when the target is not found or closed.
 */
import type {
  RequestCancelExternalWorkflowExecutionCommandAttributes,
  SignalExternalWorkflowExecutionCommandAttributes,
} from '../../gen/strata/v1/command_pb.js';
import type { WorkflowExecution } from '../../gen/strata/v1/common_pb.js';
import {
  CancelExternalWorkflowExecutionFailedCause,
  SignalExternalWorkflowExecutionFailedCause,
} from '../../gen/strata/v1/history_pb.js';
import type { Mutation } from './mutation.js';
import type { ExecutionState } from './types.js';
import { scheduleWorkflowTask } from './workflow-task.js';

function checkNamespace(state: ExecutionState, namespace: string, what: string): string | undefined {
  if (!namespace || namespace === state.namespace) return undefined;
  return `${what} names namespace "${namespace}", but only workflows of the same namespace ("${state.namespace}") can be reached; leave the namespace empty`;
}

/** Why a SignalExternalWorkflowExecution command is invalid, or undefined. */
export function checkSignalExternalCommand(
  state: ExecutionState,
  value: SignalExternalWorkflowExecutionCommandAttributes,
): string | undefined {
  if (!value.execution?.workflowId)
    return 'signalExternalWorkflowExecution.execution.workflow_id is required';
  if (!value.signalName) return 'signalExternalWorkflowExecution.signal_name is required';
  return checkNamespace(state, value.namespace, `the signal to workflow "${value.execution.workflowId}"`);
}

/** Why a RequestCancelExternalWorkflowExecution command is invalid, or undefined. */
export function checkCancelExternalCommand(
  state: ExecutionState,
  value: RequestCancelExternalWorkflowExecutionCommandAttributes,
): string | undefined {
  if (!value.workflowId) return 'requestCancelExternalWorkflowExecution.workflow_id is required';
  return checkNamespace(state, value.namespace, `the cancellation of workflow "${value.workflowId}"`);
}

export function initiateSignalExternal(
  m: Mutation,
  value: SignalExternalWorkflowExecutionCommandAttributes,
  completedEventId: number,
): void {
  const event = m.addEvent({
    case: 'signalExternalWorkflowExecutionInitiatedEventAttributes',
    value: {
      workflowTaskCompletedEventId: completedEventId,
      namespace: m.state.namespace,
      workflowExecution: value.execution,
      signalName: value.signalName,
      input: value.input,
      childWorkflowOnly: value.childWorkflowOnly,
    },
  });
  m.addTransfer({ type: 'signal-external', initiatedEventId: event.eventId });
}

export function initiateCancelExternal(
  m: Mutation,
  value: RequestCancelExternalWorkflowExecutionCommandAttributes,
  completedEventId: number,
): void {
  const event = m.addEvent({
    case: 'requestCancelExternalWorkflowExecutionInitiatedEventAttributes',
    value: {
      workflowTaskCompletedEventId: completedEventId,
      namespace: m.state.namespace,
      workflowExecution: { workflowId: value.workflowId, runId: value.runId },
      childWorkflowOnly: value.childWorkflowOnly,
      reason: value.reason,
    },
  });
  m.addTransfer({ type: 'cancel-external', initiatedEventId: event.eventId });
}

/** The initiated event an outcome answers. */
export interface ExternalRequest {
  initiatedEventId: number;
  workflowTaskCompletedEventId: number;
  /** The target as the command named it (run id empty for the latest run). */
  target: WorkflowExecution | undefined;
}

/** The signal was recorded in the target's history (`runId` is the run that received it). */
export function externalSignaled(m: Mutation, request: ExternalRequest, runId: string): void {
  m.addEvent({
    case: 'externalWorkflowExecutionSignaledEventAttributes',
    value: {
      initiatedEventId: request.initiatedEventId,
      namespace: m.state.namespace,
      workflowExecution: { workflowId: request.target?.workflowId ?? '', runId },
    },
  });
  scheduleWorkflowTask(m);
}

export function signalExternalFailed(m: Mutation, request: ExternalRequest): void {
  m.addEvent({
    case: 'signalExternalWorkflowExecutionFailedEventAttributes',
    value: {
      cause: SignalExternalWorkflowExecutionFailedCause.EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
      workflowTaskCompletedEventId: request.workflowTaskCompletedEventId,
      namespace: m.state.namespace,
      workflowExecution: request.target,
      initiatedEventId: request.initiatedEventId,
    },
  });
  scheduleWorkflowTask(m);
}

/** The cancellation was recorded in the target's history (`runId` is the run that received it). */
export function externalCancelRequested(m: Mutation, request: ExternalRequest, runId: string): void {
  m.addEvent({
    case: 'externalWorkflowExecutionCancelRequestedEventAttributes',
    value: {
      initiatedEventId: request.initiatedEventId,
      namespace: m.state.namespace,
      workflowExecution: { workflowId: request.target?.workflowId ?? '', runId },
    },
  });
  scheduleWorkflowTask(m);
}

export function cancelExternalFailed(m: Mutation, request: ExternalRequest): void {
  m.addEvent({
    case: 'requestCancelExternalWorkflowExecutionFailedEventAttributes',
    value: {
      cause: CancelExternalWorkflowExecutionFailedCause.EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
      workflowTaskCompletedEventId: request.workflowTaskCompletedEventId,
      namespace: m.state.namespace,
      workflowExecution: request.target,
      initiatedEventId: request.initiatedEventId,
    },
  });
  scheduleWorkflowTask(m);
}
