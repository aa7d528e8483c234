import type Database from 'better-sqlite3';
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

/** Batch operations and their items (migration 0003). */
export class BatchOperationsTable {
  private readonly insertStmt: Database.Statement;
  private readonly getStmt: Database.Statement<[string, string], BatchRow>;
  private readonly listStmt: Database.Statement<[string, number], BatchRow>;
  private readonly listAfterStmt: Database.Statement<[string, number, number, string, number], BatchRow>;
  private readonly runnableStmt: Database.Statement<[number, string, number, number], BatchRow>;
  private readonly lastSeqStmt: Database.Statement<[string, string], { seq: number | null }>;
  private readonly insertItemStmt: Database.Statement<[string, string, number, string, string]>;
  private readonly progressStmt: Database.Statement<[number, string, number, string, string, number]>;
  private readonly finishItemStmt: Database.Statement<[number, string, string, string, number, number]>;
  private readonly countStmt: Database.Statement<[number, number, string, string]>;
  private readonly closeStmt: Database.Statement<[number, number, string, string, string, number]>;
  private readonly leaseStmt: Database.Statement<[string, number, string, string, number, string, number]>;
  private readonly itemsStmt: Database.Statement<[string, string, number, number, number], BatchItemRow>;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT OR IGNORE INTO batch_operations (namespace, job_id, operation_type, request, state, start_time_ms)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.getStmt = db.prepare('SELECT * FROM batch_operations WHERE namespace = ? AND job_id = ?');
    this.listStmt = db.prepare(
      'SELECT * FROM batch_operations WHERE namespace = ? ORDER BY start_time_ms DESC, job_id DESC LIMIT ?',
    );
    this.listAfterStmt = db.prepare(
      `SELECT * FROM batch_operations WHERE namespace = ? AND (start_time_ms < ? OR (start_time_ms = ? AND job_id < ?))
       ORDER BY start_time_ms DESC, job_id DESC LIMIT ?`,
    );
    this.runnableStmt = db.prepare(
      `SELECT * FROM batch_operations WHERE state = ? AND (owner = ? OR lease_expires_ms < ?)
       ORDER BY start_time_ms LIMIT ?`,
    );
    this.lastSeqStmt = db.prepare(
      'SELECT MAX(seq) AS seq FROM batch_operation_items WHERE namespace = ? AND job_id = ?',
    );
    this.insertItemStmt = db.prepare(
      `INSERT OR IGNORE INTO batch_operation_items (namespace, job_id, seq, workflow_id, run_id)
       VALUES (?, ?, ?, ?, ?)`,
    );
    this.progressStmt = db.prepare(
      `UPDATE batch_operations SET total_count = total_count + ?, list_cursor = ?, listed = ?
       WHERE namespace = ? AND job_id = ? AND state = ?`,
    );
    this.finishItemStmt = db.prepare(
      `UPDATE batch_operation_items SET state = ?, error = ?
       WHERE namespace = ? AND job_id = ? AND seq = ? AND state = ?`,
    );
    this.countStmt = db.prepare(
      `UPDATE batch_operations SET completed_count = completed_count + ?, failed_count = failed_count + ?
       WHERE namespace = ? AND job_id = ?`,
    );
    this.closeStmt = db.prepare(
      `UPDATE batch_operations SET state = ?, close_time_ms = ?, close_reason = ?, owner = '', lease_expires_ms = 0
       WHERE namespace = ? AND job_id = ? AND state = ?`,
    );
    this.leaseStmt = db.prepare(
      `UPDATE batch_operations SET owner = ?, lease_expires_ms = ?
       WHERE namespace = ? AND job_id = ? AND state = ? AND (owner = ? OR lease_expires_ms < ?)`,
    );
    this.itemsStmt = db.prepare(
      `SELECT seq, workflow_id, run_id, error FROM batch_operation_items
       WHERE namespace = ? AND job_id = ? AND state = ? AND seq > ? ORDER BY seq LIMIT ?`,
    );
  }

  insert(batch: NewBatchOperation): boolean {
    return (
      this.insertStmt.run(
        batch.namespace,
        batch.jobId,
        batch.operationType,
        Buffer.from(batch.request),
        batch.state,
        batch.startTimeMs,
      ).changes === 1
    );
  }

  get(namespace: string, jobId: string): BatchOperationRecord | undefined {
    const row = this.getStmt.get(namespace, jobId);
    return row && toBatchRecord(row);
  }

  list(namespace: string, pageSize: number, cursor: string | undefined): BatchOperationPage {
    const after = cursor === undefined ? undefined : decodeListCursor(cursor);
    const rows = after
      ? this.listAfterStmt.all(namespace, Number(after.key), Number(after.key), after.runId, pageSize)
      : this.listStmt.all(namespace, pageSize);
    const last = rows.at(-1);
    return {
      records: rows.map(toBatchRecord),
      nextCursor:
        rows.length === pageSize && last
          ? encodeListCursor({ key: last.start_time_ms, runId: last.job_id })
          : undefined,
    };
  }

  runnable(owner: string, nowMs: number, limit: number): BatchOperationRecord[] {
    return this.runnableStmt.all(BATCH_RUNNING, owner, nowMs, limit).map(toBatchRecord);
  }

  addItems(
    namespace: string,
    jobId: string,
    targets: readonly BatchItemTarget[],
    progress: { listCursor: string; listed: boolean },
  ): number {
    let seq = this.lastSeqStmt.get(namespace, jobId)?.seq ?? 0;
    let added = 0;
    for (const target of targets) {
      if (this.insertItemStmt.run(namespace, jobId, seq + 1, target.workflowId, target.runId).changes === 1) {
        seq += 1;
        added += 1;
      }
    }
    this.progressStmt.run(
      added,
      progress.listCursor,
      progress.listed ? 1 : 0,
      namespace,
      jobId,
      BATCH_RUNNING,
    );
    return added;
  }

  finishItem(namespace: string, jobId: string, seq: number, outcome: BatchItemOutcome): boolean {
    const batch = this.getStmt.get(namespace, jobId);
    if (batch?.state !== BATCH_RUNNING) return false;
    const state = outcome.failed ? ITEM_FAILED : ITEM_COMPLETED;
    const error = outcome.failed ? outcome.error : '';
    if (this.finishItemStmt.run(state, error, namespace, jobId, seq, ITEM_PENDING).changes !== 1)
      return false;
    this.countStmt.run(outcome.failed ? 0 : 1, outcome.failed ? 1 : 0, namespace, jobId);
    return true;
  }

  close(
    namespace: string,
    jobId: string,
    close: { state: number; closeTimeMs: number; closeReason: string },
  ): boolean {
    return (
      this.closeStmt.run(close.state, close.closeTimeMs, close.closeReason, namespace, jobId, BATCH_RUNNING)
        .changes === 1
    );
  }

  lease(namespace: string, jobId: string, owner: string, nowMs: number, untilMs: number): boolean {
    return this.leaseStmt.run(owner, untilMs, namespace, jobId, BATCH_RUNNING, owner, nowMs).changes === 1;
  }

  items(
    namespace: string,
    jobId: string,
    which: 'pending' | 'failed',
    afterSeq: number,
    limit: number,
  ): BatchItem[] {
    const state = which === 'pending' ? ITEM_PENDING : ITEM_FAILED;
    return this.itemsStmt.all(namespace, jobId, state, afterSeq, limit).map((row) => toBatchItem(row, which));
  }
}
