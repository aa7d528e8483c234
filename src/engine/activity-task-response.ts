import { create } from '@bufbuild/protobuf';
import { PayloadsSchema } from '../gen/strata/v1/common_pb.js';
import {
  type PollActivityTaskQueueResponse,
  PollActivityTaskQueueResponseSchema,
} from '../gen/strata/v1/service_pb.js';
import type { ExecutionRecord } from '../store/store.js';
import { decodeMessage } from './state/mutation.js';
import type { ActivityState } from './state/types.js';
import { encodeTaskToken } from './task-token.js';

/**
 * The activity task a worker receives for a started attempt: from a poll, or eagerly in the
 * RespondWorkflowTaskCompleted response.
 */
export function activityTaskResponse(
  namespace: string,
  record: Pick<ExecutionRecord, 'runId' | 'workflowId' | 'workflowType'>,
  activity: ActivityState,
): PollActivityTaskQueueResponse {
  return create(PollActivityTaskQueueResponseSchema, {
    taskToken: encodeTaskToken({
      kind: 'activity',
      namespace,
      runId: record.runId,
      scheduledEventId: activity.scheduledEventId,
      attempt: activity.attempt,
    }),
    workflowNamespace: namespace,
    workflowType: { name: record.workflowType },
    workflowExecution: { workflowId: record.workflowId, runId: record.runId },
    activityType: { name: activity.activityType },
    activityId: activity.activityId,
    input: decodeMessage(PayloadsSchema, activity.input),
    heartbeatDetails: decodeMessage(PayloadsSchema, activity.heartbeatDetails),
    scheduledTimeMs: activity.attemptScheduledTimeMs,
    startedTimeMs: activity.startedTimeMs,
    attempt: activity.attempt,
    scheduleToCloseTimeoutMs: activity.scheduleToCloseTimeoutMs,
    startToCloseTimeoutMs: activity.startToCloseTimeoutMs,
    heartbeatTimeoutMs: activity.heartbeatTimeoutMs,
    taskQueue: activity.taskQueue,
  });
}
