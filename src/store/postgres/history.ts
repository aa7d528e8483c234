import type { StoredEvent } from '../store.js';
import { type Queryable, runPrepared } from './queryable.js';

interface EventRow {
  event_id: number;
  data: Buffer;
}

export async function readEvents(
  db: Queryable,
  namespace: string,
  runId: string,
  fromEventId: number,
  limit: number,
): Promise<StoredEvent[]> {
  const result = await runPrepared<EventRow>(
    db,
    `SELECT event_id, data FROM history_events WHERE namespace = $1 AND run_id = $2 AND event_id >= $3
     ORDER BY event_id LIMIT $4`,
    [namespace, runId, fromEventId, Math.min(limit, 2_147_483_647)],
  );
  return result.rows.map((row) => ({ eventId: row.event_id, data: row.data }));
}

export async function readLastEvent(
  db: Queryable,
  namespace: string,
  runId: string,
): Promise<StoredEvent | undefined> {
  const result = await runPrepared<EventRow>(
    db,
    `SELECT event_id, data FROM history_events WHERE namespace = $1 AND run_id = $2
     ORDER BY event_id DESC LIMIT 1`,
    [namespace, runId],
  );
  const row = result.rows[0];
  return row ? { eventId: row.event_id, data: row.data } : undefined;
}
