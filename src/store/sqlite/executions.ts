import type Database from 'better-sqlite3';
import {
  ConcurrencyConflictError,
  ExecutionAlreadyRunningError,
  type ExecutionRecord,
  type ExecutionUpdate,
  type NewExecution,
} from '../store.js';

export interface ExecutionRow {
  namespace: string;
  run_id: string;
  workflow_id: string;
  workflow_type: string;
  task_queue: string;
  status: number;
  start_time_ms: number;
  close_time_ms: number;
  history_length: number;
  busy: number;
  start_request_id: string;
  version: number;
  state: string;
}

export function toExecutionRecord(row: ExecutionRow): ExecutionRecord {
  return {
    namespace: row.namespace,
    runId: row.run_id,
    workflowId: row.workflow_id,
    workflowType: row.workflow_type,
    taskQueue: row.task_queue,
    status: row.status,
    startTimeMs: row.start_time_ms,
    closeTimeMs: row.close_time_ms,
    historyLength: row.history_length,
    busy: row.busy === 1,
    startRequestId: row.start_request_id,
    version: row.version,
    state: row.state,
  };
}

/** Reads and writes of the executions table; the version check is the optimistic lock. */
export class ExecutionsTable {
  private readonly getStmt: Database.Statement<[string, string], ExecutionRow>;
  private readonly runningStmt: Database.Statement<[string, string], ExecutionRow>;
  private readonly latestStmt: Database.Statement<[string, string], ExecutionRow>;
  private readonly insertStmt: Database.Statement;
  private readonly updateStmt: Database.Statement;
  private readonly busyStmt: Database.Statement<[], { one: number }>;

  constructor(db: Database.Database) {
    this.getStmt = db.prepare('SELECT * FROM executions WHERE namespace = ? AND run_id = ?');
    // Two simple statements, each served by an index; one ORDER BY over (status = 1) made SQLite
    // scan the whole namespace.
    this.runningStmt = db.prepare(
      'SELECT * FROM executions WHERE namespace = ? AND workflow_id = ? AND status = 1',
    );
    this.latestStmt = db.prepare(
      'SELECT * FROM executions WHERE namespace = ? AND workflow_id = ? ORDER BY start_time_ms DESC, rowid DESC LIMIT 1',
    );
    this.insertStmt = db.prepare(
      `INSERT INTO executions (namespace, run_id, workflow_id, workflow_type, task_queue, status,
         start_time_ms, close_time_ms, history_length, busy, start_request_id, version, state)
       VALUES (@namespace, @runId, @workflowId, @workflowType, @taskQueue, @status,
         @startTimeMs, @closeTimeMs, @historyLength, @busy, @startRequestId, 1, @state)`,
    );
    this.updateStmt = db.prepare(
      `UPDATE executions SET status = @status, close_time_ms = @closeTimeMs, history_length = @historyLength,
         busy = @busy, state = @state, version = version + 1
       WHERE namespace = @namespace AND run_id = @runId AND version = @expectedVersion`,
    );
    this.busyStmt = db.prepare('SELECT 1 AS one FROM executions WHERE busy = 1 AND status = 1 LIMIT 1');
  }

  get(namespace: string, runId: string): ExecutionRecord | undefined {
    const row = this.getStmt.get(namespace, runId);
    return row ? toExecutionRecord(row) : undefined;
  }

  findLatest(namespace: string, workflowId: string): ExecutionRecord | undefined {
    // The running run wins; otherwise the most recently started one.
    const row = this.runningStmt.get(namespace, workflowId) ?? this.latestStmt.get(namespace, workflowId);
    return row ? toExecutionRecord(row) : undefined;
  }

  insert(execution: NewExecution): void {
    try {
      this.insertStmt.run({
        namespace: execution.namespace,
        runId: execution.runId,
        workflowId: execution.workflowId,
        workflowType: execution.workflowType,
        taskQueue: execution.taskQueue,
        status: execution.status,
        startTimeMs: execution.startTimeMs,
        closeTimeMs: execution.closeTimeMs,
        historyLength: execution.historyLength,
        busy: execution.busy ? 1 : 0,
        startRequestId: execution.startRequestId,
        state: execution.state,
      });
    } catch (error) {
      if (error instanceof Error && 'code' in error && String(error.code).startsWith('SQLITE_CONSTRAINT')) {
        throw new ExecutionAlreadyRunningError(execution.namespace, execution.workflowId);
      }
      throw error;
    }
  }

  update(update: ExecutionUpdate): number {
    const result = this.updateStmt.run({
      namespace: update.namespace,
      runId: update.runId,
      expectedVersion: update.expectedVersion,
      status: update.status,
      closeTimeMs: update.closeTimeMs,
      historyLength: update.historyLength,
      busy: update.busy ? 1 : 0,
      state: update.state,
    });
    if (result.changes !== 1) {
      throw new ConcurrencyConflictError(update.namespace, update.runId, update.expectedVersion);
    }
    return update.expectedVersion + 1;
  }

  hasBusy(): boolean {
    return this.busyStmt.get() !== undefined;
  }
}
