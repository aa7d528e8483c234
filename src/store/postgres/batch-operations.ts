import type {
  BatchItem,
  BatchItemOutcome,
  BatchItemTarget,
  BatchOperationPage,
  BatchOperationRecord,
  NewBatchOperation,
} from '../batch-operations.js';
import {
  BATCH_RUNNING,
  type BatchItemRow,
  type BatchRow,
  ITEM_COMPLETED,
  ITEM_FAILED,
  ITEM_PENDING,
  toBatchItem,
  toBatchRecord,
} from '../batch-rows.js';
import { decodeListCursor, encodeListCursor } from '../list-cursor.js';
import { type Queryable, runPrepared } from './queryable.js';

/** Batch operations and their items (migration 0003). */

export async function insertBatchOperation(db: Queryable, batch: NewBatchOperation): Promise<boolean> {
  const result = await runPrepared(
    db,
    `INSERT INTO batch_operations (namespace, job_id, operation_type, request, state, start_time_ms)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [
      batch.namespace,
      batch.jobId,
      batch.operationType,
      Buffer.from(batch.request),
      batch.state,
      batch.startTimeMs,
    ],
  );
  return result.rowCount === 1;
}

export async function getBatchOperation(
  db: Queryable,
  namespace: string,
  jobId: string,
): Promise<BatchOperationRecord | undefined> {
  const result = await runPrepared<BatchRow>(
    db,
    'SELECT * FROM batch_operations WHERE namespace = $1 AND job_id = $2',
    [namespace, jobId],
  );
  const row = result.rows[0];
  return row && toBatchRecord(row);
}

export async function listBatchOperations(
  db: Queryable,
  namespace: string,
  pageSize: number,
  cursor: string | undefined,
): Promise<BatchOperationPage> {
  const after = cursor === undefined ? undefined : decodeListCursor(cursor);
  const result = after
    ? await runPrepared<BatchRow>(
        db,
        `SELECT * FROM batch_operations WHERE namespace = $1 AND (start_time_ms, job_id) < ($2, $3)
         ORDER BY start_time_ms DESC, job_id DESC LIMIT $4`,
        [namespace, Number(after.key), after.runId, pageSize],
      )
    : await runPrepared<BatchRow>(
        db,
        'SELECT * FROM batch_operations WHERE namespace = $1 ORDER BY start_time_ms DESC, job_id DESC LIMIT $2',
        [namespace, pageSize],
      );
  const last = result.rows.at(-1);
  return {
    records: result.rows.map(toBatchRecord),
    nextCursor:
      result.rows.length === pageSize && last
        ? encodeListCursor({ key: last.start_time_ms, runId: last.job_id })
        : undefined,
  };
}

export async function runnableBatchOperations(
  db: Queryable,
  owner: string,
  nowMs: number,
  limit: number,
): Promise<BatchOperationRecord[]> {
  const result = await runPrepared<BatchRow>(
    db,
    `SELECT * FROM batch_operations WHERE state = $1 AND (owner = $2 OR lease_expires_ms < $3)
     ORDER BY start_time_ms LIMIT $4`,
    [BATCH_RUNNING, owner, nowMs, limit],
  );
  return result.rows.map(toBatchRecord);
}

/** Appends in one statement; a run already listed is skipped (its seq stays unused: only order matters). */
export async function addBatchItems(
  db: Queryable,
  namespace: string,
  jobId: string,
  targets: readonly BatchItemTarget[],
  progress: { listCursor: string; listed: boolean },
): Promise<number> {
  const last = await runPrepared<{ seq: number | null }>(
    db,
    'SELECT MAX(seq) AS seq FROM batch_operation_items WHERE namespace = $1 AND job_id = $2',
    [namespace, jobId],
  );
  const inserted = await runPrepared(
    db,
    `INSERT INTO batch_operation_items (namespace, job_id, seq, workflow_id, run_id)
     SELECT $1, $2, $3 + t.ord, t.workflow_id, t.run_id
     FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS t(workflow_id, run_id, ord)
     ON CONFLICT DO NOTHING`,
    [
      namespace,
      jobId,
      last.rows[0]?.seq ?? 0,
      targets.map((target) => target.workflowId),
      targets.map((target) => target.runId),
    ],
  );
  const added = inserted.rowCount ?? 0;
  await runPrepared(
    db,
    `UPDATE batch_operations SET total_count = total_count + $1, list_cursor = $2, listed = $3
     WHERE namespace = $4 AND job_id = $5 AND state = $6`,
    [added, progress.listCursor, progress.listed, namespace, jobId, BATCH_RUNNING],
  );
  return added;
}

/**
 * Counts first: the UPDATE locks the batch row and re-reads its state, so an item is never recorded
 * after a StopBatchOperation committed; the caller rolls back when the item was not pending.
 */
export async function finishBatchItem(
  db: Queryable,
  namespace: string,
  jobId: string,
  seq: number,
  outcome: BatchItemOutcome,
): Promise<boolean> {
  const counted = await runPrepared(
    db,
    `UPDATE batch_operations SET completed_count = completed_count + $1, failed_count = failed_count + $2
     WHERE namespace = $3 AND job_id = $4 AND state = $5`,
    [outcome.failed ? 0 : 1, outcome.failed ? 1 : 0, namespace, jobId, BATCH_RUNNING],
  );
  if (counted.rowCount !== 1) return false;
  const finished = await runPrepared(
    db,
    `UPDATE batch_operation_items SET state = $1, error = $2
     WHERE namespace = $3 AND job_id = $4 AND seq = $5 AND state = $6`,
    [
      outcome.failed ? ITEM_FAILED : ITEM_COMPLETED,
      outcome.failed ? outcome.error : '',
      namespace,
      jobId,
      seq,
      ITEM_PENDING,
    ],
  );
  return finished.rowCount === 1;
}

export async function closeBatchOperation(
  db: Queryable,
  namespace: string,
  jobId: string,
  close: { state: number; closeTimeMs: number; closeReason: string },
): Promise<boolean> {
  const result = await runPrepared(
    db,
    `UPDATE batch_operations SET state = $1, close_time_ms = $2, close_reason = $3, owner = '', lease_expires_ms = 0
     WHERE namespace = $4 AND job_id = $5 AND state = $6`,
    [close.state, close.closeTimeMs, close.closeReason, namespace, jobId, BATCH_RUNNING],
  );
  return result.rowCount === 1;
}

export async function leaseBatchOperation(
  db: Queryable,
  namespace: string,
  jobId: string,
  owner: string,
  nowMs: number,
  untilMs: number,
): Promise<boolean> {
  const result = await runPrepared(
    db,
    `UPDATE batch_operations SET owner = $1, lease_expires_ms = $2
     WHERE namespace = $3 AND job_id = $4 AND state = $5 AND (owner = $1 OR lease_expires_ms < $6)`,
    [owner, untilMs, namespace, jobId, BATCH_RUNNING, nowMs],
  );
  return result.rowCount === 1;
}

export async function batchItems(
  db: Queryable,
  namespace: string,
  jobId: string,
  which: 'pending' | 'failed',
  afterSeq: number,
  limit: number,
): Promise<BatchItem[]> {
  const result = await runPrepared<BatchItemRow>(
    db,
    `SELECT seq, workflow_id, run_id, error FROM batch_operation_items
     WHERE namespace = $1 AND job_id = $2 AND state = $3 AND seq > $4 ORDER BY seq LIMIT $5`,
    [namespace, jobId, which === 'pending' ? ITEM_PENDING : ITEM_FAILED, afterSeq, limit],
  );
  return result.rows.map((row) => toBatchItem(row, which));
}
