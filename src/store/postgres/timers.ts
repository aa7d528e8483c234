import type { TimerRecord } from '../store.js';
import { type Queryable, runPrepared } from './queryable.js';

interface TimerRow {
  id: number;
  namespace: string;
  run_id: string;
  key: string;
  due_ms: number;
  payload: string;
}

/**
 * Takes a timer. A timer another server process is firing right now (its row is locked) is skipped,
 * not waited for: that process fires it, or, if its transaction rolls back, the timer is due again.
 */
export async function claimTimer(db: Queryable, id: number): Promise<boolean> {
  const result = await runPrepared(
    db,
    'DELETE FROM timers WHERE id = (SELECT id FROM timers WHERE id = $1 FOR UPDATE SKIP LOCKED)',
    [id],
  );
  return result.rowCount === 1;
}

/**
 * Due timers no other transaction holds. The rows are locked only for this statement; skipping the
 * locked ones keeps a server from retrying, in a loop, a timer another server is firing.
 */
export async function dueTimers(db: Queryable, nowMs: number, limit: number): Promise<TimerRecord[]> {
  const result = await runPrepared<TimerRow>(
    db,
    `SELECT id, namespace, run_id, key, due_ms, payload FROM timers WHERE due_ms <= $1
     ORDER BY due_ms, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [nowMs, limit],
  );
  return result.rows.map((row) => ({
    id: row.id,
    namespace: row.namespace,
    runId: row.run_id,
    key: row.key,
    dueMs: row.due_ms,
    payload: row.payload,
  }));
}

/** The earliest due time among timers no other transaction holds (see dueTimers). */
export async function nextTimerDueMs(db: Queryable): Promise<number | undefined> {
  const result = await runPrepared<{ due_ms: number }>(
    db,
    'SELECT due_ms FROM timers ORDER BY due_ms, id LIMIT 1 FOR UPDATE SKIP LOCKED',
    [],
  );
  return result.rows[0]?.due_ms;
}
