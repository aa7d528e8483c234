/** Errors of replaying workflow code against a history (R3, R7). */
export { DeterminismViolationError } from '../../workflow/errors.js';

export interface ReplayErrorOptions {
  workflowId?: string;
  runId?: string;
  cause?: unknown;
}

/**
 * Replay failed for a reason other than non-determinism: the history is malformed or incomplete, the
 * workflow type is not in the bundle, or the workflow code threw where the history says it went on.
 * Messages start with `[REPLAY]`.
 */
export class ReplayError extends Error {
  override name = 'ReplayError';
  readonly workflowId: string | undefined;
  readonly runId: string | undefined;

  constructor(message: string, options: ReplayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.workflowId = options.workflowId;
    this.runId = options.runId;
  }
}

/**
 * Workflow code ran longer than the worker's `isolateExecutionTimeout` without yielding (an infinite loop or a long
 * synchronous computation). It fails the workflow task, not the workflow, and the run is evicted; messages start
 * with `[DEADLOCK]`.
 */
export class WorkflowDeadlockError extends Error {
  override name = 'WorkflowDeadlockError';
}
