/**
 * What a start does when its workflow id was used before, as Temporal decides it: the conflict policy
 * when a run is running (FAIL, USE_EXISTING, TERMINATE_EXISTING), the reuse policy when the id's last
 * run is closed (ALLOW_DUPLICATE, ALLOW_DUPLICATE_FAILED_ONLY, REJECT_DUPLICATE). Pure.
 */

import {
  type WorkflowIdConflictPolicy as ConflictName,
  type WorkflowIdReusePolicy as ReuseName,
  workflowIdPoliciesProblem,
} from '../common/workflow-id-policies.js';
import {
  WorkflowExecutionStatus,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '../gen/strata/v1/common_pb.js';
import type { ExecutionRecord } from '../store/store.js';
import { EngineError, invalidArgument } from './errors.js';

export interface StartPolicies {
  reuse: WorkflowIdReusePolicy;
  conflict: WorkflowIdConflictPolicy;
}

export type StartDecision =
  | { action: 'start' }
  /** Terminate the running run, then start. */
  | { action: 'terminate-and-start'; runId: string }
  /** Nothing starts: the answer is this run (started = true when it is a retry of the same start). */
  | { action: 'existing'; runId: string; started: boolean };

/** A number that names a value of a generated (numeric, reverse-mapped) enum. */
function isKnown(enumObject: Record<number, string>, value: number): boolean {
  return typeof enumObject[value] === 'string';
}

/**
 * Checks the two policies of a request and fills in the defaults: FAIL for StartWorkflowExecution,
 * USE_EXISTING for SignalWithStart. The legacy TERMINATE_IF_RUNNING reuse policy stands for
 * ALLOW_DUPLICATE with TERMINATE_EXISTING.
 */
export function resolveStartPolicies(
  reuse: WorkflowIdReusePolicy,
  conflict: WorkflowIdConflictPolicy,
  operation: 'start' | 'signalWithStart',
  prefix = '',
): StartPolicies {
  if (!isKnown(WorkflowIdReusePolicy, reuse)) {
    throw invalidArgument(
      `${prefix}workflow_id_reuse_policy ${reuse} is unknown; use ALLOW_DUPLICATE (1), ALLOW_DUPLICATE_FAILED_ONLY (2), REJECT_DUPLICATE (3) or TERMINATE_IF_RUNNING (4)`,
    );
  }
  if (!isKnown(WorkflowIdConflictPolicy, conflict)) {
    throw invalidArgument(
      `${prefix}workflow_id_conflict_policy ${conflict} is unknown; use FAIL (1), USE_EXISTING (2) or TERMINATE_EXISTING (3)`,
    );
  }
  const problem = workflowIdPoliciesProblem(
    reuse === WorkflowIdReusePolicy.UNSPECIFIED ? undefined : (WorkflowIdReusePolicy[reuse] as ReuseName),
    conflict === WorkflowIdConflictPolicy.UNSPECIFIED
      ? undefined
      : (WorkflowIdConflictPolicy[conflict] as ConflictName),
    operation,
  );
  if (problem) throw invalidArgument(problem.replace('[INVALID_ARGUMENT] ', prefix));
  if (reuse === WorkflowIdReusePolicy.TERMINATE_IF_RUNNING) {
    return {
      reuse: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      conflict: WorkflowIdConflictPolicy.TERMINATE_EXISTING,
    };
  }
  return {
    reuse: reuse === WorkflowIdReusePolicy.UNSPECIFIED ? WorkflowIdReusePolicy.ALLOW_DUPLICATE : reuse,
    conflict:
      conflict !== WorkflowIdConflictPolicy.UNSPECIFIED
        ? conflict
        : operation === 'start'
          ? WorkflowIdConflictPolicy.FAIL
          : WorkflowIdConflictPolicy.USE_EXISTING,
  };
}

const FAILED_ONLY_ALLOWS = new Set<number>([
  WorkflowExecutionStatus.FAILED,
  WorkflowExecutionStatus.CANCELED,
  WorkflowExecutionStatus.TERMINATED,
  WorkflowExecutionStatus.TIMED_OUT,
]);

function alreadyStarted(message: string): EngineError {
  return new EngineError({ code: 'WORKFLOW_ALREADY_STARTED', kind: 'already_exists', message });
}

/** Decides a start against the workflow id's latest run (`undefined` when the id is new). */
export function decideStart(
  workflowId: string,
  latest: Pick<ExecutionRecord, 'runId' | 'status' | 'startRequestId'> | undefined,
  policies: StartPolicies,
  requestId: string,
): StartDecision {
  if (latest === undefined) return { action: 'start' };
  // A client resending a start whose answer it lost gets the run it started.
  if (requestId !== '' && latest.startRequestId === requestId) {
    return { action: 'existing', runId: latest.runId, started: true };
  }
  if (latest.status === WorkflowExecutionStatus.RUNNING) {
    switch (policies.conflict) {
      case WorkflowIdConflictPolicy.USE_EXISTING:
        return { action: 'existing', runId: latest.runId, started: false };
      case WorkflowIdConflictPolicy.TERMINATE_EXISTING:
        return { action: 'terminate-and-start', runId: latest.runId };
      default:
        throw alreadyStarted(
          `workflow "${workflowId}" is already running (run "${latest.runId}"); wait for it to close, use another workflow id, or set workflowIdConflictPolicy (CLI --id-conflict-policy) to USE_EXISTING or TERMINATE_EXISTING`,
        );
    }
  }
  const status = WorkflowExecutionStatus[latest.status] ?? String(latest.status);
  switch (policies.reuse) {
    case WorkflowIdReusePolicy.REJECT_DUPLICATE:
      throw alreadyStarted(
        `workflow id "${workflowId}" was already used (run "${latest.runId}", ${status}) and workflowIdReusePolicy REJECT_DUPLICATE forbids another run; use another workflow id`,
      );
    case WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY:
      if (!FAILED_ONLY_ALLOWS.has(latest.status)) {
        throw alreadyStarted(
          `workflow id "${workflowId}" was last used by run "${latest.runId}", which ${status}; workflowIdReusePolicy ALLOW_DUPLICATE_FAILED_ONLY allows a new run only after a failed, cancelled, terminated or timed-out one`,
        );
      }
      return { action: 'start' };
    default:
      return { action: 'start' };
  }
}
