/**
 * Options a workflow function declares about itself (Temporal's `setWorkflowOptions`): its versioning
 * behavior (V1), which the worker reports with each completed workflow task of the workflow.
 */
import type { VersioningBehavior } from '../common/versioning.js';

export interface WorkflowDefinitionOptions {
  /**
   * `'PINNED'`: every workflow task (and the activities it schedules on its deployment's task queues) runs
   * on the version the workflow started on. `'AUTO_UPGRADE'`: it moves to the deployment's current version
   * at its next workflow task. Unset: the worker's `defaultVersioningBehavior`.
   */
  versioningBehavior?: VersioningBehavior;
}

const OPTIONS = Symbol.for('strata.workflowDefinitionOptions');

/**
 * Declares options of a workflow function; call it at the top level of the workflows module, next to the
 * function.
 *
 * @example
 * export async function orderWorkflow(): Promise<void> { ... }
 * setWorkflowOptions({ versioningBehavior: 'PINNED' }, orderWorkflow);
 */
export function setWorkflowOptions<F extends (...args: never[]) => unknown>(
  options: WorkflowDefinitionOptions,
  fn: F,
): void {
  const behavior = options?.versioningBehavior;
  if (behavior !== undefined && behavior !== 'PINNED' && behavior !== 'AUTO_UPGRADE') {
    throw new TypeError(
      `[INVALID_ARGUMENT] versioningBehavior must be 'PINNED' or 'AUTO_UPGRADE', got ${JSON.stringify(behavior)}`,
    );
  }
  if (typeof fn !== 'function') {
    throw new TypeError('[INVALID_ARGUMENT] setWorkflowOptions(options, fn) needs the workflow function');
  }
  Object.defineProperty(fn, OPTIONS, { value: { ...options }, configurable: true });
}

/** The options a workflow function declared, if any. */
export function workflowDefinitionOptions(fn: unknown): WorkflowDefinitionOptions | undefined {
  if (typeof fn !== 'function') return undefined;
  return (fn as unknown as Record<symbol, WorkflowDefinitionOptions | undefined>)[OPTIONS];
}
