import { randomBytes } from 'node:crypto';
import type { SearchAttributes, WorkflowExecution } from '../gen/strata/v1/common_pb.js';
import type {
  RequestCancelWorkflowExecutionRequest,
  RequestCancelWorkflowExecutionResponse,
  SignalWithStartWorkflowExecutionRequest,
  SignalWithStartWorkflowExecutionResponse,
  SignalWorkflowExecutionRequest,
  SignalWorkflowExecutionResponse,
  StartWorkflowExecutionRequest,
  StartWorkflowExecutionResponse,
  TerminateWorkflowExecutionRequest,
  TerminateWorkflowExecutionResponse,
} from '../gen/strata/v1/service_pb.js';
import { ExecutionAlreadyRunningError, type StoreTransaction } from '../store/store.js';
import { type CommitEffects, type EngineCore, isRunning } from './engine-core.js';
import { EngineError, workflowClosed } from './errors.js';
import { newRunId } from './run-id.js';
import {
  newExecutionState,
  requestCancelExecution,
  type StartExecutionInput,
  signalExecution,
  startExecution,
  terminateExecution,
} from './state/execution.js';
import { Mutation } from './state/mutation.js';
import { checkPayloadMap, checkPayloads, requireField, requireNonNegative } from './validation.js';
import { checkStartSearchAttributes } from './visibility/search-attributes.js';

/** A random seed that survives JSON and JS numbers exactly (53 bits). */
function randomSeed(): number {
  return Number(randomBytes(8).readBigUInt64BE() >> 11n);
}

function validateStart(
  core: EngineCore,
  request: StartWorkflowExecutionRequest,
  prefix = '',
): StartExecutionInput {
  const namespace = core.checkNamespace(request.namespace);
  requireField(request.workflowId, `${prefix}workflow_id`);
  requireField(request.workflowType?.name, `${prefix}workflow_type.name`);
  requireField(request.taskQueue, `${prefix}task_queue`);
  requireNonNegative(request.workflowExecutionTimeoutMs, `${prefix}workflow_execution_timeout_ms`);
  requireNonNegative(request.workflowRunTimeoutMs, `${prefix}workflow_run_timeout_ms`);
  requireNonNegative(request.workflowTaskTimeoutMs, `${prefix}workflow_task_timeout_ms`);
  checkPayloads(request.input, `${prefix}input`);
  checkPayloadMap(request.memo?.fields, `${prefix}memo.fields`);
  checkPayloadMap(request.searchAttributes?.indexedFields, `${prefix}search_attributes.indexed_fields`);
  return {
    namespace,
    workflowId: request.workflowId,
    runId: newRunId(core.clock.nowMs()),
    workflowType: request.workflowType?.name ?? '',
    taskQueue: request.taskQueue,
    input: request.input,
    executionTimeoutMs: request.workflowExecutionTimeoutMs,
    runTimeoutMs: request.workflowRunTimeoutMs,
    workflowTaskTimeoutMs: request.workflowTaskTimeoutMs,
    identity: request.identity,
    randomnessSeed: randomSeed(),
    memo: request.memo,
  };
}

function alreadyStarted(workflowId: string, runId: string): EngineError {
  return new EngineError({
    code: 'WORKFLOW_ALREADY_STARTED',
    kind: 'already_exists',
    message: `workflow "${workflowId}" is already running (run "${runId}"); wait for it to close, or use another workflow id`,
  });
}

async function insertRun(
  core: EngineCore,
  tx: StoreTransaction,
  effects: CommitEffects,
  start: StartExecutionInput,
  request: { requestId: string; searchAttributes?: SearchAttributes },
  afterStart?: (m: Mutation) => void,
): Promise<void> {
  const searchAttributes = await checkStartSearchAttributes(tx, start.namespace, request.searchAttributes);
  const input = { ...start, searchAttributes };
  const now = core.clock.nowMs();
  const m = new Mutation(newExecutionState(input, now), now);
  startExecution(m, input);
  afterStart?.(m);
  try {
    await tx.insertExecution({
      ...m.toWrite(),
      namespace: input.namespace,
      workflowId: input.workflowId,
      runId: input.runId,
      workflowType: input.workflowType,
      taskQueue: input.taskQueue,
      startTimeMs: now,
      startRequestId: request.requestId,
    });
  } catch (error) {
    if (error instanceof ExecutionAlreadyRunningError) throw alreadyStarted(input.workflowId, '?');
    throw error;
  }
  effects.record(m);
}

export async function startWorkflow(
  core: EngineCore,
  request: StartWorkflowExecutionRequest,
): Promise<Pick<StartWorkflowExecutionResponse, 'runId' | 'started'>> {
  const input = validateStart(core, request);
  return core.transact(async (tx, effects) => {
    const existing = await tx.findLatestExecution(input.namespace, input.workflowId);
    if (existing && isRunning(existing)) {
      // Same request id: a retry of a start that already succeeded.
      if (request.requestId && existing.startRequestId === request.requestId) {
        return { runId: existing.runId, started: true };
      }
      throw alreadyStarted(input.workflowId, existing.runId);
    }
    await insertRun(core, tx, effects, input, request);
    return { runId: input.runId, started: true };
  });
}

export async function signalWithStart(
  core: EngineCore,
  request: SignalWithStartWorkflowExecutionRequest,
): Promise<Pick<SignalWithStartWorkflowExecutionResponse, 'runId' | 'started'>> {
  if (!request.start)
    throw new EngineError({
      code: 'INVALID_ARGUMENT',
      kind: 'invalid_argument',
      message: 'start is required',
    });
  const input = validateStart(core, request.start, 'start.');
  const signalName = requireField(request.signalName, 'signal_name');
  checkPayloads(request.signalInput, 'signal_input');
  const identity = request.start.identity;
  return core.transact(async (tx, effects) => {
    const existing = await tx.findLatestExecution(input.namespace, input.workflowId);
    if (existing && isRunning(existing)) {
      await core.mutate(tx, effects, existing, (m) =>
        signalExecution(m, signalName, request.signalInput, identity),
      );
      return { runId: existing.runId, started: false };
    }
    await insertRun(core, tx, effects, input, request.start ?? { requestId: '' }, (m) =>
      signalExecution(m, signalName, request.signalInput, identity),
    );
    return { runId: input.runId, started: true };
  });
}

export async function signalWorkflow(
  core: EngineCore,
  request: SignalWorkflowExecutionRequest,
): Promise<Partial<SignalWorkflowExecutionResponse>> {
  const run = requireRun(core, request);
  const signalName = requireField(request.signalName, 'signal_name');
  checkPayloads(request.input, 'input');
  await mutateRunningWorkflow(core, run, (m) =>
    signalExecution(m, signalName, request.input, request.identity, request.requestId),
  );
  return {};
}

export async function requestCancelWorkflow(
  core: EngineCore,
  request: RequestCancelWorkflowExecutionRequest,
): Promise<Partial<RequestCancelWorkflowExecutionResponse>> {
  const run = requireRun(core, request);
  await mutateRunningWorkflow(core, run, (m) => requestCancelExecution(m, request.reason, request.identity));
  return {};
}

export async function terminateWorkflow(
  core: EngineCore,
  request: TerminateWorkflowExecutionRequest,
): Promise<Partial<TerminateWorkflowExecutionResponse>> {
  const run = requireRun(core, request);
  checkPayloads(request.details, 'details');
  await mutateRunningWorkflow(core, run, (m) =>
    terminateExecution(m, request.reason, request.details, request.identity),
  );
  return {};
}

interface RunRef {
  namespace: string;
  workflowId: string;
  /** Empty for the latest run of the workflow id. */
  runId: string;
}

/** The run a request names, checking its namespace and workflow id. */
function requireRun(
  core: EngineCore,
  request: { namespace: string; workflowExecution?: WorkflowExecution },
): RunRef {
  return {
    namespace: core.checkNamespace(request.namespace),
    workflowId: requireField(request.workflowExecution?.workflowId, 'workflow_execution.workflow_id'),
    runId: request.workflowExecution?.runId ?? '',
  };
}

/** Applies `change` to the run in one transaction; the run must still be running. */
async function mutateRunningWorkflow(
  core: EngineCore,
  run: RunRef,
  change: (m: Mutation) => void,
): Promise<void> {
  await core.transact(async (tx, effects) => {
    const record = await core.resolveRun(tx, run.namespace, run.workflowId, run.runId);
    if (!isRunning(record)) throw workflowClosed(run.namespace, run.workflowId, record.runId);
    await core.mutate(tx, effects, record, change);
  });
}
