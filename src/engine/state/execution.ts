import type { VersioningOverride } from '../../common/versioning.js';
import { overrideToProto } from '../../common/versioning-proto.js';
import type { Failure, Memo, Payloads, RetryPolicy } from '../../gen/strata/v1/common_pb.js';
import { WorkflowExecutionStatus } from '../../gen/strata/v1/common_pb.js';
import type { CheckedSearchAttribute } from '../visibility/search-attributes.js';
import { type ParentState, recordCloseTransfers } from './child-workflows.js';
import type { Mutation } from './mutation.js';
import {
  chainOfNewRun,
  nextRunAfterCompletion,
  nextRunAfterFailure,
  nextRunAfterTimeout,
  type RunContinuation,
  runDeadlineMs,
} from './next-run.js';
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
  /** Retries of whole runs; undefined for none. */
  retryPolicy: RetryPolicy | undefined;
  cronSchedule: string;
  /** Set for every run of a chain but the first (continue-as-new, retry, cron). */
  continuation?: RunContinuation;
  /** Set when a parent workflow starts this run (or an earlier run of its chain) as its child. */
  parent?: ParentState;
  /** Pins the run (or makes it auto-upgrade) from its first workflow task (V5). */
  versioningOverride?: VersioningOverride;
}

/** A run named by workflow id and run id. */
export interface ExecutionRef {
  workflowId: string;
  runId: string;
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
    ...(input.parent ? { parent: input.parent } : {}),
    ...(input.versioningOverride ? { versioning: { override: input.versioningOverride } } : {}),
  };
}

/**
 * WorkflowExecutionStarted, the run's deadline, and the first workflow task: at once, or after a backoff
 * (a retry, a cron schedule) during which nothing else schedules it.
 */
export function startExecution(m: Mutation, input: StartExecutionInput): void {
  const state = m.state;
  const searchAttributes = input.searchAttributes && initialSearchAttributes(state, input.searchAttributes);
  m.searchAttributesChanged = searchAttributes !== undefined;
  if (input.memo) mergeMemo(state, input.memo.fields);
  const chain = chainOfNewRun(input, m.nowMs);
  state.chain = chain;
  const continuation = input.continuation;
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
      attempt: chain.attempt,
      firstExecutionRunId: chain.firstExecutionRunId,
      originalExecutionRunId: input.runId,
      workflowId: input.workflowId,
      randomnessSeed: input.randomnessSeed,
      memo: memoOf(state),
      searchAttributes,
      continuedExecutionRunId: continuation?.previousRunId ?? '',
      initiator: continuation?.initiator,
      continuedFailure: continuation?.continuedFailure,
      lastCompletionResult: continuation?.lastCompletionResult,
      firstWorkflowTaskBackoffMs: chain.scheduledTimeMs - m.nowMs,
      cronSchedule: input.cronSchedule,
      retryPolicy: input.retryPolicy,
      workflowExecutionExpirationTimeMs: chain.executionExpirationMs,
      parentWorkflowNamespace: input.parent?.namespace ?? '',
      parentWorkflowExecution: input.parent && {
        workflowId: input.parent.workflowId,
        runId: input.parent.runId,
      },
      parentInitiatedEventId: input.parent?.initiatedEventId ?? 0,
      versioningOverride: input.versioningOverride && overrideToProto(input.versioningOverride),
    },
  });
  const deadlineMs = runDeadlineMs(chain);
  if (deadlineMs !== undefined) m.setTimer(deadlineMs, { type: 'run-timeout' });
  if (chain.backoffPending) m.setTimer(chain.scheduledTimeMs, { type: 'first-workflow-task-backoff' });
  else scheduleWorkflowTask(m);
}

/** The backoff before the first workflow task (retry, cron) is over. */
export function firstWorkflowTaskBackoffElapsed(m: Mutation): void {
  const chain = m.state.chain;
  if (!chain?.backoffPending) return;
  chain.backoffPending = false;
  scheduleWorkflowTask(m);
}

export function signalExecution(
  m: Mutation,
  signalName: string,
  input: Payloads | undefined,
  identity: string,
  requestId = '',
  /** The workflow that sent the signal (SignalExternalWorkflowExecution). */
  external?: ExecutionRef,
): void {
  if (requestId !== '') {
    // A client that lost the answer to a signal sends it again with the same request id (as in Temporal).
    const seen = m.state.signalRequestIds ?? [];
    if (seen.includes(requestId)) return;
    // Bounded so a long-lived run that takes many signals keeps a small state row; a resend comes
    // soon after the original, so the most recent ids are the ones that matter.
    m.state.signalRequestIds = [...seen, requestId].slice(-maxRememberedSignalRequestIds);
  }
  m.addEvent({
    case: 'workflowExecutionSignaledEventAttributes',
    value: { signalName, input, identity, externalWorkflowExecution: external },
  });
  scheduleWorkflowTask(m);
}

/** The workflow decides what a cancel means; it closes itself with a CancelWorkflowExecution command. */
export function requestCancelExecution(
  m: Mutation,
  reason: string,
  identity: string,
  /** The workflow that asked (RequestCancelExternalWorkflowExecution), and its initiated event. */
  external?: { execution: ExecutionRef; initiatedEventId: number },
): void {
  m.addEvent({
    case: 'workflowExecutionCancelRequestedEventAttributes',
    value: {
      cause: reason,
      identity,
      externalWorkflowExecution: external?.execution,
      externalInitiatedEventId: external?.initiatedEventId ?? 0,
    },
  });
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

/** The run's deadline fired: retried or continued by cron when that applies, else the workflow timed out. */
export function timeOutExecution(m: Mutation): void {
  const { retryState, newExecutionRunId } = nextRunAfterTimeout(m);
  m.addEvent({
    case: 'workflowExecutionTimedOutEventAttributes',
    value: { retryState, newExecutionRunId },
  });
  closeExecution(m, WorkflowExecutionStatus.TIMED_OUT);
}

export function completeExecution(m: Mutation, result: Payloads | undefined, completedEventId: number): void {
  const newExecutionRunId = nextRunAfterCompletion(m, result);
  m.addEvent({
    case: 'workflowExecutionCompletedEventAttributes',
    value: { result, workflowTaskCompletedEventId: completedEventId, newExecutionRunId },
  });
  closeExecution(m, WorkflowExecutionStatus.COMPLETED);
}

export function failExecution(m: Mutation, failure: Failure | undefined, completedEventId: number): void {
  const { retryState, newExecutionRunId } = nextRunAfterFailure(m, failure);
  m.addEvent({
    case: 'workflowExecutionFailedEventAttributes',
    value: { failure, retryState, workflowTaskCompletedEventId: completedEventId, newExecutionRunId },
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
export function closeExecution(m: Mutation, status: WorkflowExecutionStatus): void {
  const state = m.state;
  state.status = status;
  state.closeTimeMs = m.nowMs;
  state.workflowTask = undefined;
  state.workflowTaskNeeded = false;
  state.activities = {};
  state.timers = {};
  m.closed = true;
  recordCloseTransfers(m);
}

export function fireUserTimer(m: Mutation, timerId: string, startedEventId: number): void {
  const timer = m.state.timers[timerId];
  if (!timer || timer.startedEventId !== startedEventId) return;
  delete m.state.timers[timerId];
  m.addEvent({ case: 'timerFiredEventAttributes', value: { timerId, startedEventId } });
  scheduleWorkflowTask(m);
}
