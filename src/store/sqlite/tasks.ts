import type Database from 'better-sqlite3';
import type { NewTask, TaskKind, TaskRecord, TaskRoute } from '../store.js';

interface TaskRow {
  id: number;
  namespace: string;
  task_queue: string;
  kind: TaskKind;
  run_id: string;
  scheduled_event_id: number;
  attempt: number;
  version: string;
  pinned: number;
  ramp_bucket: number;
}

/** Queued workflow and activity tasks. A claim deletes the row, so a task is handed out once. */
export class TasksTable {
  private readonly insertStmt: Database.Statement<
    [string, string, string, string, number, number, string, number, number]
  >;
  private readonly claimStmt: Database.Statement<[string, string, string, string], TaskRow>;
  private readonly rerouteStmt: Database.Statement<
    [
      {
        percentage: number;
        ramping: string;
        current: string;
        namespace: string;
        taskQueue: string;
        kind: string;
      },
    ]
  >;
  private readonly retargetRunStmt: Database.Statement<[string, number, string, string]>;
  private readonly retargetRunQueueStmt: Database.Statement<[string, number, string, string, string, string]>;
  private readonly deleteStmt: Database.Statement<[number]>;
  private readonly deleteRunStmt: Database.Statement<[string, string]>;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO tasks (namespace, task_queue, kind, run_id, scheduled_event_id, attempt, version, pinned,
         ramp_bucket)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.claimStmt = db.prepare(
      `SELECT * FROM tasks WHERE namespace = ? AND task_queue = ? AND kind = ? AND version = ?
       ORDER BY id LIMIT 1`,
    );
    this.rerouteStmt = db.prepare(
      `UPDATE tasks SET version = CASE WHEN ramp_bucket < @percentage THEN @ramping ELSE @current END
       WHERE namespace = @namespace AND task_queue = @taskQueue AND kind = @kind AND pinned = 0
         AND version <> CASE WHEN ramp_bucket < @percentage THEN @ramping ELSE @current END`,
    );
    this.retargetRunStmt = db.prepare(
      'UPDATE tasks SET version = ?, pinned = ? WHERE namespace = ? AND run_id = ?',
    );
    this.retargetRunQueueStmt = db.prepare(
      'UPDATE tasks SET version = ?, pinned = ? WHERE namespace = ? AND run_id = ? AND task_queue = ? AND kind = ?',
    );
    this.deleteStmt = db.prepare('DELETE FROM tasks WHERE id = ?');
    this.deleteRunStmt = db.prepare('DELETE FROM tasks WHERE namespace = ? AND run_id = ?');
  }

  insert(task: NewTask): void {
    this.insertStmt.run(
      task.namespace,
      task.taskQueue,
      task.kind,
      task.runId,
      task.scheduledEventId,
      task.attempt,
      task.version ?? '',
      task.pinned ? 1 : 0,
      task.rampBucket ?? 0,
    );
  }

  /** Must run inside a write transaction so the select and the delete are one atomic step. */
  claim(namespace: string, taskQueue: string, kind: TaskKind, version: string): TaskRecord | undefined {
    const row = this.claimStmt.get(namespace, taskQueue, kind, version);
    if (!row) return undefined;
    this.deleteStmt.run(row.id);
    return {
      id: row.id,
      namespace: row.namespace,
      taskQueue: row.task_queue,
      kind: row.kind,
      runId: row.run_id,
      scheduledEventId: row.scheduled_event_id,
      attempt: row.attempt,
      version: row.version,
      pinned: row.pinned === 1,
      rampBucket: row.ramp_bucket,
    };
  }

  reroute(namespace: string, taskQueue: string, kind: TaskKind, route: TaskRoute): number {
    const percentage = route.ramping === '' ? 0 : route.percentage;
    return this.rerouteStmt.run({
      percentage,
      ramping: route.ramping,
      current: route.current,
      namespace,
      taskQueue,
      kind,
    }).changes;
  }

  retargetRun(
    namespace: string,
    runId: string,
    version: string,
    pinned: boolean,
    queue?: { taskQueue: string; kind: TaskKind },
  ): void {
    if (queue) {
      this.retargetRunQueueStmt.run(version, pinned ? 1 : 0, namespace, runId, queue.taskQueue, queue.kind);
      return;
    }
    this.retargetRunStmt.run(version, pinned ? 1 : 0, namespace, runId);
  }

  deleteRun(namespace: string, runId: string): void {
    this.deleteRunStmt.run(namespace, runId);
  }
}
