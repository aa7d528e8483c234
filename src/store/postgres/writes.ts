import type { ExecutionWrite } from '../store.js';
import { type Queryable, runPrepared } from './queryable.js';

/** The statement that writes the executions row (an INSERT or a version-checked UPDATE, no RETURNING). */
export interface RowStatement {
  text: string;
  values: unknown[];
}

// The types of strata_apply_write's parameters, in order (see the latest migration that defines it).
const applyWriteCasts = [
  '',
  '',
  '::integer[]',
  '::bytea[]',
  '',
  '::text[]',
  '::text[]',
  '::text[]',
  '::text[]',
  '::text[]',
  '::integer[]',
  '::integer[]',
  '::text[]',
  '::boolean[]',
  '::integer[]',
  '::text[]',
  '::text[]',
  '::text[]',
  '::bigint[]',
  '::text[]',
];

/**
 * Writes the executions row with `row`, then everything else of `write` through `strata_apply_write`, in
 * one statement and one round trip. `written` is false when the row statement matched nothing (the version
 * check failed); then nothing else was written. `taskIds` are the ids of the queued tasks, in the order of
 * `write.tasks`.
 */
export async function writeExecution(
  db: Queryable,
  row: RowStatement,
  namespace: string,
  runId: string,
  write: ExecutionWrite,
): Promise<{ written: boolean; taskIds: number[] }> {
  const offset = row.values.length;
  const args = applyWriteCasts.map((cast, i) => `$${offset + i + 1}${cast}`).join(', ');
  const result = await runPrepared<{ written: number; ids: number[] | null }>(
    db,
    `WITH row_written AS (${row.text} RETURNING 1), counted AS (SELECT count(*)::integer AS written FROM row_written)
     SELECT written, CASE WHEN written = 1 THEN strata_apply_write(${args}) END AS ids FROM counted`,
    [
      ...row.values,
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
  const first = result.rows[0];
  return { written: first?.written === 1, taskIds: (first?.ids ?? []).map(Number) };
}
