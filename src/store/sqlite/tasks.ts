import type Database from 'better-sqlite3';
import type { NewTask, TaskKind, TaskRecord } from '../store.js';

interface TaskRow {
  id: number;
  namespace: string;
  task_queue: string;
  kind: TaskKind;
  run_id: string;
  scheduled_event_id: number;
  attempt: number;
}

/** Queued workflow and activity tasks. A claim deletes the row, so a task is handed out once. */
export class TasksTable {
  private readonly insertStmt: Database.Statement<[string, string, string, string, number, number]>;
  private readonly claimStmt: Database.Statement<[string, string, string], TaskRow>;
  private readonly deleteStmt: Database.Statement<[number]>;
  private readonly deleteRunStmt: Database.Statement<[string, string]>;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO tasks (namespace, task_queue, kind, run_id, scheduled_event_id, attempt)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.claimStmt = db.prepare(
      'SELECT * FROM tasks WHERE namespace = ? AND task_queue = ? AND kind = ? ORDER BY id LIMIT 1',
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
    );
  }

  /** Must run inside a write transaction so the select and the delete are one atomic step. */
  claim(namespace: string, taskQueue: string, kind: TaskKind): TaskRecord | undefined {
    const row = this.claimStmt.get(namespace, taskQueue, kind);
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
    };
  }

  deleteRun(namespace: string, runId: string): void {
    this.deleteRunStmt.run(namespace, runId);
  }
}
