/**
 * The rows of the batch tables as both adapters read them, and the state numbers their SQL uses, so the
 * two adapters cannot disagree on them.
 */
import type { BatchItem, BatchOperationRecord } from './batch-operations.js';

/** BatchOperationState.RUNNING: only running batches change. */
export const BATCH_RUNNING = 1;
export const ITEM_PENDING = 0;
export const ITEM_COMPLETED = 1;
export const ITEM_FAILED = 2;

export interface BatchRow {
  namespace: string;
  job_id: string;
  operation_type: number;
  request: Uint8Array;
  state: number;
  start_time_ms: number;
  close_time_ms: number;
  close_reason: string;
  total_count: number;
  completed_count: number;
  failed_count: number;
  list_cursor: string;
  /** SQLite has no booleans: 0 or 1 there. */
  listed: boolean | number;
  owner: string;
  lease_expires_ms: number;
}

export function toBatchRecord(row: BatchRow): BatchOperationRecord {
  return {
    namespace: row.namespace,
    jobId: row.job_id,
    operationType: row.operation_type,
    request: new Uint8Array(row.request),
    state: row.state,
    startTimeMs: row.start_time_ms,
    closeTimeMs: row.close_time_ms,
    closeReason: row.close_reason,
    totalCount: row.total_count,
    completedCount: row.completed_count,
    failedCount: row.failed_count,
    listCursor: row.list_cursor,
    listed: Boolean(row.listed),
    owner: row.owner,
    leaseExpiresMs: row.lease_expires_ms,
  };
}

export interface BatchItemRow {
  seq: number;
  workflow_id: string;
  run_id: string;
  error: string;
}

/** An item row; the error only for the failed items. */
export function toBatchItem(row: BatchItemRow, which: 'pending' | 'failed'): BatchItem {
  return {
    seq: row.seq,
    workflowId: row.workflow_id,
    runId: row.run_id,
    ...(which === 'failed' ? { error: row.error } : {}),
  };
}
