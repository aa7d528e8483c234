import type { ExecutionRecord, TaskKind, TaskRecord } from '../store.js';
import { type ExecutionRow, toExecutionRecord } from './executions.js';
import { type Queryable, runPrepared } from './queryable.js';

interface TaskRow {
  id: number;
  namespace: string;
  task_queue: string;
  kind: TaskKind;
  run_id: string;
  scheduled_event_id: number;
  attempt: number;
  version: string;
  pinned: boolean;
  ramp_bucket: number;
  execution: ExecutionRow | null;
}

/**
 * Takes the oldest task of a queue off it. SKIP LOCKED lets concurrent claims (of any server process)
 * each take a different row instead of queueing behind one another; the delete hands it out once.
 * The task's execution comes along (the engine reads it next), saving a round trip.
 */
export async function claimTask(
  db: Queryable,
  namespace: string,
  taskQueue: string,
  kind: TaskKind,
  version: string,
): Promise<{ task: TaskRecord; execution: ExecutionRecord | undefined } | undefined> {
  const result = await runPrepared<TaskRow>(
    db,
    `WITH claimed AS (
       DELETE FROM tasks WHERE id = (
         SELECT id FROM tasks WHERE namespace = $1 AND task_queue = $2 AND kind = $3 AND version = $4
         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id, namespace, task_queue, kind, run_id, scheduled_event_id, attempt, version, pinned, ramp_bucket)
     SELECT claimed.*, to_json(e) AS execution FROM claimed
     LEFT JOIN executions e ON e.namespace = claimed.namespace AND e.run_id = claimed.run_id`,
    [namespace, taskQueue, kind, version],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  const task: TaskRecord = {
    id: row.id,
    namespace: row.namespace,
    taskQueue: row.task_queue,
    kind: row.kind,
    runId: row.run_id,
    scheduledEventId: row.scheduled_event_id,
    attempt: row.attempt,
    version: row.version,
    pinned: row.pinned,
    rampBucket: row.ramp_bucket,
  };
  return { task, execution: row.execution ? toExecutionRecord(row.execution) : undefined };
}
