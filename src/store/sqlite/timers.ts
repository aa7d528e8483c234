import type Database from 'better-sqlite3';
import type { NewTimer, TimerRecord } from '../store.js';

interface TimerRow {
  id: number;
  namespace: string;
  run_id: string;
  key: string;
  due_ms: number;
  payload: string;
}

/** Durable deadlines of all kinds, keyed per run so re-arming one replaces it. */
export class TimersTable {
  private readonly upsertStmt: Database.Statement<[string, string, string, number, string]>;
  private readonly deleteKeyStmt: Database.Statement<[string, string, string]>;
  private readonly deleteRunStmt: Database.Statement<[string, string]>;
  private readonly claimStmt: Database.Statement<[number]>;
  private readonly dueStmt: Database.Statement<[number, number], TimerRow>;
  private readonly nextStmt: Database.Statement<[], { due: number | null }>;

  constructor(db: Database.Database) {
    // REPLACE gives the timer a new id, so a claim of the old id by a late firer fails.
    this.upsertStmt = db.prepare(
      'INSERT OR REPLACE INTO timers (namespace, run_id, key, due_ms, payload) VALUES (?, ?, ?, ?, ?)',
    );
    this.deleteKeyStmt = db.prepare('DELETE FROM timers WHERE namespace = ? AND run_id = ? AND key = ?');
    this.deleteRunStmt = db.prepare('DELETE FROM timers WHERE namespace = ? AND run_id = ?');
    this.claimStmt = db.prepare('DELETE FROM timers WHERE id = ?');
    this.dueStmt = db.prepare('SELECT * FROM timers WHERE due_ms <= ? ORDER BY due_ms, id LIMIT ?');
    this.nextStmt = db.prepare('SELECT MIN(due_ms) AS due FROM timers');
  }

  upsert(timer: NewTimer): void {
    this.upsertStmt.run(timer.namespace, timer.runId, timer.key, timer.dueMs, timer.payload);
  }

  deleteKey(namespace: string, runId: string, key: string): void {
    this.deleteKeyStmt.run(namespace, runId, key);
  }

  deleteRun(namespace: string, runId: string): void {
    this.deleteRunStmt.run(namespace, runId);
  }

  claim(id: number): boolean {
    return this.claimStmt.run(id).changes === 1;
  }

  due(nowMs: number, limit: number): TimerRecord[] {
    return this.dueStmt.all(nowMs, limit).map((row) => ({
      id: row.id,
      namespace: row.namespace,
      runId: row.run_id,
      key: row.key,
      dueMs: row.due_ms,
      payload: row.payload,
    }));
  }

  nextDueMs(): number | undefined {
    return this.nextStmt.get()?.due ?? undefined;
  }
}
