/**
 * The batch operation RPCs: StartBatchOperation records a batch (and, for an explicit list, its
 * executions) in one transaction and leaves the work to the BatchRunner; Describe, List and Stop read
 * and close the batch's row.
 */
import { create, equals, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  BatchOperationState,
  type DescribeBatchOperationRequest,
  type DescribeBatchOperationResponse,
  DescribeBatchOperationResponseSchema,
  type ListBatchOperationsRequest,
  type ListBatchOperationsResponse,
  ListBatchOperationsResponseSchema,
  type StartBatchOperationRequest,
  StartBatchOperationRequestSchema,
  type StopBatchOperationRequest,
} from '../../gen/strata/v1/batch_pb.js';
import type { BatchOperationRecord } from '../../store/batch-operations.js';
import type { EngineCore } from '../engine-core.js';
import { EngineError, invalidArgument } from '../errors.js';
import { parseQuery, readListPage } from '../read-api.js';
import { requireField, requireNonNegative } from '../validation.js';
import { batchOperationOf } from './operations.js';

/** How many failures Describe shows. */
const shownFailures = 20;
const maxJobIdLength = 255;

export function batchNotFound(namespace: string, jobId: string): EngineError {
  return new EngineError({
    code: 'BATCH_NOT_FOUND',
    kind: 'not_found',
    message: `no batch operation with job id "${jobId}" in namespace "${namespace}"; see them with \`strata batch list\``,
  });
}

/**
 * Records a new batch. A second start with the same job id and the same request is accepted and changes
 * nothing (a client may resend a start whose answer it lost); with a different request it is refused.
 */
export async function startBatchOperation(
  core: EngineCore,
  request: StartBatchOperationRequest,
): Promise<void> {
  const namespace = core.checkNamespace(request.namespace);
  const jobId = requireField(request.jobId, 'job_id');
  if (jobId.length > maxJobIdLength) {
    throw invalidArgument(`job_id is ${jobId.length} characters long; at most ${maxJobIdLength} are allowed`);
  }
  requireNonNegative(request.maxOperationsPerSecond, 'max_operations_per_second');
  const operation = batchOperationOf(request);
  const query = request.visibilityQuery.trim();
  if (query !== '' && request.executions.length > 0) {
    throw invalidArgument('give either visibility_query or executions, not both');
  }
  if (query === '' && request.executions.length === 0) {
    throw invalidArgument(
      'visibility_query is required (or a list of executions); to choose every running workflow use \'ExecutionStatus = "Running"\'',
    );
  }
  // A bad query fails the start, not the batch later.
  if (query !== '') await parseQuery(core, namespace, query);
  for (const [index, execution] of request.executions.entries()) {
    requireField(execution.workflowId, `executions[${index}].workflow_id`);
  }
  const stored = create(StartBatchOperationRequestSchema, { ...request, namespace, visibilityQuery: query });
  await core.transact(async (tx) => {
    const inserted = await tx.insertBatchOperation({
      namespace,
      jobId,
      operationType: operation.type,
      request: toBinary(StartBatchOperationRequestSchema, stored),
      state: BatchOperationState.RUNNING,
      startTimeMs: core.clock.nowMs(),
    });
    if (!inserted) {
      const existing = await tx.getBatchOperation(namespace, jobId);
      if (existing && equals(StartBatchOperationRequestSchema, storedRequest(existing), stored)) return;
      throw new EngineError({
        code: 'BATCH_ALREADY_EXISTS',
        kind: 'already_exists',
        message: `a batch operation with job id "${jobId}" already exists in namespace "${namespace}"; choose another job id`,
      });
    }
    if (request.executions.length > 0) {
      const targets = request.executions.map((execution) => ({
        workflowId: execution.workflowId,
        runId: execution.runId,
      }));
      await tx.addBatchItems(namespace, jobId, targets, { listCursor: '', listed: true });
    }
  });
}

export function storedRequest(record: BatchOperationRecord): StartBatchOperationRequest {
  return fromBinary(StartBatchOperationRequestSchema, record.request);
}

export async function describeBatchOperation(
  core: EngineCore,
  request: DescribeBatchOperationRequest,
): Promise<DescribeBatchOperationResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const jobId = requireField(request.jobId, 'job_id');
  const record = await core.store.getBatchOperation(namespace, jobId);
  if (!record) throw batchNotFound(namespace, jobId);
  const start = storedRequest(record);
  const failures = await core.store.batchItems(namespace, jobId, 'failed', 0, shownFailures);
  return create(DescribeBatchOperationResponseSchema, {
    operationType: record.operationType,
    jobId,
    state: record.state,
    startTimeMs: record.startTimeMs,
    closeTimeMs: record.closeTimeMs,
    totalOperationCount: record.totalCount,
    completeOperationCount: record.completedCount,
    failureOperationCount: record.failedCount,
    identity: identityOf(start),
    reason: start.reason,
    visibilityQuery: start.visibilityQuery,
    closeReason: record.closeReason,
    failures: failures.map((item) => ({
      execution: { workflowId: item.workflowId, runId: item.runId },
      message: item.error ?? '',
    })),
  });
}

function identityOf(request: StartBatchOperationRequest): string {
  return request.operation.case === undefined ? '' : request.operation.value.identity;
}

export async function listBatchOperations(
  core: EngineCore,
  request: ListBatchOperationsRequest,
): Promise<ListBatchOperationsResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const pageSize = request.pageSize > 0 ? Math.min(request.pageSize, 1000) : core.limits.listPageSize;
  const page = await readListPage(request.nextPageToken, (cursor) =>
    core.store.listBatchOperations(namespace, pageSize, cursor),
  );
  return create(ListBatchOperationsResponseSchema, {
    operationInfo: page.records.map((record) => ({
      jobId: record.jobId,
      state: record.state,
      startTimeMs: record.startTimeMs,
      closeTimeMs: record.closeTimeMs,
      operationType: record.operationType,
      totalOperationCount: record.totalCount,
      completeOperationCount: record.completedCount,
      failureOperationCount: record.failedCount,
    })),
    nextPageToken: page.nextCursor ? Buffer.from(page.nextCursor) : new Uint8Array(),
  });
}

/** Stops a running batch: no execution is changed after this commits; those changed stay changed. */
export async function stopBatchOperation(
  core: EngineCore,
  request: StopBatchOperationRequest,
): Promise<void> {
  const namespace = core.checkNamespace(request.namespace);
  const jobId = requireField(request.jobId, 'job_id');
  const reason = requireField(request.reason, 'reason');
  await core.transact(async (tx) => {
    const record = await tx.getBatchOperation(namespace, jobId);
    if (!record) throw batchNotFound(namespace, jobId);
    const closed = await tx.closeBatchOperation(namespace, jobId, {
      state: BatchOperationState.TERMINATED,
      closeTimeMs: core.clock.nowMs(),
      closeReason: request.identity ? `${reason} (stopped by ${request.identity})` : reason,
    });
    if (!closed) {
      throw new EngineError({
        code: 'BATCH_NOT_RUNNING',
        kind: 'failed_precondition',
        message: `batch operation "${jobId}" is ${BatchOperationState[record.state]}, not running; only a running batch can be stopped`,
      });
    }
  });
}
