/**
 * The handle to one workflow execution: what `start` and `getHandle` return.
 */
import type { VersioningOverride } from '../common/versioning.js';
import type { History } from '../gen/strata/v1/history_pb.js';
import type { WorkflowExecutionDescription } from './description.js';
import type {
  QueryDefinition,
  SignalDefinition,
  UntypedWorkflow,
  UpdateDefinition,
  Workflow,
  WorkflowResultType,
} from './types.js';
import type {
  WorkflowStartUpdateOptions,
  WorkflowUpdateHandle,
  WorkflowUpdateOptions,
} from './update-handle.js';

/**
 * Talks to one workflow execution. Without a `runId` it targets the workflow id's latest run.
 *
 * @example
 * const handle = client.workflow.getHandle('order-42');
 * await handle.signal(approveSignal, 'alice');
 * console.log((await handle.describe()).status.name);
 */
/** What {@link WorkflowHandle.updateOptions} changes. */
export interface WorkflowExecutionOptionsUpdate {
  /** The override to set, or `null` to remove it. */
  versioningOverride: VersioningOverride | null;
}

/** A workflow's changeable options, as in effect after {@link WorkflowHandle.updateOptions}. */
export interface WorkflowExecutionOptions {
  /** Undefined when no override is set. */
  versioningOverride?: VersioningOverride;
}

export interface WorkflowHandle<W extends Workflow = UntypedWorkflow> {
  readonly workflowId: string;
  /** The run this handle is bound to; `undefined` targets the latest run. */
  readonly runId: string | undefined;
  /**
   * Waits for the workflow to close and returns its result, following continue-as-new to the last run.
   * Throws {@link WorkflowFailedError} when it failed, was cancelled, terminated or timed out.
   */
  result(): Promise<WorkflowResultType<W>>;
  /** Sends a signal, named by its definition (`defineSignal`) or by name. */
  signal<Args extends unknown[] = []>(def: SignalDefinition<Args> | string, ...args: Args): Promise<void>;
  /** Asks the workflow a question; answered by its query handler without changing its history. */
  query<Ret = unknown, Args extends unknown[] = []>(
    def: QueryDefinition<Ret, Args> | string,
    ...args: Args
  ): Promise<Ret>;
  /**
   * Sends an update and waits for its handler's result. Throws {@link WorkflowUpdateFailedError} when the
   * workflow's validator rejected it or the handler threw a failure (the reason is in `cause`), and
   * {@link WorkflowNotFoundError} when the workflow is closed.
   *
   * @example
   * const count = await handle.executeUpdate(addItem, { args: ['apple'] });
   */
  executeUpdate<Ret, Args extends [unknown, ...unknown[]], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options: WorkflowUpdateOptions & { args: Args | Readonly<Args> },
  ): Promise<Ret>;
  executeUpdate<Ret, Args extends [] = [], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options?: WorkflowUpdateOptions & { args?: Args | Readonly<Args> },
  ): Promise<Ret>;
  /**
   * Sends an update and returns once the workflow accepted (or rejected) it; `result()` of the handle waits for
   * the handler.
   *
   * @example
   * const update = await handle.startUpdate(addItem, { args: ['apple'], waitForStage: WorkflowUpdateStage.ACCEPTED });
   * const count = await update.result();
   */
  startUpdate<Ret, Args extends [unknown, ...unknown[]], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options: WorkflowStartUpdateOptions & { args: Args | Readonly<Args> },
  ): Promise<WorkflowUpdateHandle<Ret>>;
  startUpdate<Ret, Args extends [] = [], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options: WorkflowStartUpdateOptions & { args?: Args | Readonly<Args> },
  ): Promise<WorkflowUpdateHandle<Ret>>;
  /** A handle to an update sent before, to wait for its result. No call is made until `result()`. */
  getUpdateHandle<Ret = unknown>(updateId: string): WorkflowUpdateHandle<Ret>;
  /** Requests cancellation; the workflow decides how to react (it is not forced to stop). */
  cancel(reason?: string): Promise<void>;
  /** Stops the workflow at once, without running any more of its code. */
  terminate(reason?: string): Promise<void>;
  /** Status, type, times, pending activities and the pending workflow task's last failure. */
  describe(): Promise<WorkflowExecutionDescription>;
  /**
   * Changes the workflow's options while it runs: `versioningOverride` pins it to a worker deployment
   * version (`{ pinnedTo: { deploymentName, buildId } }`) or makes it auto-upgrade (`'AUTO_UPGRADE'`);
   * `null` removes the override, restoring the behavior its code declares (V5). Takes effect at its next
   * workflow task; recorded in history (WorkflowExecutionOptionsUpdated) when it changes anything.
   * Resolves with the options in effect.
   *
   * @example
   * await handle.updateOptions({ versioningOverride: { pinnedTo: { deploymentName: 'orders', buildId: 'v1.2.1' } } });
   */
  updateOptions(options: WorkflowExecutionOptionsUpdate): Promise<WorkflowExecutionOptions>;
  /** The whole event history, all pages. */
  fetchHistory(): Promise<History>;
}

/** What `start` returns: a handle that also knows the run id the start created. */
export interface WorkflowHandleWithFirstExecutionRunId<W extends Workflow = UntypedWorkflow>
  extends WorkflowHandle<W> {
  /** The run id created by the start; `result()` follows the chain of runs from it. */
  readonly firstExecutionRunId: string;
}

/** What `signalWithStart` returns. */
export interface WorkflowHandleWithSignaledRunId<W extends Workflow = UntypedWorkflow>
  extends WorkflowHandle<W> {
  /** The run that received the signal (new or already running). */
  readonly signaledRunId: string;
}
