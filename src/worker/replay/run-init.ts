import { fromProtoFailure } from '../../common/failure-proto.js';
import { fromProtoPayloads } from '../../common/payload-proto.js';
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
    continuedFromExecutionRunId: started.continuedExecutionRunId || undefined,
    cronSchedule: started.cronSchedule || undefined,
    executionTimeoutMs: started.workflowExecutionTimeoutMs,
    runTimeoutMs: started.workflowRunTimeoutMs,
    taskTimeoutMs: started.workflowTaskTimeoutMs,
    executionExpirationTimeMs: started.workflowExecutionExpirationTimeMs,
    retryPolicy: started.retryPolicy && {
      initialIntervalMs: started.retryPolicy.initialIntervalMs,
      backoffCoefficient: started.retryPolicy.backoffCoefficient,
      maximumIntervalMs: started.retryPolicy.maximumIntervalMs,
      maximumAttempts: started.retryPolicy.maximumAttempts,
      nonRetryableErrorTypes: started.retryPolicy.nonRetryableErrorTypes,
    },
    lastResult: fromProtoPayloads(started.lastCompletionResult)[0],
    lastFailure: started.continuedFailure && fromProtoFailure(started.continuedFailure),
    ...(started.parentWorkflowExecution
      ? {
          parent: {
            workflowId: started.parentWorkflowExecution.workflowId,
            runId: started.parentWorkflowExecution.runId,
            namespace: started.parentWorkflowNamespace,
          },
        }
      : {}),
  };
}
