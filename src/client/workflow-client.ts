import { randomUUID } from 'node:crypto';
import { encodeValue } from '../common/converter.js';
import { valuesToPayloads } from '../common/payload-proto.js';
import { encodeSearchAttributes } from '../common/search-attributes.js';
import { toProtoMemo, toProtoSearchAttributes } from '../common/search-attributes-proto.js';
import type { StartWorkflowExecutionRequest } from '../gen/strata/v1/service_pb.js';
import { type ClientOptions, resolveClientOptions } from './client-options.js';
import { toWorkflowExecutionInfo, type WorkflowExecutionInfo } from './description.js';
import { toClientError } from './errors.js';
import { startOptionFields } from './start-options.js';
import type {
  UntypedWorkflow,
  Workflow,
  WorkflowResultType,
  WorkflowSignalWithStartOptions,
  WorkflowStartOptions,
} from './types.js';
import { updateHandle, type WorkflowUpdateHandle } from './update-handle.js';
import type {
  WorkflowHandle,
  WorkflowHandleWithFirstExecutionRunId,
  WorkflowHandleWithSignaledRunId,
} from './workflow-handle.js';
import { type HandleContext, WorkflowHandleImpl } from './workflow-handle-impl.js';
import { type AsyncWorkflowListIterable, workflowListIterable } from './workflow-list.js';

/** Options of {@link WorkflowClient.list}. */
export interface ListOptions {
  /**
   * Visibility query, e.g. `WorkflowType = "order" AND ExecutionStatus = "Running"`.
   * @default every execution of the namespace
   */
  query?: string;
  /**
   * Executions fetched per request; iteration fetches further pages as needed.
   * @default 100
   */
  pageSize?: number;
}

/** Options of {@link WorkflowClient.getHandle}, as in Temporal's SDK. */
export interface GetWorkflowHandleOptions {
  /** The first run of the chain: `result()` starts there when the handle has no `runId`. */
  firstExecutionRunId?: string;
  /**
   * `result()` follows the chain of runs (continue-as-new, retries, cron) to the last one; with `false`
   * a run that continued as new throws `WorkflowContinuedAsNewError`.
   * @default true
   */
  followRuns?: boolean;
}

/** The result of {@link WorkflowClient.count}. */
export interface CountWorkflowExecution {
  count: number;
}

/**
 * Starts workflows and makes handles to them. Reached as `client.workflow`.
 *
 * @example
 * const result = await client.workflow.execute(greet, { taskQueue: 'hello', workflowId: 'greet-1', args: ['Ada'] });
 */
export class WorkflowClient {
  private readonly context: HandleContext;

  /** Usually reached as `client.workflow`; can also be created on its own, as in Temporal's SDK. */
  constructor(options: ClientOptions) {
    const { connection, namespace, identity } = resolveClientOptions(options);
    this.context = { service: connection.workflowService, namespace, identity };
  }

  /** Starts a workflow and returns its handle without waiting for it to run. */
  async start<W extends Workflow = UntypedWorkflow>(
    workflowTypeOrFunc: string | W,
    options: WorkflowStartOptions<W>,
  ): Promise<WorkflowHandleWithFirstExecutionRunId<W>> {
    const request = this.startRequest(workflowTypeOrFunc, options, 'start');
    try {
      const { runId } = await this.context.service.startWorkflowExecution(request);
      return new WorkflowHandleImpl<W>(this.context, {
        workflowId: options.workflowId,
        firstExecutionRunId: runId,
        followRuns: options.followRuns,
      });
    } catch (err) {
      throw toClientError(err, { workflowId: options.workflowId, workflowType: request.workflowType?.name });
    }
  }

  /** Starts a workflow and waits for its result; throws `WorkflowFailedError` when it does not complete. */
  async execute<W extends Workflow = UntypedWorkflow>(
    workflowTypeOrFunc: string | W,
    options: WorkflowStartOptions<W>,
  ): Promise<WorkflowResultType<W>> {
    const handle = await this.start(workflowTypeOrFunc, options);
    return handle.result();
  }

  /**
   * Sends a signal to the running workflow with this id, starting it first when none is running.
   */
  async signalWithStart<W extends Workflow = UntypedWorkflow, SignalArgs extends unknown[] = unknown[]>(
    workflowTypeOrFunc: string | W,
    options: WorkflowSignalWithStartOptions<W, SignalArgs>,
  ): Promise<WorkflowHandleWithSignaledRunId<W>> {
    const start = this.startRequest(workflowTypeOrFunc, options, 'signalWithStart');
    const signalName = typeof options.signal === 'string' ? options.signal : options.signal.name;
    try {
      const { runId } = await this.context.service.signalWithStartWorkflowExecution({
        start,
        signalName,
        signalInput: valuesToPayloads(options.signalArgs ?? [], `signal "${signalName}" argument`),
      });
      const handle = new WorkflowHandleImpl<W>(this.context, {
        workflowId: options.workflowId,
        followRuns: options.followRuns,
      });
      return Object.assign(handle, { signaledRunId: runId });
    } catch (err) {
      throw toClientError(err, { workflowId: options.workflowId, workflowType: start.workflowType?.name });
    }
  }

  /**
   * A handle to an existing workflow. No call is made until the handle is used.
   * @param runId targets one run; without it the handle targets the latest run of `workflowId`.
   * @param options `followRuns` (default true): `result()` follows continue-as-new, retries and cron runs
   *   to the last run; `firstExecutionRunId`: the chain's first run, where `result()` starts.
   */
  getHandle<W extends Workflow = UntypedWorkflow>(
    workflowId: string,
    runId?: string,
    options: GetWorkflowHandleOptions = {},
  ): WorkflowHandle<W> {
    return new WorkflowHandleImpl<W>(this.context, { workflowId, runId, ...options });
  }

  /**
   * A handle to an update sent before, by its id. No call is made until `result()`.
   * @param options.workflowRunId the run that received it; without it, the workflow id's latest run.
   */
  getUpdateHandle<Ret = unknown>(
    updateId: string,
    workflowId: string,
    options: { workflowRunId?: string } = {},
  ): WorkflowUpdateHandle<Ret> {
    return updateHandle<Ret>(this.context, updateId, { workflowId, runId: options.workflowRunId });
  }

  /**
   * Lists executions matching a visibility query, fetching pages as the iteration goes; `.intoHistories()` gives
   * their histories, for `Worker.runReplayHistories`.
   */
  list(options: ListOptions = {}): AsyncWorkflowListIterable {
    return workflowListIterable(
      () => this.listPages(options),
      (workflowId, runId) => this.getHandle(workflowId, runId).fetchHistory(),
    );
  }

  private async *listPages(options: ListOptions): AsyncIterable<WorkflowExecutionInfo> {
    let nextPageToken: Uint8Array = new Uint8Array();
    do {
      const token = nextPageToken;
      const page = await this.context.service
        .listWorkflowExecutions({
          namespace: this.context.namespace,
          query: options.query ?? '',
          pageSize: options.pageSize ?? 100,
          nextPageToken: token,
        })
        .catch((err: unknown) => {
          throw toClientError(err);
        });
      for (const raw of page.executions) yield toWorkflowExecutionInfo(raw);
      nextPageToken = page.nextPageToken;
    } while (nextPageToken.length > 0);
  }

  /** Counts executions matching a visibility query (all of the namespace's when omitted). */
  async count(query?: string): Promise<CountWorkflowExecution> {
    try {
      const { count } = await this.context.service.countWorkflowExecutions({
        namespace: this.context.namespace,
        query: query ?? '',
      });
      return { count };
    } catch (err) {
      throw toClientError(err);
    }
  }

  private startRequest<W extends Workflow>(
    workflowTypeOrFunc: string | W,
    options: WorkflowStartOptions<W>,
    operation: 'start' | 'signalWithStart',
  ): StartWorkflowExecutionRequest {
    const workflowType =
      typeof workflowTypeOrFunc === 'string' ? workflowTypeOrFunc : workflowTypeOrFunc.name;
    if (!workflowType) {
      throw new TypeError(
        '[INVALID_ARGUMENT] the workflow type is empty: pass a named function or a type name',
      );
    }
    if (!options.taskQueue) throw new TypeError('[INVALID_ARGUMENT] options.taskQueue is required');
    if (!options.workflowId) throw new TypeError('[INVALID_ARGUMENT] options.workflowId is required');
    return {
      $typeName: 'strata.v1.StartWorkflowExecutionRequest',
      namespace: this.context.namespace,
      workflowId: options.workflowId,
      workflowType: { $typeName: 'strata.v1.WorkflowType', name: workflowType },
      taskQueue: options.taskQueue,
      input: valuesToPayloads(options.args ?? [], `workflow "${workflowType}" argument`),
      ...startOptionFields(options, operation),
      identity: this.context.identity,
      requestId: randomUUID(),
      memo: options.memo
        ? toProtoMemo(
            Object.fromEntries(
              Object.entries(options.memo).map(([name, value]) => [
                name,
                encodeValue(value, `memo field "${name}"`),
              ]),
            ),
          )
        : undefined,
      searchAttributes:
        options.searchAttributes || options.typedSearchAttributes
          ? toProtoSearchAttributes(
              encodeSearchAttributes(options.searchAttributes, options.typedSearchAttributes),
            )
          : undefined,
    };
  }
}
