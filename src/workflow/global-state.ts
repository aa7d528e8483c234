/**
 * The only module-level mutable state of the runtime: which run is executing now. One runtime instance
 * serves every run of a worker's sandbox; the host points it at a run for the span of an activation or a
 * query, so APIs such as `sleep()` and the deterministic `Date` find their run without globals per run.
 */
import type { Activator } from './activator.js';
import { NotInWorkflowError } from './errors.js';

let current: Activator | undefined;

export function setCurrentActivator(activator: Activator | undefined): void {
  current = activator;
}

export function maybeGetActivator(): Activator | undefined {
  return current;
}

/** The running workflow's activator; `what` names the API in the error thrown outside a workflow. */
export function getActivator(what: string): Activator {
  if (current === undefined) {
    throw new NotInWorkflowError(
      `[NOT_IN_WORKFLOW] ${what} can only be called from workflow code running in a worker. ` +
        'In a test, start the workflow through a worker (or the testing environment) instead of calling it directly.',
    );
  }
  return current;
}
