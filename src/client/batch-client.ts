/**
 * `client.batch`: durable batch operations. The server applies one operation (terminate, cancel,
 * signal, update options) to every running workflow a visibility query matches, or to a list of workflows, in the
 * background; a batch survives server restarts and can be stopped. These wrap Temporal's
 * `StartBatchOperation`, `DescribeBatchOperation`, `ListBatchOperations` and `StopBatchOperation` calls,
 * which are also reachable as `connection.workflowService.*`.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { valuesToPayloads } from '../common/payload-proto.js';
import type { VersioningOverride } from '../common/versioning.js';
import {
  BatchOperationState,
  BatchOperationType,
  type DescribeBatchOperationResponse,
  type BatchOperationInfo as ProtoBatchOperationInfo,
  type StartBatchOperationRequestSchema,
} from '../gen/strata/v1/batch_pb.js';
import type { ResolvedClientOptions } from './client-options.js';
import type { WorkflowServiceClient } from './connection.js';
import { toClientError } from './errors.js';
import { callWithRetry } from './retry.js';
import type { SignalDefinition } from './types.js';
import { versioningOverrideToProto } from './versioning-override.js';

/** What a batch does to each workflow. */
export type BatchOperationAction =
  | { type: 'terminate' }
  | { type: 'cancel' }
  | { type: 'signal'; signal: SignalDefinition<unknown[]> | string; args?: unknown[] }
  /** Sets each workflow's versioning override (V5), or removes it with `null`. */
  | { type: 'updateOptions'; versioningOverride: VersioningOverride | null };

/** Which workflows a batch changes, and how. */
export interface StartBatchOperationOptions {
  /**
   * Visibility query choosing the workflows, e.g. `WorkflowType = "order"`. Only running workflows are
   * chosen, as the server reads them when the batch starts. Give either `query` or `executions`.
   */
  query?: string;
  /** An explicit list of workflows instead of a query; without `runId`, the workflow's latest run. */
  executions?: ReadonlyArray<{ workflowId: string; runId?: string }>;
  /**
   * The batch's id, unique in the namespace. Starting again with the same id and the same options
   * changes nothing; with other options it fails.
   * @default a random UUID
   */
  jobId?: string;
  /** Recorded in each workflow's history (terminate, cancel) and in the batch. */
  reason?: string;
  /**
   * At most this many workflows changed per second.
   * @default no limit
   */
  maxOperationsPerSecond?: number;
}

export type BatchOperationTypeName =
  | 'TERMINATE'
  | 'CANCEL'
  | 'SIGNAL'
  | 'UPDATE_EXECUTION_OPTIONS'
  | 'UNSPECIFIED';
export type BatchOperationStateName = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'TERMINATED' | 'UNSPECIFIED';

/** A batch in a list. */
export interface BatchOperationSummary {
  jobId: string;
  operationType: BatchOperationTypeName;
  state: BatchOperationStateName;
  startTime: Date;
  /** Absent while running. */
  closeTime?: Date;
  /** Workflows chosen so far (final once the query has been read to its end). */
  totalOperationCount: number;
  /** Workflows changed. */
  completeOperationCount: number;
  /** Workflows the operation failed on. */
  failureOperationCount: number;
}

/** One workflow a batch could not change, and why. */
export interface BatchOperationFailure {
  workflowId: string;
  runId: string;
  message: string;
}

/** A batch in detail, from {@link BatchClient.describe}. */
export interface BatchOperationDescription extends BatchOperationSummary {
  identity: string;
  reason: string;
  query: string;
  /** Why the batch failed or was stopped. */
  closeReason: string;
  /** The first failures, in the batch's order (at most 20). */
  failures: BatchOperationFailure[];
}

/** Options of {@link BatchClient.waitForCompletion}. */
export interface WaitForBatchOptions {
  /** Called with each description read while waiting. */
  onProgress?: (description: BatchOperationDescription) => void;
  /**
   * How often the batch is read.
   * @default 250
   */
  pollIntervalMs?: number;
}

type StartRequest = MessageInitShape<typeof StartBatchOperationRequestSchema>;

const typeNames: Record<BatchOperationType, BatchOperationTypeName> = {
  [BatchOperationType.UNSPECIFIED]: 'UNSPECIFIED',
  [BatchOperationType.TERMINATE]: 'TERMINATE',
  [BatchOperationType.CANCEL]: 'CANCEL',
  [BatchOperationType.SIGNAL]: 'SIGNAL',
  [BatchOperationType.UPDATE_EXECUTION_OPTIONS]: 'UPDATE_EXECUTION_OPTIONS',
};

const stateNames: Record<BatchOperationState, BatchOperationStateName> = {
  [BatchOperationState.UNSPECIFIED]: 'UNSPECIFIED',
  [BatchOperationState.RUNNING]: 'RUNNING',
  [BatchOperationState.COMPLETED]: 'COMPLETED',
  [BatchOperationState.FAILED]: 'FAILED',
  [BatchOperationState.TERMINATED]: 'TERMINATED',
};

function toSummary(info: ProtoBatchOperationInfo | DescribeBatchOperationResponse): BatchOperationSummary {
  return {
    jobId: info.jobId,
    operationType: typeNames[info.operationType] ?? 'UNSPECIFIED',
    state: stateNames[info.state] ?? 'UNSPECIFIED',
    startTime: new Date(info.startTimeMs),
    ...(info.closeTimeMs > 0 ? { closeTime: new Date(info.closeTimeMs) } : {}),
    totalOperationCount: info.totalOperationCount,
    completeOperationCount: info.completeOperationCount,
    failureOperationCount: info.failureOperationCount,
  };
}

/**
 * Starts, follows, lists and stops batch operations. Reached as `client.batch`.
 *
 * @example
 * const jobId = await client.batch.start({ type: 'terminate' }, { query: 'WorkflowType = "order"', reason: 'bad deploy' });
 * const done = await client.batch.waitForCompletion(jobId);
 * console.log(`${done.completeOperationCount} terminated, ${done.failureOperationCount} failed`);
 */
export class BatchClient {
  private readonly service: WorkflowServiceClient;
  private readonly namespace: string;
  private readonly identity: string;

  constructor(options: ResolvedClientOptions) {
    this.service = options.connection.workflowService;
    this.namespace = options.namespace;
    this.identity = options.identity;
  }

  /** Starts a batch on the server and returns its job id at once; the server does the work. */
  async start(action: BatchOperationAction, options: StartBatchOperationOptions): Promise<string> {
    const jobId = options.jobId ?? randomUUID();
    const request: StartRequest = {
      namespace: this.namespace,
      jobId,
      visibilityQuery: options.query ?? '',
      executions: (options.executions ?? []).map((execution) => ({
        workflowId: execution.workflowId,
        runId: execution.runId ?? '',
      })),
      reason: options.reason ?? '',
      maxOperationsPerSecond: options.maxOperationsPerSecond ?? 0,
      operation: this.operation(action),
    };
    // Safe to resend: the same job id and request is accepted once.
    await this.call(() => callWithRetry(() => this.service.startBatchOperation(request)));
    return jobId;
  }

  private operation(action: BatchOperationAction): StartRequest['operation'] {
    const identity = this.identity;
    switch (action.type) {
      case 'terminate':
        return { case: 'terminationOperation', value: { identity } };
      case 'cancel':
        return { case: 'cancellationOperation', value: { identity } };
      case 'signal': {
        const signal = typeof action.signal === 'string' ? action.signal : action.signal.name;
        const input = valuesToPayloads(action.args ?? [], `signal "${signal}" argument`);
        return { case: 'signalOperation', value: { signal, input, identity } };
      }
      case 'updateOptions': {
        const { versioningOverride } = action;
        return {
          case: 'updateWorkflowOptionsOperation',
          value: {
            identity,
            workflowExecutionOptions: {
              versioningOverride:
                versioningOverride === null
                  ? undefined
                  : versioningOverrideToProto(versioningOverride, 'versioningOverride'),
            },
            updatePaths: ['versioning_override'],
          },
        };
      }
      default: {
        const unknown: never = action;
        throw new TypeError(`[INVALID_ARGUMENT] unknown batch action ${JSON.stringify(unknown)}`);
      }
    }
  }

  async describe(jobId: string): Promise<BatchOperationDescription> {
    const response = await this.call(() =>
      callWithRetry(() => this.service.describeBatchOperation({ namespace: this.namespace, jobId })),
    );
    return {
      ...toSummary(response),
      identity: response.identity,
      reason: response.reason,
      query: response.visibilityQuery,
      closeReason: response.closeReason,
      failures: response.failures.map((failure) => ({
        workflowId: failure.execution?.workflowId ?? '',
        runId: failure.execution?.runId ?? '',
        message: failure.message,
      })),
    };
  }

  /** The namespace's batches, newest first, fetched page by page as the iteration goes. */
  async *list(options: { pageSize?: number } = {}): AsyncIterable<BatchOperationSummary> {
    let nextPageToken: Uint8Array = new Uint8Array();
    do {
      const token = nextPageToken;
      const page = await this.call(() =>
        callWithRetry(() =>
          this.service.listBatchOperations({
            namespace: this.namespace,
            pageSize: options.pageSize ?? 100,
            nextPageToken: token,
          }),
        ),
      );
      for (const info of page.operationInfo) yield toSummary(info);
      nextPageToken = page.nextPageToken;
    } while (nextPageToken.length > 0);
  }

  /** Stops a running batch: workflows it changed stay changed, no other is changed. */
  async stop(jobId: string, reason: string): Promise<void> {
    await this.call(() =>
      this.service.stopBatchOperation({ namespace: this.namespace, jobId, reason, identity: this.identity }),
    );
  }

  /** Reads the batch until it is no longer running and returns its last description. */
  async waitForCompletion(
    jobId: string,
    options: WaitForBatchOptions = {},
  ): Promise<BatchOperationDescription> {
    for (;;) {
      const description = await this.describe(jobId);
      options.onProgress?.(description);
      if (description.state !== 'RUNNING') return description;
      await sleep(options.pollIntervalMs ?? 250);
    }
  }

  private async call<R>(rpc: () => Promise<R>): Promise<R> {
    try {
      return await rpc();
    } catch (err) {
      throw toClientError(err);
    }
  }
}
