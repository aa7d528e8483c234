/**
 * UpdateWorkflowExecution and PollWorkflowExecutionUpdate: admit an update (or find the one with the same
 * id), then long-poll until it reaches the stage asked for. An update's stage is read from the run's durable
 * state first (accepted, completed), then from the engine's memory (admitted, rejected).
 */
import { create, fromBinary } from '@bufbuild/protobuf';
import { type Failure, FailureSchema, WorkflowExecutionStatus } from '../gen/strata/v1/common_pb.js';
import { HistoryEventSchema } from '../gen/strata/v1/history_pb.js';
import {
  type PollWorkflowExecutionUpdateRequest,
  type PollWorkflowExecutionUpdateResponse,
  PollWorkflowExecutionUpdateResponseSchema,
  UpdateWorkflowExecutionLifecycleStage as Stage,
  type UpdateOutcome,
  UpdateOutcomeSchema,
  type UpdateWorkflowExecutionRequest,
  type UpdateWorkflowExecutionResponse,
  UpdateWorkflowExecutionResponseSchema,
} from '../gen/strata/v1/update_pb.js';
import type { ExecutionRecord } from '../store/store.js';
import { type EngineCore, isRunning, parseState, runKey } from './engine-core.js';
import { EngineError, invalidArgument } from './errors.js';
import { updatesInFlight } from './state/updates.js';
import { dispatchUpdates } from './update-delivery.js';
import type { PendingUpdate } from './update-registry.js';
import { checkPayloads, requireField } from './validation.js';

interface UpdateStatus {
  stage: Stage;
  outcome?: UpdateOutcome;
}

export async function updateWorkflowExecution(
  core: EngineCore,
  request: UpdateWorkflowExecutionRequest,
  signal?: AbortSignal,
): Promise<UpdateWorkflowExecutionResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const workflowId = requireField(request.workflowExecution?.workflowId, 'workflow_execution.workflow_id');
  const updateId = requireField(request.request?.meta?.updateId, 'request.meta.update_id');
  requireField(request.request?.input?.name, 'request.input.name');
  checkPayloads(request.request?.input?.args, 'request.input.args');
  const wanted = request.waitPolicy?.lifecycleStage || Stage.ACCEPTED;
  if (wanted === Stage.ADMITTED) {
    throw invalidArgument(
      'wait_policy.lifecycle_stage ADMITTED is not supported: an admitted update is not durable yet; wait for ACCEPTED or COMPLETED',
    );
  }
  const record = await core.resolveRun(
    core.store,
    namespace,
    workflowId,
    request.workflowExecution?.runId ?? '',
  );
  const key = runKey(namespace, record.runId);
  const state = parseState(record);
  const shared = core.sharedUpdates;
  let pending: PendingUpdate | undefined;
  if (state.updates?.[updateId] === undefined) {
    if (!isRunning(record)) throw closedBeforeAccepted(record, updateId);
    // Several server processes: the update may have been sent through another one.
    if (shared) await shared.sync(namespace, record.runId);
    pending = core.updates.pending(key, updateId);
    if (pending === undefined) {
      checkLimits(core, record, key);
      // The request as stored in history: identity included, so a resend that differs changes nothing.
      await shared?.share(namespace, record.runId, request.request!);
      pending = core.updates.admit(key, request.request!);
      await dispatchUpdates(core, namespace, record.runId, { synced: true });
    } else if (shared) {
      // A resend: the process that held its task may have died; offer it again if nobody holds it.
      await dispatchUpdates(core, namespace, record.runId, { synced: true });
    }
  }
  const status = await awaitStage(core, record, updateId, pending, wanted, signal);
  return create(UpdateWorkflowExecutionResponseSchema, {
    updateRef: { workflowExecution: { workflowId, runId: record.runId }, updateId },
    ...status,
  });
}

export async function pollWorkflowExecutionUpdate(
  core: EngineCore,
  request: PollWorkflowExecutionUpdateRequest,
  signal?: AbortSignal,
): Promise<PollWorkflowExecutionUpdateResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const ref = request.updateRef;
  const workflowId = requireField(
    ref?.workflowExecution?.workflowId,
    'update_ref.workflow_execution.workflow_id',
  );
  const updateId = requireField(ref?.updateId, 'update_ref.update_id');
  const record = await core.resolveRun(
    core.store,
    namespace,
    workflowId,
    ref?.workflowExecution?.runId ?? '',
  );
  // Several server processes: the update may have been sent through another one, and the process that
  // held its task may have died; it goes out again unless a process holds it.
  await core.sharedUpdates?.sync(namespace, record.runId);
  const pending = core.updates.pending(runKey(namespace, record.runId), updateId);
  if (core.sharedUpdates && pending) await dispatchUpdates(core, namespace, record.runId, { synced: true });
  // UNSPECIFIED (and ADMITTED, always reached by an update that exists) answer at once.
  const wanted = request.waitPolicy?.lifecycleStage || Stage.ADMITTED;
  const status = await awaitStage(core, record, updateId, pending, wanted, signal);
  return create(PollWorkflowExecutionUpdateResponseSchema, {
    updateRef: { workflowExecution: { workflowId, runId: record.runId }, updateId },
    ...status,
  });
}

function checkLimits(core: EngineCore, record: ExecutionRecord, key: string): void {
  const state = parseState(record);
  const { maxInFlightUpdates, maxTotalUpdates } = core.limits;
  const admitted = core.updates.pendingCount(key);
  if (admitted + updatesInFlight(state) >= maxInFlightUpdates) {
    throw new EngineError({
      code: 'UPDATE_LIMIT',
      kind: 'resource_exhausted',
      message: `workflow "${record.workflowId}" run "${record.runId}" already has ${maxInFlightUpdates} updates in flight, the most a run takes at once; retry once some have completed`,
    });
  }
  if (admitted + Object.keys(state.updates ?? {}).length >= maxTotalUpdates) {
    throw new EngineError({
      code: 'UPDATE_LIMIT',
      kind: 'resource_exhausted',
      message: `workflow "${record.workflowId}" run "${record.runId}" has accepted ${maxTotalUpdates} updates, the most one run takes; continue as new to go on with a fresh history`,
    });
  }
}

/**
 * Long-polls until the update reaches `wanted` (or completes), the poll times out, or the caller goes away;
 * returns the stage reached. Woken by the registry when an update of the run changes and when the run closes.
 */
async function awaitStage(
  core: EngineCore,
  record: ExecutionRecord,
  updateId: string,
  pending: PendingUpdate | undefined,
  wanted: Stage,
  signal: AbortSignal | undefined,
): Promise<UpdateStatus> {
  const { namespace, runId } = record;
  const key = runKey(namespace, runId);
  const deadline = Date.now() + core.limits.longPollTimeoutMs;
  for (;;) {
    // Listen before reading, so a change between the read and the wait cannot be missed.
    const change = core.updates.nextChange(key);
    const close = core.waitForClose(namespace, runId, Math.max(0, deadline - Date.now()), signal);
    try {
      const status = await updateStatus(core, namespace, runId, updateId, pending);
      const done = status.stage >= wanted || status.stage === Stage.COMPLETED;
      if (done || Date.now() >= deadline || signal?.aborted || core.closed) return status;
      await Promise.race([change.promise, close.promise]);
    } finally {
      change.cancel();
      close.cancel();
    }
  }
}

async function updateStatus(
  core: EngineCore,
  namespace: string,
  runId: string,
  updateId: string,
  pending: PendingUpdate | undefined,
): Promise<UpdateStatus> {
  const record = await core.store.getExecution(namespace, runId);
  if (!record) throw updateNotFound(namespace, runId, updateId);
  const accepted = parseState(record).updates?.[updateId];
  if (accepted) {
    if (accepted.completedEventId > 0) {
      return {
        stage: Stage.COMPLETED,
        outcome: await recordedOutcome(core, record, accepted.completedEventId),
      };
    }
    if (!isRunning(record)) return { stage: Stage.COMPLETED, outcome: abandoned(record, updateId) };
    return { stage: Stage.ACCEPTED };
  }
  if (pending?.rejection) {
    return {
      stage: Stage.COMPLETED,
      outcome: create(UpdateOutcomeSchema, { value: { case: 'failure', value: pending.rejection } }),
    };
  }
  if (!isRunning(record)) throw closedBeforeAccepted(record, updateId);
  if (core.updates.pending(runKey(namespace, runId), updateId)) return { stage: Stage.ADMITTED };
  throw updateNotFound(namespace, runId, updateId);
}

async function recordedOutcome(
  core: EngineCore,
  record: ExecutionRecord,
  eventId: number,
): Promise<UpdateOutcome> {
  const [stored] = await core.store.readHistory(record.namespace, record.runId, eventId, 1);
  const event = stored ? fromBinary(HistoryEventSchema, stored.data) : undefined;
  const a = event?.attributes;
  if (a?.case !== 'workflowExecutionUpdateCompletedEventAttributes' || !a.value.outcome) {
    throw new EngineError({
      code: 'UPDATE_NOT_FOUND',
      kind: 'internal',
      message: `event ${eventId} of run "${record.runId}" is not the WorkflowExecutionUpdateCompleted the run's state points at`,
    });
  }
  return a.value.outcome;
}

/** The outcome of an accepted update whose run closed before its handler finished (Temporal's failure type). */
function abandoned(record: ExecutionRecord, updateId: string): UpdateOutcome {
  const status = WorkflowExecutionStatus[record.status] ?? String(record.status);
  const failure: Failure = create(FailureSchema, {
    message: `[UPDATE_ABANDONED] workflow "${record.workflowId}" closed (${status}) before the handler of update "${updateId}" finished; the update has no result. Wait in the workflow with \`await condition(allHandlersFinished)\` before it returns`,
    source: 'strata-server',
    failureInfo: {
      case: 'applicationFailureInfo',
      value: { type: 'AcceptedUpdateCompletedWorkflow', nonRetryable: true },
    },
  });
  return create(UpdateOutcomeSchema, { value: { case: 'failure', value: failure } });
}

function closedBeforeAccepted(record: ExecutionRecord, updateId: string): EngineError {
  const status = WorkflowExecutionStatus[record.status] ?? String(record.status);
  return new EngineError({
    code: 'WORKFLOW_NOT_FOUND',
    kind: 'not_found',
    message: `workflow "${record.workflowId}" run "${record.runId}" in namespace "${record.namespace}" is already closed (${status}); update "${updateId}" was not accepted`,
  });
}

function updateNotFound(namespace: string, runId: string, updateId: string): EngineError {
  return new EngineError({
    code: 'UPDATE_NOT_FOUND',
    kind: 'not_found',
    message: `update "${updateId}" of run "${runId}" in namespace "${namespace}" not found: it was never sent to this run, or the workflow rejected it (rejected updates are not recorded)`,
  });
}
