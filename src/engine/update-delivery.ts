/**
 * Carrying update requests to workers, and what a workflow task's answer does to the updates it carried.
 *
 * A run with a workflow task of its own (queued, or retrying) gets its pending updates with that task. A run
 * with none gets a speculative workflow task: it lives only in memory (update-registry.ts), reaches pollers
 * like a query, and shows the worker a WorkflowTaskScheduled/WorkflowTaskStarted pair at the run's next event
 * ids. If the worker only rejects, nothing is written at all; any other answer writes that pair at those ids,
 * then the answer. A task that is running when an update arrives carries it to no worker: the update waits
 * for that task's answer, then goes out with the next task.
 */
import { randomUUID } from 'node:crypto';
import { create, fromBinary } from '@bufbuild/protobuf';
import type { Command } from '../gen/strata/v1/command_pb.js';
import { type Failure, FailureSchema } from '../gen/strata/v1/common_pb.js';
import { HistoryEventSchema } from '../gen/strata/v1/history_pb.js';
import {
  type PollWorkflowTaskQueueResponse,
  PollWorkflowTaskQueueResponseSchema,
} from '../gen/strata/v1/service_pb.js';
import { type UpdateRequestMessage, UpdateRequestMessageSchema } from '../gen/strata/v1/update_pb.js';
import { type EngineCore, isRunning, parseState, runKey } from './engine-core.js';
import { taskNotFound } from './errors.js';
import { type QueryTask, queueChannel } from './matching.js';
import { Mutation } from './state/mutation.js';
import type { ExecutionState } from './state/types.js';
import { isSpeculativeTaskOutstanding, recordSpeculativeWorkflowTask } from './state/updates.js';
import { defaultStickyScheduleToStartTimeoutMs } from './state/workflow-task.js';
import { encodeTaskToken, type TaskToken } from './task-token.js';
import type { PendingUpdate, SpeculativeTask, UpdateDelivery } from './update-registry.js';
import { runTaskVersion } from './versioning/route.js';
import { sharedQueueKey } from './versioning/shared-queue.js';

type WorkflowTaskToken = Extract<TaskToken, { kind: 'workflow' }>;

/** The request as a worker receives it; `startedEventId` is the delivering task's WorkflowTaskStarted. */
function requestMessage(update: PendingUpdate, startedEventId: number): UpdateRequestMessage {
  return create(UpdateRequestMessageSchema, {
    id: `${update.updateId}/request`,
    protocolInstanceId: update.updateId,
    eventId: startedEventId - 1,
    request: update.request,
  });
}

/** Marks the run's pending updates as carried by `delivery`; drops those the run accepted meanwhile. */
function deliverPending(
  core: EngineCore,
  key: string,
  state: ExecutionState,
  delivery: UpdateDelivery,
): PendingUpdate[] {
  for (const update of core.updates.pendingOf(key)) {
    // Accepted already: a caller resent the id while the first request was in a task (e.g. after a restart).
    if (state.updates?.[update.updateId]) core.updates.settle(key, update.updateId);
  }
  return core.updates.deliver(key, delivery);
}

/**
 * The update requests a durable workflow task carries, called as a worker claims it (`m` has just started
 * it). A speculative task no worker took yet is dropped: this task carries its updates.
 */
export function deliverUpdatesWithTask(
  core: EngineCore,
  m: Mutation,
  startedEventId: number,
): UpdateRequestMessage[] {
  const task = m.state.workflowTask;
  const key = runKey(m.state.namespace, m.state.runId);
  if (!task || core.updates.pendingCount(key) === 0) return [];
  const speculative = core.updates.speculativeTask(key);
  if (speculative && speculative.startedTimeMs === 0) dropSpeculativeTask(core, key, speculative);
  const delivery: UpdateDelivery = {
    kind: 'task',
    scheduledEventId: task.scheduledEventId,
    attempt: task.attempt,
  };
  return deliverPending(core, key, m.state, delivery).map((update) => requestMessage(update, startedEventId));
}

function dropSpeculativeTask(core: EngineCore, key: string, task: SpeculativeTask): void {
  core.matching.removeQuery(task.id);
  core.updates.dropSpeculativeTask(key, task.id);
}

/** A speculative task's standing against the run's state. */
function speculativeTaskStanding(
  state: ExecutionState,
  task: SpeculativeTask,
): 'outstanding' | 'written' | 'gone' {
  if (isSpeculativeTaskOutstanding(state, task.scheduledEventId)) return 'outstanding';
  const running = state.workflowTask;
  if (running?.scheduledEventId === task.scheduledEventId && running.startedEventId > 0) return 'written';
  return 'gone';
}

/** How a dispatch goes about it. */
interface DispatchOptions {
  /** Send the speculative task to the sticky queue while its worker polls here. @default true */
  sticky?: boolean;
  /** The registry was just brought in line with the shared rows (several server processes). */
  synced?: boolean;
}

/**
 * Makes sure the run's undelivered updates reach a worker: with the run's own workflow task if it has one,
 * else with a speculative task (with several server processes, offered to the pollers of all of them). Called
 * after an update is admitted and after every answer to a task that carried updates (with several processes,
 * after every answer: an update admitted elsewhere may wait for it). A closed run forgets its updates; their
 * callers then read why.
 */
export async function dispatchUpdates(
  core: EngineCore,
  namespace: string,
  runId: string,
  options: DispatchOptions = {},
): Promise<void> {
  const key = runKey(namespace, runId);
  const shared = core.sharedUpdates;
  if (shared && !options.synced) await shared.sync(namespace, runId);
  if (core.updates.pendingCount(key) === 0 && !core.updates.speculativeTask(key)) return;
  const record = await core.store.getExecution(namespace, runId);
  if (!record || !isRunning(record)) {
    core.updates.dropRun(key);
    await shared?.forgetRun(namespace, runId);
    return;
  }
  const state = parseState(record);
  // Before looking at the registry: no await may come between that look and setting the task.
  const version = await runTaskVersion(core.store, state);
  const existing = core.updates.speculativeTask(key);
  if (existing) {
    // Not taken yet, its claim delivers every pending update; taken (written or not), its answer dispatches again.
    if (speculativeTaskStanding(state, existing) !== 'gone') return;
    dropSpeculativeTask(core, key, existing);
    // Updates sent through other processes while this one held the run's offer (they could not offer it).
    if (shared) await shared.sync(namespace, runId);
  }
  const undelivered = core.updates.pendingOf(key).some((update) => update.delivery === undefined);
  if (!undelivered || state.workflowTask || core.closed) return;
  const stickyVersion = state.versioning?.stickyVersion ?? '';
  const stickyChannel = state.stickyTaskQueue
    ? queueChannel(namespace, state.stickyTaskQueue, 'workflow', stickyVersion)
    : '';
  // As for queries: the sticky queue only while its worker polls, else any worker rebuilds the run.
  const sticky = (options.sticky ?? true) && stickyChannel !== '' && core.matching.hasWaiter(stickyChannel);
  const taskQueue = sticky ? state.stickyTaskQueue : state.taskQueue;
  let id: string | undefined = randomUUID();
  if (shared && !sticky) {
    // A poller of any server may take it: the offer is claimed once, and the claim makes the task.
    await shared.offer(namespace, runId, sharedQueueKey(taskQueue, version));
    return;
  }
  // The run's sticky worker polls here: this process takes the run's offer itself, unless another holds it.
  if (shared) id = await shared.hold(namespace, runId, sharedQueueKey(taskQueue, stickyVersion));
  if (id === undefined) return;
  const task = newSpeculativeTask(core, id, state, taskQueue, sticky);
  core.updates.setSpeculativeTask(key, task);
  if (sticky) {
    const timeoutMs = state.stickyScheduleToStartTimeoutMs || defaultStickyScheduleToStartTimeoutMs;
    task.timer = setTimeout(() => expireSpeculativeTask(core, key, task), timeoutMs);
  }
  const channel = sticky ? stickyChannel : queueChannel(namespace, taskQueue, 'workflow', version);
  core.matching.pushQuery(channel, {
    id: task.id,
    namespace,
    runId,
    taskQueue,
  });
}

function newSpeculativeTask(
  core: EngineCore,
  id: string,
  state: ExecutionState,
  taskQueue: string,
  sticky: boolean,
): SpeculativeTask {
  return {
    id,
    namespace: state.namespace,
    runId: state.runId,
    scheduledEventId: state.nextEventId,
    attempt: state.workflowTaskAttempt,
    taskQueue,
    sticky,
    scheduledTimeMs: core.clock.nowMs(),
    startedTimeMs: 0,
    identity: '',
    requestId: '',
    timer: undefined,
  };
}

/**
 * With several server processes: a poller of the queue takes an offered speculative task (offered by any
 * process), which becomes this process's speculative task for the run, carrying the run's pending updates.
 */
export async function claimOfferedTask(
  core: EngineCore,
  namespace: string,
  taskQueue: string,
  version: string,
  identity: string,
): Promise<PollWorkflowTaskQueueResponse | undefined> {
  const shared = core.sharedUpdates;
  const offer = shared && (await shared.claim(namespace, sharedQueueKey(taskQueue, version)));
  if (!shared || !offer) return undefined;
  const key = runKey(namespace, offer.runId);
  await shared.sync(namespace, offer.runId);
  const record = await core.store.getExecution(namespace, offer.runId);
  if (!record || core.updates.speculativeTask(key) || core.closed) {
    await shared.releaseOffer(namespace, offer);
    // Another process may have tried to offer the run's updates meanwhile.
    if (!core.closed) await dispatchUpdates(core, namespace, offer.runId);
    return undefined;
  }
  const task = newSpeculativeTask(core, offer.id, parseState(record), taskQueue, false);
  core.updates.setSpeculativeTask(key, task);
  // Gives the task out if it is still the run's next step; else drops it (releasing the offer) and dispatches.
  return claimSpeculativeTask(core, { id: task.id, namespace, runId: offer.runId, taskQueue }, identity);
}

/**
 * A speculative task nobody took in time (sticky), or whose worker did not answer in time: it goes to the
 * normal queue again, writing nothing. Once its events are written it is a normal task with durable timeouts.
 */
function expireSpeculativeTask(core: EngineCore, key: string, task: SpeculativeTask): void {
  const expire = async (): Promise<void> => {
    if (core.updates.speculativeTask(key) !== task) return;
    const record = await core.store.getExecution(task.namespace, task.runId);
    if (record && speculativeTaskStanding(parseState(record), task) === 'written') return;
    dropSpeculativeTask(core, key, task);
    await dispatchUpdates(core, task.namespace, task.runId, { sticky: false });
  };
  expire().catch((error: unknown) =>
    core.logger.error('re-dispatching updates failed', { runId: task.runId, error: String(error) }),
  );
}

/**
 * A poller took in-memory task `taken` that is no query: hands out the speculative task it names, if it is
 * still the run's next step; otherwise re-dispatches its updates and returns undefined.
 */
export async function claimSpeculativeTask(
  core: EngineCore,
  taken: QueryTask,
  identity: string,
): Promise<PollWorkflowTaskQueueResponse | undefined> {
  const { namespace, runId } = taken;
  const key = runKey(namespace, runId);
  const task = core.updates.speculativeTask(key);
  if (task?.id !== taken.id || task.startedTimeMs > 0) return undefined;
  clearTimeout(task.timer);
  // In a transaction, so that no write of the run interleaves between the check and the start.
  const claimed = await core.transact(async (tx) => {
    const record = await tx.getExecution(namespace, runId);
    if (!record || core.updates.speculativeTask(key) !== task) return undefined;
    const state = parseState(record);
    if (!isSpeculativeTaskOutstanding(state, task.scheduledEventId)) return undefined;
    const updates = deliverPending(core, key, state, { kind: 'speculative', taskId: task.id });
    if (updates.length === 0) return undefined;
    task.startedTimeMs = core.clock.nowMs();
    task.identity = identity;
    task.requestId = randomUUID();
    const fromEventId = task.sticky ? state.previousStartedEventId + 1 : 1;
    const stored = await tx.readHistory(namespace, runId, fromEventId, task.scheduledEventId - fromEventId);
    return { record, state, updates, stored };
  });
  if (!claimed) {
    if (core.updates.speculativeTask(key) === task) dropSpeculativeTask(core, key, task);
    await dispatchUpdates(core, namespace, runId);
    return undefined;
  }
  const { record, state, updates, stored } = claimed;
  task.timer = setTimeout(() => expireSpeculativeTask(core, key, task), state.workflowTaskTimeoutMs);
  // The pair of events the worker sees is made by the very function that writes them if the task is kept.
  const shown = new Mutation(structuredClone(state), task.startedTimeMs);
  recordSpeculativeWorkflowTask(shown, task, core.limits);
  const startedEventId = task.scheduledEventId + 1;
  return create(PollWorkflowTaskQueueResponseSchema, {
    taskToken: encodeTaskToken({
      kind: 'workflow',
      namespace,
      runId,
      scheduledEventId: task.scheduledEventId,
      attempt: task.attempt,
      speculativeId: task.id,
    }),
    workflowExecution: { workflowId: record.workflowId, runId },
    workflowType: { name: record.workflowType },
    previousStartedEventId: state.previousStartedEventId,
    startedEventId,
    attempt: task.attempt,
    history: {
      events: [...stored.map((event) => fromBinary(HistoryEventSchema, event.data)), ...shown.events],
    },
    scheduledTimeMs: task.scheduledTimeMs,
    startedTimeMs: task.startedTimeMs,
    updateRequests: updates.map((update) => requestMessage(update, startedEventId)),
    speculative: true,
  });
}

function isRejectionOnly(commands: readonly Command[]): boolean {
  return commands.every((command) => command.attributes.case === 'rejectWorkflowUpdate');
}

/**
 * Inside the decision of a speculative task's completion or failure: true when the task is to be discarded
 * (an answer of rejections only, nothing written); otherwise writes its events if not written yet, so the
 * answer applies to a normal running task. Throws when the task is gone (it timed out, the run moved on).
 */
export function prepareSpeculativeAnswer(
  core: EngineCore,
  m: Mutation,
  token: WorkflowTaskToken,
  commands: readonly Command[] | undefined,
): boolean {
  if (token.speculativeId === undefined) return false;
  const task = core.updates.speculativeTask(runKey(token.namespace, token.runId));
  if (task?.id !== token.speculativeId || task.startedTimeMs === 0) {
    throw taskNotFound(`speculative workflow task ${token.scheduledEventId} of run "${token.runId}" is gone`);
  }
  if (!isSpeculativeTaskOutstanding(m.state, task.scheduledEventId)) return false;
  if (commands !== undefined && isRejectionOnly(commands)) return true;
  recordSpeculativeWorkflowTask(m, task, core.limits);
  return false;
}

/** How a workflow task that carried updates ended. */
export type TaskAnswer =
  /** Completed (written, or discarded when speculative) with these commands. */
  | { kind: 'completed'; commands: readonly Command[] }
  /** Failed, timed out, or its commands were refused: the next task carries its updates again. */
  | { kind: 'failed' };

/**
 * After the write of a task's answer committed: the callers of the updates it rejected get the failure, the
 * accepted ones are now durable, the ones it ignored are rejected for it (a worker that does not handle
 * updates), and what is still pending goes out again. With several server processes, the shared rows are read
 * first (updates admitted elsewhere wait for this answer) and what the answer settled or completed is written
 * back and announced, for the callers waiting on other processes.
 */
export async function settleTaskUpdates(
  core: EngineCore,
  token: WorkflowTaskToken,
  answer: TaskAnswer,
): Promise<void> {
  const { namespace, runId } = token;
  const key = runKey(namespace, runId);
  const shared = core.sharedUpdates;
  if (shared) await shared.sync(namespace, runId);
  const answersUpdates = answer.kind === 'completed' && answer.commands.some(isUpdateCommand);
  if (!core.updates.isTracked(key)) {
    if (shared && answersUpdates) await shared.settle(namespace, runId, [], []);
    return;
  }
  const record = await core.store.getExecution(namespace, runId);
  const carried = (delivery: UpdateDelivery): boolean =>
    token.speculativeId !== undefined
      ? delivery.kind === 'speculative' && delivery.taskId === token.speculativeId
      : delivery.kind === 'task' &&
        delivery.scheduledEventId === token.scheduledEventId &&
        delivery.attempt === token.attempt;
  let settled: SettledUpdates = { accepted: [], rejected: [] };
  if (answer.kind === 'failed') core.updates.undeliver(key, carried);
  // Updates a closing task left unanswered are the closed run's: their callers learn it closed.
  else
    settled = settleAnswers(
      core,
      key,
      answer.commands,
      record !== undefined && isRunning(record) ? carried : () => false,
    );
  if (token.speculativeId !== undefined) core.updates.dropSpeculativeTask(key, token.speculativeId);
  core.updates.notify(key);
  if (shared && (answersUpdates || settled.rejected.length > 0)) {
    await shared.settle(namespace, runId, settled.accepted, settled.rejected);
  }
  // A speculative task's offer went with it: read again once it is gone (see SharedUpdates.sync).
  await dispatchUpdates(core, namespace, runId, { synced: token.speculativeId === undefined });
}

function isUpdateCommand(command: Command): boolean {
  const kind = command.attributes.case;
  return (
    kind === 'acceptWorkflowUpdate' || kind === 'rejectWorkflowUpdate' || kind === 'completeWorkflowUpdate'
  );
}

/** What a task's answer did to the updates pending in memory. */
interface SettledUpdates {
  accepted: string[];
  rejected: Array<{ updateId: string; failure: Failure }>;
}

function settleAnswers(
  core: EngineCore,
  key: string,
  commands: readonly Command[],
  carried: (delivery: UpdateDelivery) => boolean,
): SettledUpdates {
  const settled: SettledUpdates = { accepted: [], rejected: [] };
  const answered = new Set<string>();
  const reject = (updateId: string, failure: Failure): void => {
    const update = core.updates.pending(key, updateId);
    if (update) update.rejection = failure;
    core.updates.settle(key, updateId);
    settled.rejected.push({ updateId, failure });
  };
  for (const command of commands) {
    const a = command.attributes;
    if (a.case === 'acceptWorkflowUpdate') {
      const updateId = a.value.acceptedRequest?.meta?.updateId ?? '';
      answered.add(updateId);
      core.updates.settle(key, updateId);
      settled.accepted.push(updateId);
    } else if (a.case === 'rejectWorkflowUpdate') {
      answered.add(a.value.protocolInstanceId);
      reject(a.value.protocolInstanceId, a.value.failure ?? create(FailureSchema, { message: 'rejected' }));
    }
  }
  for (const update of core.updates.pendingOf(key)) {
    if (update.delivery === undefined || !carried(update.delivery) || answered.has(update.updateId)) continue;
    reject(
      update.updateId,
      create(FailureSchema, {
        message: `[UPDATE_UNHANDLED] the workflow task that carried update "${update.updateId}" completed without accepting or rejecting it; does the worker handle updates?`,
        source: 'strata-server',
        failureInfo: {
          case: 'applicationFailureInfo',
          value: { type: 'UpdateUnhandled', nonRetryable: true },
        },
      }),
    );
  }
  return settled;
}
