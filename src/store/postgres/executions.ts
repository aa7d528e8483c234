import {
  ConcurrencyConflictError,
  ExecutionAlreadyRunningError,
  type ExecutionRecord,
  type ExecutionUpdate,
  type NewExecution,
} from '../store.js';
import { sqlState, violatedConstraint } from './errors.js';
import { type Queryable, runPrepared } from './queryable.js';
import { writeExecution } from './writes.js';

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
  busy: boolean;
  start_request_id: string;
  version: number;
  state: string;
}

export const executionColumns = `namespace, run_id, workflow_id, workflow_type, task_queue, status, start_time_ms,
  close_time_ms, history_length, busy, start_request_id, version, state`;

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
    busy: row.busy,
    startRequestId: row.start_request_id,
    version: row.version,
    state: row.state,
  };
}

async function one(db: Queryable, text: string, values: unknown[]): Promise<ExecutionRecord | undefined> {
  const row = (await runPrepared<ExecutionRow>(db, text, values)).rows[0];
  return row ? toExecutionRecord(row) : undefined;
}

export function getExecution(
  db: Queryable,
  namespace: string,
  runId: string,
): Promise<ExecutionRecord | undefined> {
  return one(db, `SELECT ${executionColumns} FROM executions WHERE namespace = $1 AND run_id = $2`, [
    namespace,
    runId,
  ]);
}

/** The running run wins; otherwise the most recently started one. */
export function findLatestExecution(
  db: Queryable,
  namespace: string,
  workflowId: string,
): Promise<ExecutionRecord | undefined> {
  return one(
    db,
    `SELECT ${executionColumns} FROM executions WHERE namespace = $1 AND workflow_id = $2
     ORDER BY status = 1 DESC, start_time_ms DESC, seq DESC LIMIT 1`,
    [namespace, workflowId],
  );
}

/**
 * Inserts the run's row and writes the rest of `execution` (events, tasks, timers) in the same round trip.
 * Returns the ids of the queued tasks.
 */
export async function insertExecution(db: Queryable, execution: NewExecution): Promise<number[]> {
  try {
    const { taskIds } = await writeExecution(
      db,
      {
        text: `INSERT INTO executions (namespace, run_id, workflow_id, workflow_type, task_queue, status,
           start_time_ms, close_time_ms, history_length, busy, start_request_id, version, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12)`,
        values: [
          execution.namespace,
          execution.runId,
          execution.workflowId,
          execution.workflowType,
          execution.taskQueue,
          execution.status,
          execution.startTimeMs,
          execution.closeTimeMs,
          execution.historyLength,
          execution.busy,
          execution.startRequestId,
          execution.state,
        ],
      },
      execution.namespace,
      execution.runId,
      execution,
    );
    return taskIds;
  } catch (error) {
    if (sqlState(error) === '23505' && violatedConstraint(error) === 'executions_running') {
      throw new ExecutionAlreadyRunningError(execution.namespace, execution.workflowId);
    }
    throw error;
  }
}

/**
 * Updates the run's row and writes the rest of `update` in the same round trip. The version check is the
 * optimistic lock: a row changed since it was read matches nothing, and then nothing is written. Returns
 * the new version and the ids of the queued tasks.
 */
export async function updateExecution(
  db: Queryable,
  update: ExecutionUpdate,
): Promise<{ version: number; taskIds: number[] }> {
  const { written, taskIds } = await writeExecution(
    db,
    {
      text: `UPDATE executions SET status = $4, close_time_ms = $5, history_length = $6, busy = $7, state = $8,
         version = version + 1
       WHERE namespace = $1 AND run_id = $2 AND version = $3`,
      values: [
        update.namespace,
        update.runId,
        update.expectedVersion,
        update.status,
        update.closeTimeMs,
        update.historyLength,
        update.busy,
        update.state,
      ],
    },
    update.namespace,
    update.runId,
    update,
  );
  if (!written) throw new ConcurrencyConflictError(update.namespace, update.runId, update.expectedVersion);
  return { version: update.expectedVersion + 1, taskIds };
}

export async function hasBusyExecutions(db: Queryable): Promise<boolean> {
  const result = await runPrepared(db, 'SELECT 1 FROM executions WHERE busy AND status = 1 LIMIT 1', []);
  return result.rows.length > 0;
}
