import type { ExecutionWrite, NewExecution } from '../../src/store/store.js';

/** A write of one event and nothing else, for the store adapters' tests. */
export const emptyWrite: ExecutionWrite = {
  status: 1,
  closeTimeMs: 0,
  historyLength: 1,
  busy: true,
  state: '{}',
  events: [{ eventId: 1, data: new Uint8Array([1]) }],
  tasks: [],
  timers: [],
  deleteTimerKeys: [],
  dropTasksAndTimers: false,
};

/** A running execution with one workflow task queued on `q` and one timer `k` due at 100. */
export function execution(workflowId: string, runId: string): NewExecution {
  return {
    ...emptyWrite,
    namespace: 'default',
    workflowId,
    runId,
    workflowType: 'W',
    taskQueue: 'q',
    startTimeMs: 1,
    startRequestId: '',
    tasks: [
      { namespace: 'default', taskQueue: 'q', kind: 'workflow', runId, scheduledEventId: 1, attempt: 1 },
    ],
    timers: [{ namespace: 'default', runId, key: 'k', dueMs: 100, payload: '{}' }],
  };
}
