import type { ExecutionWrite } from '../store.js';
import { type Queryable, runPrepared } from './queryable.js';

/**
 * Writes everything of `write` beside the executions row through `strata_apply_write` (migration
 * 0003), in one round trip. Returns the ids of the queued tasks, in the order of `write.tasks`.
 */
export async function applyWrite(
  db: Queryable,
  namespace: string,
  runId: string,
  write: ExecutionWrite,
): Promise<number[]> {
  const result = await runPrepared<{ ids: number[] | null }>(
    db,
    `SELECT strata_apply_write($1, $2, $3::integer[], $4::bytea[], $5, $6::text[], $7::text[], $8::text[],
       $9::text[], $10::text[], $11::integer[], $12::integer[], $13::text[], $14::boolean[], $15::integer[],
       $16::text[], $17::text[], $18::text[], $19::bigint[], $20::text[]) AS ids`,
    [
      namespace,
      runId,
      write.events.map((event) => event.eventId),
      write.events.map((event) => event.data),
      write.dropTasksAndTimers,
      write.deleteTimerKeys,
      write.tasks.map((task) => task.namespace),
      write.tasks.map((task) => task.taskQueue),
      write.tasks.map((task) => task.kind),
      write.tasks.map((task) => task.runId),
      write.tasks.map((task) => task.scheduledEventId),
      write.tasks.map((task) => task.attempt),
      write.tasks.map((task) => task.version ?? ''),
      write.tasks.map((task) => task.pinned ?? false),
      write.tasks.map((task) => task.rampBucket ?? 0),
      write.timers.map((timer) => timer.namespace),
      write.timers.map((timer) => timer.runId),
      write.timers.map((timer) => timer.key),
      write.timers.map((timer) => timer.dueMs),
      write.timers.map((timer) => timer.payload),
    ],
  );
  return (result.rows[0]?.ids ?? []).map(Number);
}
