/**
 * Local errors of the workflow runtime. Unlike `*Failure` classes they never travel as a workflow's
 * result: they fail the workflow task, which is retried, so fixed code can resume the run.
 */

/**
 * Workflow code did something that cannot be replayed deterministically: it produced commands that do not
 * match its history, or used an API whose result depends on the machine (WeakRef, ...). Messages start with
 * a stable code (`[NDE]`, `[NON_DETERMINISTIC_API]`).
 */
export class DeterminismViolationError extends Error {
  override name = 'DeterminismViolationError';
  /** The history event where replay diverged from the code, when the replayer found one. */
  readonly eventId: number | undefined;

  constructor(message: string, options: { eventId?: number } = {}) {
    super(message);
    this.eventId = options.eventId;
  }
}

/** A workflow API was called where no workflow is running (outside workflow code, or at module top level). */
export class NotInWorkflowError extends Error {
  override name = 'NotInWorkflowError';
}
