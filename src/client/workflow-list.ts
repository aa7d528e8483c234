/**
 * What `client.workflow.list()` returns: the listed executions, and Temporal's `intoHistories()`, which turns them
 * into the histories `Worker.runReplayHistories` replays, e.g. every running workflow before a deploy.
 */
import type { History } from '../gen/strata/v1/history_pb.js';
import type { WorkflowExecutionInfo } from './description.js';

/** Options of {@link AsyncWorkflowListIterable.intoHistories}. */
export interface IntoHistoriesOptions {
  /**
   * Histories fetched at the same time; they are yielded in list order.
   * @default 5
   */
  concurrency?: number;
}

/** One listed execution's full history, as `Worker.runReplayHistories` takes it. */
export interface HistoryAndWorkflowId {
  workflowId: string;
  history: History;
}

/**
 * The executions a visibility query matches, fetched page by page as the iteration goes.
 *
 * @example
 * const histories = client.workflow.list({ query: 'ExecutionStatus = "Running"' }).intoHistories();
 * for await (const result of Worker.runReplayHistories({ workflowsPath }, histories)) {
 *   if (result.error) console.error(result.workflowId, result.error.message);
 * }
 */
export interface AsyncWorkflowListIterable extends AsyncIterable<WorkflowExecutionInfo> {
  /** The full history of each listed execution (the run listed, not the latest run of its id). */
  intoHistories(options?: IntoHistoriesOptions): AsyncIterable<HistoryAndWorkflowId>;
}

export function workflowListIterable(
  executions: () => AsyncIterable<WorkflowExecutionInfo>,
  fetchHistory: (workflowId: string, runId: string) => Promise<History>,
): AsyncWorkflowListIterable {
  return {
    [Symbol.asyncIterator]: () => executions()[Symbol.asyncIterator](),
    intoHistories: (options = {}) => fetchInOrder(executions(), fetchHistory, options.concurrency ?? 5),
  };
}

async function* fetchInOrder(
  executions: AsyncIterable<WorkflowExecutionInfo>,
  fetchHistory: (workflowId: string, runId: string) => Promise<History>,
  concurrency: number,
): AsyncGenerator<HistoryAndWorkflowId> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new TypeError(
      `[INVALID_ARGUMENT] intoHistories concurrency must be a positive integer, got ${concurrency}`,
    );
  }
  const inFlight: Promise<HistoryAndWorkflowId>[] = [];
  for await (const { workflowId, runId } of executions) {
    const fetching = fetchHistory(workflowId, runId).then((history) => ({ workflowId, history }));
    // Awaited in order below; until then a rejection must not count as unhandled.
    fetching.catch(() => undefined);
    inFlight.push(fetching);
    if (inFlight.length >= concurrency) yield await inFlight.shift()!;
  }
  while (inFlight.length > 0) yield await inFlight.shift()!;
}
