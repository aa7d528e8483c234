import { randomUUID } from 'node:crypto';
import { create, fromBinary } from '@bufbuild/protobuf';
import { type HistoryEvent, HistoryEventSchema, HistorySchema } from '../gen/strata/v1/history_pb.js';
import {
  type PollActivityTaskQueueResponse,
  type PollWorkflowTaskQueueRequest,
  type PollWorkflowTaskQueueResponse,
  PollWorkflowTaskQueueResponseSchema,
  type RespondWorkflowTaskCompletedRequest,
  type RespondWorkflowTaskFailedRequest,
  TaskQueueKind,
} from '../gen/strata/v1/service_pb.js';
import type { StoredEvent, StoreTransaction } from '../store/store.js';
import { activityTaskResponse } from './activity-task-response.js';
import type { CommitEffects, EngineCore } from './engine-core.js';
import { taskNotFound } from './errors.js';
import { queueChannel } from './matching.js';
import type { Queries } from './query-api.js';
import { completeWorkflowTask } from './state/commands.js';
import {
  failWorkflowTask,
  isWorkflowTaskClaimable,
  isWorkflowTaskRunning,
  startWorkflowTask,
} from './state/workflow-task.js';
import { decodeTaskToken, encodeTaskToken } from './task-token.js';
import {
  claimOfferedTask,
  claimSpeculativeTask,
  deliverUpdatesWithTask,
  prepareSpeculativeAnswer,
  settleTaskUpdates,
} from './update-delivery.js';
import { checkFailure, requireField } from './validation.js';
import { completingWorker, notePoll, pollVersion } from './versioning/pollers.js';
import { sharedQueueKey } from './versioning/shared-queue.js';
import { loadRegistry } from './visibility/search-attributes.js';

export function decodeEvents(stored: StoredEvent[]): HistoryEvent[] {
  return stored.map((event) => fromBinary(HistoryEventSchema, event.data));
}

// Stale rows (their task was retried or moved) are skipped; bound the work per transaction.
const maxStaleClaims = 64;

/**
 * Shared long-poll loop: claim from the store, else wait for a notification on the channel. While it
 * waits, a transaction that schedules a task for the channel may run `claimInTx` itself (sync match)
 * and hand over the result.
 */
export async function longPoll<T>(
  core: EngineCore,
  channel: string,
  signal: AbortSignal | undefined,
  claim: () => Promise<T | undefined>,
  claimInTx?: (tx: StoreTransaction, effects: CommitEffects) => Promise<T | undefined>,
): Promise<T | undefined> {
  const deadline = Date.now() + core.limits.longPollTimeoutMs;
  let woken = false;
  let result: T | undefined;
  try {
    while (!core.closed && !core.matching.isClosed && !signal?.aborted) {
      const generation = core.matching.generation(channel);
      result = await claim();
      if (result !== undefined) return result;
      if (core.matching.generation(channel) !== generation) continue;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return undefined;
      const outcome = await core.matching.wait(channel, remaining, signal, claimInTx);
      if (typeof outcome === 'object') {
        // Started for this poll in the scheduling transaction: answer even if the caller has gone
        // (as for any claimed task, the start then times out and the task is retried).
        result = outcome.result as T;
        return result;
      }
      woken = outcome;
    }
    return undefined;
  } finally {
    // A poller that was woken for a task but leaves without it (its caller went away, or the claim
    // failed) passes the wake-up on, so the task does not sit until another poll arrives.
    if (woken && result === undefined) core.matching.notify(channel);
  }
}

export async function pollWorkflowTask(
  core: EngineCore,
  queries: Queries,
  request: PollWorkflowTaskQueueRequest,
  signal?: AbortSignal,
): Promise<PollWorkflowTaskQueueResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const taskQueue = requireField(request.taskQueue, 'task_queue');
  const identity = request.identity;
  const version = pollVersion(request.deploymentOptions);
  const facts = {
    namespace,
    taskQueue,
    kind: 'workflow' as const,
    identity,
    options: request.deploymentOptions,
    sticky: request.taskQueueKind === TaskQueueKind.STICKY,
  };
  const channel = queueChannel(namespace, taskQueue, 'workflow', version);
  const claimInTx = async (
    tx: StoreTransaction,
    effects: CommitEffects,
  ): Promise<PollWorkflowTaskQueueResponse | undefined> => {
    for (let i = 0; i < maxStaleClaims; i++) {
      const task = await tx.claimTask(namespace, taskQueue, 'workflow', version);
      if (!task) return undefined;
      const record = await tx.getExecution(namespace, task.runId);
      if (!record) continue;
      const started = await core.mutate(tx, effects, record, (m) => {
        if (!isWorkflowTaskClaimable(m, task.scheduledEventId, task.attempt)) return undefined;
        const wt = m.state.workflowTask;
        const startedEventId = startWorkflowTask(m, identity, randomUUID(), core.limits);
        return {
          startedEventId,
          updateRequests: deliverUpdatesWithTask(core, m, startedEventId),
          sticky: wt?.sticky ?? false,
          previousStartedEventId: m.state.previousStartedEventId,
          scheduledTimeMs: wt?.scheduledTimeMs ?? 0,
          startedTimeMs: m.nowMs,
        };
      });
      if (!started) continue;
      // A sticky worker has the run cached: send only what it has not seen.
      const fromEventId = started.sticky ? started.previousStartedEventId + 1 : 1;
      const events = decodeEvents(
        await tx.readHistory(namespace, task.runId, fromEventId, Number.MAX_SAFE_INTEGER),
      );
      return create(PollWorkflowTaskQueueResponseSchema, {
        taskToken: encodeTaskToken({
          kind: 'workflow',
          namespace,
          runId: task.runId,
          scheduledEventId: task.scheduledEventId,
          attempt: task.attempt,
        }),
        workflowExecution: { workflowId: record.workflowId, runId: record.runId },
        workflowType: { name: record.workflowType },
        previousStartedEventId: started.previousStartedEventId,
        startedEventId: started.startedEventId,
        attempt: task.attempt,
        history: create(HistorySchema, { events }),
        scheduledTimeMs: started.scheduledTimeMs,
        startedTimeMs: started.startedTimeMs,
        updateRequests: started.updateRequests,
      });
    }
    return undefined;
  };
  const response = await longPoll(
    core,
    channel,
    signal,
    async () => {
      const local = core.matching.takeQuery(channel);
      // The other in-memory tasks are speculative workflow tasks carrying updates.
      const speculative =
        local && !queries.isPending(local.id) ? await claimSpeculativeTask(core, local, identity) : undefined;
      if (speculative) return speculative;
      return (
        (await claimOfferedTask(core, namespace, taskQueue, version, identity)) ??
        (await queries.take(namespace, sharedQueueKey(taskQueue, version), local)) ??
        core.transact(async (tx, effects) => {
          await notePoll(core, tx, facts);
          return claimInTx(tx, effects);
        })
      );
    },
    claimInTx,
  );
  return response ?? create(PollWorkflowTaskQueueResponseSchema, {});
}

/** Returns the activity tasks started eagerly for the completing worker (none unless it asked). */
export async function respondWorkflowTaskCompleted(
  core: EngineCore,
  request: RespondWorkflowTaskCompletedRequest,
): Promise<PollActivityTaskQueueResponse[]> {
  const token = decodeTaskToken(request.taskToken, 'workflow');
  if (token.kind !== 'workflow') return [];
  core.checkNamespace(token.namespace);
  const speculative = token.speculativeId !== undefined;
  const upserts = request.commands.some(
    (c) =>
      c.attributes.case === 'upsertWorkflowSearchAttributes' ||
      (c.attributes.case === 'continueAsNewWorkflowExecution' && c.attributes.value.searchAttributes) ||
      (c.attributes.case === 'startChildWorkflowExecution' &&
        c.attributes.value.searchAttributes !== undefined),
  );
  const worker = completingWorker(request);
  const { outcome, activityTasks } = await core.transact(async (tx, effects) => {
    const record = await tx.getExecution(token.namespace, token.runId);
    if (!record) throw taskNotFound(`workflow task of run "${token.runId}" not found`);
    const searchAttributeRegistry = upserts ? await loadRegistry(tx, token.namespace) : undefined;
    const outcome = await core.mutate(
      tx,
      effects,
      record,
      (m) => {
        // A speculative task answered with update rejections only is discarded: nothing is written.
        if (prepareSpeculativeAnswer(core, m, token, request.commands)) return undefined;
        if (!isWorkflowTaskRunning(m, token.scheduledEventId, token.attempt)) {
          throw taskNotFound(
            `workflow task ${token.scheduledEventId} (attempt ${token.attempt}) of workflow "${record.workflowId}" is not running`,
          );
        }
        return completeWorkflowTask(m, {
          commands: request.commands,
          identity: request.identity,
          binaryChecksum: request.binaryChecksum,
          stickyTaskQueue: request.stickyTaskQueue,
          stickyScheduleToStartTimeoutMs: request.stickyScheduleToStartTimeoutMs,
          searchAttributeRegistry,
          worker,
        });
      },
      { ownsSpeculativeTask: speculative },
    );
    const eager = outcome?.eagerActivities ?? [];
    return {
      outcome,
      activityTasks: eager.map((activity) => activityTaskResponse(token.namespace, record, activity)),
    };
  });
  await settleTaskUpdates(
    core,
    token,
    outcome?.rejection ? { kind: 'failed' } : { kind: 'completed', commands: request.commands },
  );
  return activityTasks;
}

export async function respondWorkflowTaskFailed(
  core: EngineCore,
  request: RespondWorkflowTaskFailedRequest,
): Promise<void> {
  const token = decodeTaskToken(request.taskToken, 'workflow');
  if (token.kind !== 'workflow') return;
  core.checkNamespace(token.namespace);
  checkFailure(request.failure, 'failure');
  await core.transact(async (tx, effects) => {
    const record = await tx.getExecution(token.namespace, token.runId);
    if (!record) throw taskNotFound(`workflow task of run "${token.runId}" not found`);
    await core.mutate(
      tx,
      effects,
      record,
      (m) => {
        // A failure must be visible in history: a speculative task's events are written first.
        prepareSpeculativeAnswer(core, m, token, undefined);
        if (!isWorkflowTaskRunning(m, token.scheduledEventId, token.attempt)) {
          throw taskNotFound(
            `workflow task ${token.scheduledEventId} (attempt ${token.attempt}) of workflow "${record.workflowId}" is not running`,
          );
        }
        failWorkflowTask(m, request.cause, request.failure, request.identity);
      },
      { ownsSpeculativeTask: token.speculativeId !== undefined },
    );
  });
  await settleTaskUpdates(core, token, { kind: 'failed' });
}
