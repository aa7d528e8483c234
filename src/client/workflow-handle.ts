/**
 * The handle to one workflow execution: what `start` and `getHandle` return.
 */
import type { History } from '../gen/strata/v1/history_pb.js';
import type { WorkflowExecutionDescription } from './description.js';
import type {
  QueryDefinition,
  SignalDefinition,
  UntypedWorkflow,
  Workflow,
  WorkflowResultType,
} from './types.js';

/**
 * Talks to one workflow execution. Without a `runId` it targets the workflow id's latest run.
 *
 * @example
 * const handle = client.workflow.getHandle('order-42');
 * await handle.signal(approveSignal, 'alice');
 * console.log((await handle.describe()).status.name);
 */
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
  /** Requests cancellation; the workflow decides how to react (it is not forced to stop). */
  cancel(reason?: string): Promise<void>;
  /** Stops the workflow at once, without running any more of its code. */
  terminate(reason?: string): Promise<void>;
  /** Status, type, times, pending activities and the pending workflow task's last failure. */
  describe(): Promise<WorkflowExecutionDescription>;
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
