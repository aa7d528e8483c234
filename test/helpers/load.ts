/** Helpers of the tests that drive many workflows at once and count what their histories recorded. */
import type { HistoryEvent } from '../../src/gen/strata/v1/history_pb.js';

/** Runs `work` on every item, at most `concurrency` at a time. */
export async function forEachLimited<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** How many events of one kind a history holds. */
export function eventCount(events: HistoryEvent[], kind: HistoryEvent['attributes']['case']): number {
  return events.filter((event) => event.attributes.case === kind).length;
}
