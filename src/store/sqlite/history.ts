import type Database from 'better-sqlite3';
import type { StoredEvent } from '../store.js';

interface EventRow {
  event_id: number;
  data: Buffer;
}

/** Append-only event blobs; the primary key rejects a duplicate event id. */
export class HistoryTable {
  private readonly appendStmt: Database.Statement<[string, string, number, Uint8Array]>;
  private readonly readStmt: Database.Statement<[string, string, number, number], EventRow>;
  private readonly lastStmt: Database.Statement<[string, string], EventRow>;

  constructor(db: Database.Database) {
    this.appendStmt = db.prepare(
      'INSERT INTO history_events (namespace, run_id, event_id, data) VALUES (?, ?, ?, ?)',
    );
    this.readStmt = db.prepare(
      `SELECT event_id, data FROM history_events WHERE namespace = ? AND run_id = ? AND event_id >= ?
       ORDER BY event_id LIMIT ?`,
    );
    this.lastStmt = db.prepare(
      `SELECT event_id, data FROM history_events WHERE namespace = ? AND run_id = ?
       ORDER BY event_id DESC LIMIT 1`,
    );
  }

  append(namespace: string, runId: string, events: StoredEvent[]): void {
    for (const event of events) this.appendStmt.run(namespace, runId, event.eventId, event.data);
  }

  read(namespace: string, runId: string, fromEventId: number, limit: number): StoredEvent[] {
    return this.readStmt
      .all(namespace, runId, fromEventId, limit)
      .map((row) => ({ eventId: row.event_id, data: row.data }));
  }

  last(namespace: string, runId: string): StoredEvent | undefined {
    const row = this.lastStmt.get(namespace, runId);
    return row ? { eventId: row.event_id, data: row.data } : undefined;
  }
}
