import type { Failure, Memo, Payloads } from '../../gen/strata/v1/common_pb.js';
import { RetryState, WorkflowExecutionStatus } from '../../gen/strata/v1/common_pb.js';
import type { CheckedSearchAttribute } from '../visibility/search-attributes.js';
import type { Mutation } from './mutation.js';
import { initialSearchAttributes, memoOf, mergeMemo } from './search-attributes.js';
import type { ExecutionState } from './types.js';
import { scheduleWorkflowTask } from './workflow-task.js';

export interface StartExecutionInput {
  namespace: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  input: Payloads | undefined;
  executionTimeoutMs: number;
  runTimeoutMs: number;
  workflowTaskTimeoutMs: number;
  identity: string;
  randomnessSeed: number;
  /** Checked against the namespace's registry. */
  searchAttributes?: ReadonlyMap<string, CheckedSearchAttribute>;
  memo?: Memo;
}

export const defaultWorkflowTaskTimeoutMs = 10_000;
const maxRememberedSignalRequestIds = 1000;

export function newExecutionState(input: StartExecutionInput, nowMs: number): ExecutionState {
  return {
    namespace: input.namespace,
    workflowId: input.workflowId,
    runId: input.runId,
    workflowType: input.workflowType,
    taskQueue: input.taskQueue,
    status: WorkflowExecutionStatus.RUNNING,
    startTimeMs: nowMs,
    closeTimeMs: 0,
    nextEventId: 1,
    workflowTaskTimeoutMs: input.workflowTaskTimeoutMs || defaultWorkflowTaskTimeoutMs,
    previousStartedEventId: 0,
    workflowTask: undefined,
    workflowTaskNeeded: false,
    workflowTaskAttempt: 1,
    workflowTaskLastFailure: '',
    stickyTaskQueue: '',
    stickyScheduleToStartTimeoutMs: 0,
    activities: {},
    timers: {},
    cancelRequested: false,
    lastBinaryChecksum: '',
  };
}

/** WorkflowExecutionStarted, the run timeout, and the first workflow task. */
export function startExecution(m: Mutation, input: StartExecutionInput): void {
  const state = m.state;
  const searchAttributes = input.searchAttributes && initialSearchAttributes(state, input.searchAttributes);
  m.searchAttributesChanged = searchAttributes !== undefined;
  if (input.memo) mergeMemo(state, input.memo.fields);
  m.addEvent({
    case: 'workflowExecutionStartedEventAttributes',
    value: {
      workflowType: { name: input.workflowType },
      taskQueue: input.taskQueue,
      input: input.input,
      workflowExecutionTimeoutMs: input.executionTimeoutMs,
      workflowRunTimeoutMs: input.runTimeoutMs,
      workflowTaskTimeoutMs: state.workflowTaskTimeoutMs,
      identity: input.identity,
      attempt: 1,
      firstExecutionRunId: input.runId,
      originalExecutionRunId: input.runId,
      workflowId: input.workflowId,
      randomnessSeed: input.randomnessSeed,
      memo: memoOf(state),
      searchAttributes,
    },
  });
  const timeouts = [input.executionTimeoutMs, input.runTimeoutMs].filter((ms) => ms > 0);
  if (timeouts.length > 0) m.setTimer(m.nowMs + Math.min(...timeouts), { type: 'run-timeout' });
  scheduleWorkflowTask(m);
}

export function signalExecution(
  m: Mutation,
  signalName: string,
  input: Payloads | undefined,
  identity: string,
  requestId = '',
): void {
  if (requestId !== '') {
    // A client that lost the answer to a signal sends it again with the same request id (as in Temporal).
    const seen = m.state.signalRequestIds ?? [];
    if (seen.includes(requestId)) return;
    // Bounded so a long-lived run that takes many signals keeps a small state row; a resend comes
    // soon after the original, so the most recent ids are the ones that matter.
    m.state.signalRequestIds = [...seen, requestId].slice(-maxRememberedSignalRequestIds);
  }
  m.addEvent({ case: 'workflowExecutionSignaledEventAttributes', value: { signalName, input, identity } });
  scheduleWorkflowTask(m);
}

/** The workflow decides what a cancel means; it closes itself with a CancelWorkflowExecution command. */
export function requestCancelExecution(m: Mutation, reason: string, identity: string): void {
  m.addEvent({ case: 'workflowExecutionCancelRequestedEventAttributes', value: { cause: reason, identity } });
  m.state.cancelRequested = true;
  scheduleWorkflowTask(m);
}

export function terminateExecution(
  m: Mutation,
  reason: string,
  details: Payloads | undefined,
  identity: string,
): void {
  m.addEvent({ case: 'workflowExecutionTerminatedEventAttributes', value: { reason, details, identity } });
  closeExecution(m, WorkflowExecutionStatus.TERMINATED);
}

export function timeOutExecution(m: Mutation): void {
  m.addEvent({
    case: 'workflowExecutionTimedOutEventAttributes',
    value: { retryState: RetryState.TIMEOUT },
  });
  closeExecution(m, WorkflowExecutionStatus.TIMED_OUT);
}

export function completeExecution(m: Mutation, result: Payloads | undefined, completedEventId: number): void {
  m.addEvent({
    case: 'workflowExecutionCompletedEventAttributes',
    value: { result, workflowTaskCompletedEventId: completedEventId },
  });
  closeExecution(m, WorkflowExecutionStatus.COMPLETED);
}

export function failExecution(m: Mutation, failure: Failure | undefined, completedEventId: number): void {
  m.addEvent({
    case: 'workflowExecutionFailedEventAttributes',
    value: {
      failure,
      retryState: RetryState.RETRY_POLICY_NOT_SET,
      workflowTaskCompletedEventId: completedEventId,
    },
  });
  closeExecution(m, WorkflowExecutionStatus.FAILED);
}

export function cancelExecution(m: Mutation, details: Payloads | undefined, completedEventId: number): void {
  m.addEvent({
    case: 'workflowExecutionCanceledEventAttributes',
    value: { details, workflowTaskCompletedEventId: completedEventId },
  });
  closeExecution(m, WorkflowExecutionStatus.CANCELED);
}

/** A closed run has nothing pending: its queued tasks and timers are dropped in the same write. */
function closeExecution(m: Mutation, status: WorkflowExecutionStatus): void {
  const state = m.state;
  state.status = status;
  state.closeTimeMs = m.nowMs;
  state.workflowTask = undefined;
  state.workflowTaskNeeded = false;
  state.activities = {};
  state.timers = {};
  m.closed = true;
}

export function fireUserTimer(m: Mutation, timerId: string, startedEventId: number): void {
  const timer = m.state.timers[timerId];
  if (!timer || timer.startedEventId !== startedEventId) return;
  delete m.state.timers[timerId];
  m.addEvent({ case: 'timerFiredEventAttributes', value: { timerId, startedEventId } });
  scheduleWorkflowTask(m);
}
