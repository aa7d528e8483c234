import { create } from '@bufbuild/protobuf';
import { FailureSchema, PayloadsSchema } from '../gen/strata/v1/common_pb.js';
import {
  type PollActivityTaskQueueRequest,
  type PollActivityTaskQueueResponse,
  PollActivityTaskQueueResponseSchema,
  type RecordActivityTaskHeartbeatRequest,
  type RespondActivityTaskCanceledRequest,
  type RespondActivityTaskCompletedRequest,
  type RespondActivityTaskFailedRequest,
} from '../gen/strata/v1/service_pb.js';
import type { StoreTransaction } from '../store/store.js';
import { activityTaskResponse } from './activity-task-response.js';
import type { CommitEffects, EngineCore } from './engine-core.js';
import { taskNotFound } from './errors.js';
import { queueChannel } from './matching.js';
import { describeOversize, largestPayload, MAX_PAYLOAD_BYTES } from './payload-limit.js';
import {
  cancelActivityAfterRequest,
  completeActivity,
  failActivityAttempt,
  findActivity,
  heartbeatActivity,
  isActivityClaimable,
  runningActivity,
  startActivity,
} from './state/activity.js';
import { encodeMessage, type Mutation } from './state/mutation.js';
import type { ActivityState } from './state/types.js';
import { decodeTaskToken } from './task-token.js';
import { checkFailure, checkPayloads, requireField } from './validation.js';
import { notePoll, pollVersion } from './versioning/pollers.js';
import { longPoll } from './workflow-task-api.js';

const maxStaleClaims = 64;

export async function pollActivityTask(
  core: EngineCore,
  request: PollActivityTaskQueueRequest,
  signal?: AbortSignal,
): Promise<PollActivityTaskQueueResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const taskQueue = requireField(request.taskQueue, 'task_queue');
  const version = pollVersion(request.deploymentOptions);
  const facts = {
    namespace,
    taskQueue,
    kind: 'activity' as const,
    identity: request.identity,
    options: request.deploymentOptions,
    sticky: false,
  };
  const channel = queueChannel(namespace, taskQueue, 'activity', version);
  const claimInTx = async (
    tx: StoreTransaction,
    effects: CommitEffects,
  ): Promise<PollActivityTaskQueueResponse | undefined> => {
    for (let i = 0; i < maxStaleClaims; i++) {
      const task = await tx.claimTask(namespace, taskQueue, 'activity', version);
      if (!task) return undefined;
      const record = await tx.getExecution(namespace, task.runId);
      if (!record) continue;
      const activity = await core.mutate(tx, effects, record, (m) => {
        if (!isActivityClaimable(m, task.scheduledEventId, task.attempt)) return undefined;
        const found = findActivity(m, task.scheduledEventId);
        if (found) startActivity(m, found, request.identity);
        return found ? { ...found } : undefined;
      });
      if (!activity) continue;
      return activityTaskResponse(namespace, record, activity);
    }
    return undefined;
  };
  const claim = () =>
    core.transact(async (tx, effects) => {
      await notePoll(core, tx, facts);
      return claimInTx(tx, effects);
    });
  const response = await longPoll(core, channel, signal, claim, claimInTx);
  return response ?? create(PollActivityTaskQueueResponseSchema, {});
}

/** Runs `apply` on the activity attempt a token names; a stale token fails with TASK_NOT_FOUND. */
async function withRunningActivity<R>(
  core: EngineCore,
  taskToken: Uint8Array,
  apply: (m: Mutation, activity: ActivityState) => R,
): Promise<R> {
  const token = decodeTaskToken(taskToken, 'activity');
  if (token.kind !== 'activity') throw taskNotFound('not an activity task token');
  core.checkNamespace(token.namespace);
  return core.transact(async (tx, effects) => {
    const record = await tx.getExecution(token.namespace, token.runId);
    if (!record) throw taskNotFound(`activity task of run "${token.runId}" not found`);
    return core.mutate(tx, effects, record, (m) => {
      const activity = runningActivity(m, token.scheduledEventId, token.attempt);
      if (!activity) {
        throw taskNotFound(
          `activity task ${token.scheduledEventId} (attempt ${token.attempt}) of workflow "${record.workflowId}" is not running`,
        );
      }
      return apply(m, activity);
    });
  });
}

export async function recordHeartbeat(
  core: EngineCore,
  request: RecordActivityTaskHeartbeatRequest,
): Promise<boolean> {
  checkPayloads(request.details, 'details');
  return withRunningActivity(core, request.taskToken, (m, activity) =>
    heartbeatActivity(m, activity, request.details),
  );
}

export async function respondActivityCompleted(
  core: EngineCore,
  request: RespondActivityTaskCompletedRequest,
): Promise<void> {
  const size = largestPayload(request.result);
  if (size > MAX_PAYLOAD_BYTES) {
    // As in Temporal: a result too large to record fails the attempt, non-retryably (another attempt
    // would most likely return the same), instead of leaving it to time out with no word of why.
    const failure = create(FailureSchema, {
      message: `[PAYLOAD_TOO_LARGE] ${describeOversize('the activity result', size)}`,
      source: 'strata-server',
      failureInfo: { case: 'serverFailureInfo', value: { nonRetryable: true } },
    });
    await withRunningActivity(core, request.taskToken, (m, activity) =>
      failActivityAttempt(m, activity, failure, request.identity, undefined),
    );
    return;
  }
  await withRunningActivity(core, request.taskToken, (m, activity) =>
    completeActivity(m, activity, request.result, request.identity),
  );
}

export async function respondActivityFailed(
  core: EngineCore,
  request: RespondActivityTaskFailedRequest,
): Promise<void> {
  checkFailure(request.failure, 'failure');
  checkPayloads(request.lastHeartbeatDetails, 'last_heartbeat_details');
  const failure =
    request.failure ??
    create(FailureSchema, {
      message: 'the activity failed without a failure',
    });
  await withRunningActivity(core, request.taskToken, (m, activity) => {
    if (request.lastHeartbeatDetails) {
      activity.heartbeatDetails = encodeMessage(PayloadsSchema, request.lastHeartbeatDetails);
    }
    failActivityAttempt(m, activity, failure, request.identity, undefined);
  });
}

export async function respondActivityCanceled(
  core: EngineCore,
  request: RespondActivityTaskCanceledRequest,
): Promise<void> {
  checkPayloads(request.details, 'details');
  await withRunningActivity(core, request.taskToken, (m, activity) =>
    cancelActivityAfterRequest(m, activity, request.details, request.identity),
  );
}
