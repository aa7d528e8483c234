import { fromProtoMemo, fromProtoSearchAttributes } from '../../common/search-attributes-proto.js';
import type { HistoryEvent } from '../../gen/strata/v1/history_pb.js';
import type { RunInit } from '../../workflow/activation.js';

export interface RunIdentity {
  namespace: string;
  workflowId?: string;
  runId?: string;
}

/** A run's facts from its first event; the ids of the task (when known) win over the event's. */
export function runInitOf(first: HistoryEvent | undefined, identity: RunIdentity): RunInit | undefined {
  if (first?.attributes.case !== 'workflowExecutionStartedEventAttributes') return undefined;
  const started = first.attributes.value;
  const runId =
    identity.runId || started.originalExecutionRunId || started.firstExecutionRunId || 'replay-run';
  return {
    workflowId: identity.workflowId || started.workflowId || 'replay-workflow',
    runId,
    workflowType: started.workflowType?.name ?? '',
    taskQueue: started.taskQueue,
    namespace: identity.namespace,
    attempt: started.attempt || 1,
    startTimeMs: first.eventTimeMs,
    runStartTimeMs: first.eventTimeMs,
    firstExecutionRunId: started.firstExecutionRunId || runId,
    randomnessSeed: started.randomnessSeed,
    searchAttributes: fromProtoSearchAttributes(started.searchAttributes),
    memo: fromProtoMemo(started.memo),
  };
}
