/** What the cancellation tests read from a history: its event kinds, in order. */
import type { History } from '../../src/gen/strata/v1/history_pb.js';
import { eventName } from '../../src/worker/replay/history-events.js';

/** `ActivityTaskScheduled`, `TimerCanceled`, ...: the names of the history's events, workflow task events left out. */
export function eventNames(history: History): string[] {
  return history.events.map((e) => eventName(e)).filter((name) => !name.startsWith('WorkflowTask'));
}
