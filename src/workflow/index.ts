/**
 * `strata/workflow`: the API for workflow code. Workflows are plain async functions exported from one
 * module; the worker bundles that module and runs it in a deterministic sandbox, re-running (replaying) it
 * against its recorded history whenever it needs to rebuild a run's state.
 *
 * ```ts
 * import { proxyActivities, sleep, defineSignal, setHandler, condition } from 'strata/workflow';
 * import type * as activities from './activities.js';
 *
 * const { chargeCard } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });
 * export const approve = defineSignal<[approver: string]>('approve');
 *
 * export async function order(amount: number): Promise<string> {
 *   let approver: string | undefined;
 *   setHandler(approve, (name) => { approver = name; });
 *   if (!(await condition(() => approver !== undefined, '1 day'))) return 'expired';
 *   await sleep('5 minutes');
 *   return chargeCard(amount, approver!);
 * }
 * ```
 *
 * Rules of the sandbox (the same as Temporal's, so code ports by changing `@temporalio/workflow` to
 * `strata/workflow`):
 * - Code must be deterministic: the same history must produce the same commands (activities, timers) in the
 *   same order. `Date`, `Math.random()`, `uuid4()` and `setTimeout` are made deterministic for you; Node
 *   built-ins, `strata/client` and `strata/worker` cannot be imported (the bundler names the import chain).
 * - Errors: throwing an `ApplicationFailure` (or any `StrataFailure`, e.g. an unhandled `ActivityFailure`)
 *   fails the workflow. Any other error (a `TypeError`, a plain `Error`) is treated as a bug: it fails the
 *   workflow *task*, which is retried while the workflow stays open, so deploying fixed code resumes it.
 *   After the workflow was cancelled, letting the `CancelledFailure` escape cancels the workflow.
 * - Changing code that running workflows replay requires care: wrap the new code in `if (patched('id'))` so
 *   runs that started before the change keep the old branch, then `deprecatePatch('id')` once none remain
 *   (docs/versioning.md).
 */

export type { Duration } from '../common/duration.js';
export {
  ActivityFailure,
  ApplicationFailure,
  type ApplicationFailureOptions,
  CancelledFailure,
  ChildWorkflowFailure,
  isCancellation,
  StrataFailure,
  StrataFailure as TemporalFailure,
  TerminatedFailure,
  TimeoutFailure,
  type WorkflowExecution,
  WorkflowExecutionAlreadyStartedError,
} from '../common/failure.js';
export {
  defineSearchAttributeKey,
  type SearchAttributeKey,
  type SearchAttributePair,
  type SearchAttributes,
  SearchAttributeType,
  type SearchAttributeUpdatePair,
  type SearchAttributeValue,
  TypedSearchAttributes,
} from '../common/search-attributes.js';
export type { VersioningBehavior } from '../common/versioning.js';
export type { WithWorkflowArgs, Workflow, WorkflowResultType } from '../common/workflow-types.js';
export {
  type ActivityInterfaceFor,
  type ActivityOptions,
  proxyActivities,
  type RetryPolicy,
} from './activities.js';
export { ActivityCancellationType } from './activity-cancellation.js';
export { CancellationScope, type CancellationScopeOptions } from './cancellation-scope.js';
export {
  ChildWorkflowCancellationType,
  type ChildWorkflowHandle,
  type ChildWorkflowOptions,
  executeChild,
  ParentClosePolicy,
  startChild,
} from './child-workflows.js';
export {
  ContinueAsNew,
  type ContinueAsNewOptions,
  continueAsNew,
  makeContinueAsNewFunc,
} from './continue-as-new.js';
export { DeterminismViolationError, NotInWorkflowError } from './errors.js';
export { type ExternalWorkflowHandle, getExternalWorkflowHandle } from './external-workflows.js';
export { allHandlersFinished, HandlerUnfinishedPolicy } from './handler-executions.js';
export {
  defineQuery,
  defineSignal,
  type Handler,
  type QueryDefinition,
  type QueryHandlerOptions,
  type SignalDefinition,
  type SignalHandlerOptions,
  setDefaultSignalHandler,
  setHandler,
} from './handlers.js';
export { type ParentWorkflowInfo, uuid4, type WorkflowInfo, workflowInfo } from './info.js';
export { type LocalActivityOptions, proxyLocalActivities } from './local-activities.js';
export { type LogAttributes, log, type WorkflowLogger } from './logger.js';
export { deprecatePatch, patched } from './patches.js';
export { upsertMemo, upsertSearchAttributes } from './search-attributes.js';
export { condition, sleep } from './timers.js';
export {
  currentUpdateInfo,
  defineUpdate,
  setDefaultUpdateHandler,
  type UpdateDefinition,
  type UpdateHandlerOptions,
  type UpdateInfo,
  type UpdateValidator,
} from './updates.js';
export { setWorkflowOptions, type WorkflowDefinitionOptions } from './workflow-options.js';
