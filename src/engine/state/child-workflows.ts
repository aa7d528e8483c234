/**
 * Child workflows in the parent's mutable state: the StartChildWorkflowExecution command, the child's start
 * and close reported back as events, and what the parent's close does to its open children. Pure: the
 * cross-execution steps are transfers (transfers.ts) that the engine applies in their own transactions.
 */

import { create } from '@bufbuild/protobuf';
import { InvalidCronScheduleError, parseCronSchedule } from '../../common/cron.js';
import { retryPolicyProblem } from '../../common/retry-policy.js';
import type { StartChildWorkflowExecutionCommandAttributes } from '../../gen/strata/v1/command_pb.js';
import { ParentClosePolicy, WorkflowIdReusePolicy } from '../../gen/strata/v1/common_pb.js';
import type { HistoryEvent, StartChildWorkflowExecutionFailedCause } from '../../gen/strata/v1/history_pb.js';
import {
  type PendingChildExecutionInfo,
  PendingChildExecutionInfoSchema,
} from '../../gen/strata/v1/service_pb.js';
import type { Mutation } from './mutation.js';
import type { ExecutionState } from './types.js';
import { scheduleWorkflowTask } from './workflow-task.js';

/** Who started a child workflow: kept in the child's state to report its close. */
export interface ParentState {
  namespace: string;
  workflowId: string;
  runId: string;
  /** The parent's StartChildWorkflowExecutionInitiated event. */
  initiatedEventId: number;
}

/** A child the parent initiated and that has not closed (or failed to start) yet. */
export interface ChildState {
  initiatedEventId: number;
  workflowId: string;
  workflowType: string;
  parentClosePolicy: ParentClosePolicy;
  /** Empty until ChildWorkflowExecutionStarted. */
  runId: string;
  startedEventId: number;
}

/** Why a StartChildWorkflowExecution command is invalid, or undefined. */
export function checkStartChildCommand(
  state: ExecutionState,
  value: StartChildWorkflowExecutionCommandAttributes,
): string | undefined {
  if (!value.workflowId) return 'startChildWorkflowExecution.workflow_id is required';
  if (!value.workflowType?.name) return 'startChildWorkflowExecution.workflow_type.name is required';
  if (value.namespace && value.namespace !== state.namespace) {
    return `child workflow "${value.workflowId}" names namespace "${value.namespace}", but a child runs in its parent's namespace ("${state.namespace}"); leave the namespace empty`;
  }
  const timeouts = {
    workflow_execution_timeout_ms: value.workflowExecutionTimeoutMs,
    workflow_run_timeout_ms: value.workflowRunTimeoutMs,
    workflow_task_timeout_ms: value.workflowTaskTimeoutMs,
  };
  for (const [field, ms] of Object.entries(timeouts)) {
    if (!(ms >= 0)) return `child workflow "${value.workflowId}": ${field} must be >= 0, got ${ms}`;
  }
  if (typeof WorkflowIdReusePolicy[value.workflowIdReusePolicy] !== 'string') {
    return `child workflow "${value.workflowId}": workflow_id_reuse_policy ${value.workflowIdReusePolicy} is unknown; use ALLOW_DUPLICATE (1), ALLOW_DUPLICATE_FAILED_ONLY (2), REJECT_DUPLICATE (3) or TERMINATE_IF_RUNNING (4)`;
  }
  if (typeof ParentClosePolicy[value.parentClosePolicy] !== 'string') {
    return `child workflow "${value.workflowId}": parent_close_policy ${value.parentClosePolicy} is unknown; use TERMINATE (1), ABANDON (2) or REQUEST_CANCEL (3)`;
  }
  const retryProblem =
    value.retryPolicy && retryPolicyProblem(value.retryPolicy, 'startChildWorkflowExecution.retry_policy');
  if (retryProblem) return retryProblem.replace(/^\[INVALID_ARGUMENT\] /, '');
  return cronScheduleProblem(value.cronSchedule);
}

function cronScheduleProblem(schedule: string): string | undefined {
  if (schedule.trim() === '') return undefined;
  try {
    parseCronSchedule(schedule);
    return undefined;
  } catch (error) {
    if (!(error instanceof InvalidCronScheduleError)) throw error;
    return error.message.replace(
      'invalid cron schedule',
      'invalid startChildWorkflowExecution.cron_schedule',
    );
  }
}

/** StartChildWorkflowExecutionInitiated, and the transfer that starts the child. */
export function initiateChildWorkflow(
  m: Mutation,
  value: StartChildWorkflowExecutionCommandAttributes,
  completedEventId: number,
): void {
  const state = m.state;
  const parentClosePolicy = value.parentClosePolicy || ParentClosePolicy.TERMINATE;
  const event = m.addEvent({
    case: 'startChildWorkflowExecutionInitiatedEventAttributes',
    value: {
      namespace: state.namespace,
      workflowId: value.workflowId,
      workflowType: value.workflowType,
      taskQueue: value.taskQueue || state.taskQueue,
      input: value.input,
      workflowExecutionTimeoutMs: value.workflowExecutionTimeoutMs,
      workflowRunTimeoutMs: value.workflowRunTimeoutMs,
      workflowTaskTimeoutMs: value.workflowTaskTimeoutMs,
      parentClosePolicy,
      workflowTaskCompletedEventId: completedEventId,
      workflowIdReusePolicy: value.workflowIdReusePolicy,
      retryPolicy: value.retryPolicy,
      cronSchedule: value.cronSchedule,
      memo: value.memo,
      searchAttributes: value.searchAttributes,
    },
  });
  state.children ??= {};
  state.children[event.eventId] = {
    initiatedEventId: event.eventId,
    workflowId: value.workflowId,
    workflowType: value.workflowType?.name ?? '',
    parentClosePolicy,
    runId: '',
    startedEventId: 0,
  };
  m.addTransfer({ type: 'start-child', initiatedEventId: event.eventId });
}

/** The child of `initiatedEventId` if it is waiting for its start. */
export function childAwaitingStart(state: ExecutionState, initiatedEventId: number): ChildState | undefined {
  const child = state.children?.[initiatedEventId];
  return child && child.startedEventId === 0 ? child : undefined;
}

export function childStarted(m: Mutation, initiatedEventId: number, runId: string): void {
  const child = childAwaitingStart(m.state, initiatedEventId);
  if (!child) return;
  const event = m.addEvent({
    case: 'childWorkflowExecutionStartedEventAttributes',
    value: {
      namespace: m.state.namespace,
      initiatedEventId,
      workflowExecution: { workflowId: child.workflowId, runId },
      workflowType: { name: child.workflowType },
    },
  });
  child.runId = runId;
  child.startedEventId = event.eventId;
  scheduleWorkflowTask(m);
}

export function startChildFailed(
  m: Mutation,
  initiatedEventId: number,
  cause: StartChildWorkflowExecutionFailedCause,
  workflowTaskCompletedEventId: number,
): void {
  const child = childAwaitingStart(m.state, initiatedEventId);
  if (!child) return;
  m.addEvent({
    case: 'startChildWorkflowExecutionFailedEventAttributes',
    value: {
      namespace: m.state.namespace,
      workflowId: child.workflowId,
      workflowType: { name: child.workflowType },
      cause,
      initiatedEventId,
      workflowTaskCompletedEventId,
    },
  });
  delete m.state.children?.[initiatedEventId];
  scheduleWorkflowTask(m);
}

/**
 * The child closed with `closing` (its last event): the parent records the matching event. Matched by
 * workflow id, not run id, so a child that continued as new reports from its last run.
 */
export function childClosed(
  m: Mutation,
  initiatedEventId: number,
  workflowId: string,
  runId: string,
  closing: HistoryEvent,
): void {
  const child = m.state.children?.[initiatedEventId];
  if (!child || child.startedEventId === 0 || child.workflowId !== workflowId) return;
  const about = {
    namespace: m.state.namespace,
    workflowExecution: { workflowId, runId },
    workflowType: { name: child.workflowType },
    initiatedEventId,
    startedEventId: child.startedEventId,
  };
  const a = closing.attributes;
  switch (a.case) {
    case 'workflowExecutionCompletedEventAttributes':
      m.addEvent({
        case: 'childWorkflowExecutionCompletedEventAttributes',
        value: { ...about, result: a.value.result },
      });
      break;
    case 'workflowExecutionFailedEventAttributes':
      m.addEvent({
        case: 'childWorkflowExecutionFailedEventAttributes',
        value: { ...about, failure: a.value.failure, retryState: a.value.retryState },
      });
      break;
    case 'workflowExecutionCanceledEventAttributes':
      m.addEvent({
        case: 'childWorkflowExecutionCanceledEventAttributes',
        value: { ...about, details: a.value.details },
      });
      break;
    case 'workflowExecutionTimedOutEventAttributes':
      m.addEvent({
        case: 'childWorkflowExecutionTimedOutEventAttributes',
        value: { ...about, retryState: a.value.retryState },
      });
      break;
    case 'workflowExecutionTerminatedEventAttributes':
      m.addEvent({ case: 'childWorkflowExecutionTerminatedEventAttributes', value: about });
      break;
    default:
      throw new Error(`event ${closing.eventId} of child "${workflowId}" is no closing event (${a.case})`);
  }
  delete m.state.children?.[initiatedEventId];
  scheduleWorkflowTask(m);
}

/**
 * What a run's close does beyond itself, computed again at every close (continue-as-new included): a
 * child's last run reports to its parent; a
 * parent applies each open child's close policy (TERMINATE, REQUEST_CANCEL; ABANDON leaves it running), and
 * still starts an ABANDON child it had initiated (as Temporal does). Other transfers of the run (signals
 * and cancels of other workflows not applied yet) are dropped with its timers.
 */
export function recordCloseTransfers(m: Mutation): void {
  const state = m.state;
  m.transfers.length = 0;
  for (const child of Object.values(state.children ?? {})) {
    if (child.startedEventId === 0) {
      if (child.parentClosePolicy === ParentClosePolicy.ABANDON) {
        m.addTransfer({ type: 'start-child', initiatedEventId: child.initiatedEventId });
      }
      continue;
    }
    if (child.parentClosePolicy === ParentClosePolicy.ABANDON) continue;
    m.addTransfer({
      type: 'parent-close-policy',
      initiatedEventId: child.initiatedEventId,
      workflowId: child.workflowId,
      runId: child.runId,
      policy: child.parentClosePolicy,
    });
  }
  // A run followed by another of its chain (continue-as-new, retry, cron) leaves the report to the last one.
  if (state.parent && m.nextRun === undefined) m.addTransfer({ type: 'report-close-to-parent' });
}

/** The open children, for describe. */
export function pendingChildren(state: ExecutionState): PendingChildExecutionInfo[] {
  return Object.values(state.children ?? {}).map((child) =>
    create(PendingChildExecutionInfoSchema, {
      workflowId: child.workflowId,
      runId: child.runId,
      workflowTypeName: child.workflowType,
      initiatedId: child.initiatedEventId,
      parentClosePolicy: child.parentClosePolicy,
    }),
  );
}
