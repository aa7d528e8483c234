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
import type { ExecutionRecord, StoreTransaction } from '../store/store.js';
import { type CommitEffects, type EngineCore, isRunning } from './engine-core.js';
import { EngineError, workflowClosed } from './errors.js';
import { newRunId, randomSeed } from './run-id.js';
import { insertRun } from './runs.js';
import { validateCronSchedule, validateRetryPolicy, validateWorkflowTimeouts } from './start-options.js';
import { decideStart, resolveStartPolicies, type StartPolicies } from './start-policies.js';
import {
  requestCancelExecution,
  type StartExecutionInput,
  signalExecution,
  terminateExecution,
} from './state/execution.js';
import type { Mutation } from './state/mutation.js';
import { checkPayloadMap, checkPayloads, requireField } from './validation.js';
import { checkStartSearchAttributes } from './visibility/search-attributes.js';
import { checkVersioningOverride } from './workflow-options-api.js';

/** A checked start: the new run's input, the id policies, and what is checked inside the transaction. */
interface StartRequest {
  input: StartExecutionInput;
  policies: StartPolicies;
  requestId: string;
  /** Checked against the namespace's registry in the start's transaction. */
  searchAttributes: SearchAttributes | undefined;
}

function validateStart(
  core: EngineCore,
  request: StartWorkflowExecutionRequest,
  operation: 'start' | 'signalWithStart',
  prefix = '',
): StartRequest {
  const namespace = core.checkNamespace(request.namespace);
  requireField(request.workflowId, `${prefix}workflow_id`);
  requireField(request.workflowType?.name, `${prefix}workflow_type.name`);
  requireField(request.taskQueue, `${prefix}task_queue`);
  validateWorkflowTimeouts(request, prefix);
  checkPayloads(request.input, `${prefix}input`);
  checkPayloadMap(request.memo?.fields, `${prefix}memo.fields`);
  checkPayloadMap(request.searchAttributes?.indexedFields, `${prefix}search_attributes.indexed_fields`);
  const policies = resolveStartPolicies(
    request.workflowIdReusePolicy,
    request.workflowIdConflictPolicy,
    operation,
    prefix,
  );
  return {
    policies,
    requestId: request.requestId,
    searchAttributes: request.searchAttributes,
    input: {
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
      retryPolicy: validateRetryPolicy(request.retryPolicy, `${prefix}retry_policy`),
      cronSchedule: validateCronSchedule(request.cronSchedule, `${prefix}cron_schedule`),
      memo: request.memo,
      versioningOverride: checkVersioningOverride(request.versioningOverride, `${prefix}versioning_override`),
    },
  };
}

/**
 * Starts a run as the policies decide against the id's latest run: a new run, the running one
 * (USE_EXISTING, or a resent start), or a new run after terminating the running one (TERMINATE_EXISTING).
 * `afterStart` adds to the new run's first mutation; `onExisting` changes the running run that is kept.
 */
async function startRun(
  core: EngineCore,
  tx: StoreTransaction,
  effects: CommitEffects,
  start: StartRequest,
  changes: { afterStart?: (m: Mutation) => void; onExisting?: (m: Mutation) => void } = {},
): Promise<{ runId: string; started: boolean }> {
  const { policies, requestId } = start;
  const searchAttributes = await checkStartSearchAttributes(
    tx,
    start.input.namespace,
    start.searchAttributes,
  );
  const input = { ...start.input, searchAttributes };
  const latest = await tx.findLatestExecution(input.namespace, input.workflowId);
  const decision = decideStart(input.workflowId, latest, policies, requestId);
  if (decision.action === 'existing') {
    if (latest && changes.onExisting && isRunning(latest)) {
      await core.mutate(tx, effects, latest, changes.onExisting);
    }
    return { runId: decision.runId, started: decision.started };
  }
  if (decision.action === 'terminate-and-start' && latest) {
    await core.mutate(tx, effects, latest, (m) =>
      terminateExecution(
        m,
        `terminated by a new start of workflow "${input.workflowId}" (workflowIdConflictPolicy TERMINATE_EXISTING)`,
        undefined,
        input.identity,
      ),
    );
  }
  await insertRun(core, tx, effects, input, requestId, changes.afterStart);
  return { runId: input.runId, started: true };
}

export async function startWorkflow(
  core: EngineCore,
  request: StartWorkflowExecutionRequest,
): Promise<Pick<StartWorkflowExecutionResponse, 'runId' | 'started'>> {
  const start = validateStart(core, request, 'start');
  return core.transact((tx, effects) => startRun(core, tx, effects, start));
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
  const start = validateStart(core, request.start, 'signalWithStart', 'start.');
  const signalName = requireField(request.signalName, 'signal_name');
  checkPayloads(request.signalInput, 'signal_input');
  const identity = request.start.identity;
  const signal = (m: Mutation): void => signalExecution(m, signalName, request.signalInput, identity);
  return core.transact((tx, effects) =>
    startRun(core, tx, effects, start, { afterStart: signal, onExisting: signal }),
  );
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

export interface RunRef {
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
  await core.transact((tx, effects) => changeRunningWorkflow(core, tx, effects, run, change));
}

/**
 * Applies `change` to the run inside `tx`; the run must still be running. The RPCs above and batch
 * operations (engine/batch/) change runs through it.
 */
export async function changeRunningWorkflow(
  core: EngineCore,
  tx: StoreTransaction,
  effects: CommitEffects,
  run: RunRef,
  change: (m: Mutation) => void,
): Promise<void> {
  await core.mutate(tx, effects, await runningRecord(core, tx, run), change);
}

/** The run a request names, read in `tx`; not found, or closed, is the request's error. */
export async function runningRecord(
  core: EngineCore,
  tx: StoreTransaction,
  run: RunRef,
): Promise<ExecutionRecord> {
  const record = await core.resolveRun(tx, run.namespace, run.workflowId, run.runId);
  if (!isRunning(record)) throw workflowClosed(run.namespace, run.workflowId, record.runId);
  return record;
}
