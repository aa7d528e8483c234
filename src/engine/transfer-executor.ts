/**
 * Applies transfers (state/transfers.ts): each runs inside the transaction that claims its timer, so the
 * effect on the other execution and the answer recorded in the source run commit together, once.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { parseCronSchedule } from '../common/cron.js';
import { withRetryDefaults } from '../common/retry-policy-proto.js';
import {
  ParentClosePolicy,
  type WorkflowExecution,
  WorkflowIdConflictPolicy,
  type WorkflowIdReusePolicy,
} from '../gen/strata/v1/common_pb.js';
import {
  type HistoryEvent,
  HistoryEventSchema,
  StartChildWorkflowExecutionFailedCause,
} from '../gen/strata/v1/history_pb.js';
import type { ExecutionRecord, StoreTransaction } from '../store/store.js';
import { type CommitEffects, type EngineCore, isRunning, parseState } from './engine-core.js';
import { EngineError } from './errors.js';
import { newRunId, randomSeed } from './run-id.js';
import { insertRun } from './runs.js';
import { decideStart, resolveStartPolicies, type StartDecision } from './start-policies.js';
import { childAwaitingStart, childClosed, childStarted, startChildFailed } from './state/child-workflows.js';
import { requestCancelExecution, signalExecution, terminateExecution } from './state/execution.js';
import {
  cancelExternalFailed,
  type ExternalRequest,
  externalCancelRequested,
  externalSignaled,
  signalExternalFailed,
} from './state/external-workflows.js';
import type { Mutation } from './state/mutation.js';
import type { TransferPayload } from './state/transfers.js';
import { checkStartSearchAttributes } from './visibility/search-attributes.js';

/** The reason recorded when a parent's close terminates or cancels its child (Temporal's wording). */
const PARENT_CLOSE_REASON = 'by parent close policy';

interface TransferContext {
  core: EngineCore;
  tx: StoreTransaction;
  effects: CommitEffects;
  /** The run the transfer belongs to (the source). */
  record: ExecutionRecord;
}

export async function applyTransfer(
  core: EngineCore,
  tx: StoreTransaction,
  effects: CommitEffects,
  record: ExecutionRecord,
  payload: TransferPayload,
): Promise<void> {
  const context: TransferContext = { core, tx, effects, record };
  switch (payload.type) {
    case 'start-child':
      return startChild(context, payload.initiatedEventId);
    case 'report-close-to-parent':
      return reportCloseToParent(context);
    case 'parent-close-policy':
      return applyParentClosePolicy(context, payload.runId, payload.policy);
    case 'signal-external':
      return signalExternal(context, payload.initiatedEventId);
    case 'cancel-external':
      return cancelExternal(context, payload.initiatedEventId);
    default: {
      const unexpected: never = payload;
      throw new Error(`unknown transfer ${JSON.stringify(unexpected)}`);
    }
  }
}

async function readEvent(context: TransferContext, eventId: number): Promise<HistoryEvent> {
  const { tx, record } = context;
  const [stored] = await tx.readHistory(record.namespace, record.runId, eventId, 1);
  if (!stored) throw new Error(`event ${eventId} of run ${record.runId} is missing`);
  return fromBinary(HistoryEventSchema, stored.data);
}

function mutateSource(context: TransferContext, decide: (m: Mutation) => void): Promise<void> {
  return context.core.mutate(context.tx, context.effects, context.record, decide);
}

/**
 * Starts the child in the parent's namespace and records ChildWorkflowExecutionStarted, or
 * StartChildWorkflowExecutionFailed when its workflow id is running (or its reuse policy refuses a new
 * run). A closed parent starts only ABANDON children (their start was promised before the close).
 */
async function startChild(context: TransferContext, initiatedEventId: number): Promise<void> {
  const { core, tx, effects, record } = context;
  const child = childAwaitingStart(parseState(record), initiatedEventId);
  if (!child) return;
  const parentRunning = isRunning(record);
  if (!parentRunning && child.parentClosePolicy !== ParentClosePolicy.ABANDON) return;
  const event = await readEvent(context, initiatedEventId);
  if (event.attributes.case !== 'startChildWorkflowExecutionInitiatedEventAttributes') {
    throw new Error(`event ${initiatedEventId} of run ${record.runId} initiates no child workflow`);
  }
  const initiated = event.attributes.value;
  const failStart = async (cause: StartChildWorkflowExecutionFailedCause): Promise<void> => {
    if (!parentRunning) return;
    await mutateSource(context, (m) =>
      startChildFailed(m, initiatedEventId, cause, initiated.workflowTaskCompletedEventId),
    );
  };
  const decision = decideChildStart(
    child.workflowId,
    await tx.findLatestExecution(record.namespace, child.workflowId),
    initiated.workflowIdReusePolicy,
  );
  if (decision === undefined)
    return failStart(StartChildWorkflowExecutionFailedCause.WORKFLOW_ALREADY_EXISTS);
  let searchAttributes: Awaited<ReturnType<typeof checkStartSearchAttributes>>;
  try {
    searchAttributes = await checkStartSearchAttributes(tx, record.namespace, initiated.searchAttributes);
  } catch (error) {
    // The command was checked against the registry; only a change of the registry since lands here.
    if (error instanceof EngineError) return failStart(StartChildWorkflowExecutionFailedCause.UNSPECIFIED);
    throw error;
  }
  if (decision.action === 'terminate-and-start') {
    const existing = await tx.getExecution(record.namespace, decision.runId);
    if (existing) {
      await core.mutate(tx, effects, existing, (m) =>
        terminateExecution(
          m,
          `terminated by the start of child workflow "${child.workflowId}" of workflow "${record.workflowId}" (workflowIdReusePolicy TERMINATE_IF_RUNNING)`,
          undefined,
          '',
        ),
      );
    }
  }
  const runId = newRunId(core.clock.nowMs());
  await insertRun(
    core,
    tx,
    effects,
    {
      namespace: record.namespace,
      workflowId: child.workflowId,
      runId,
      workflowType: child.workflowType,
      taskQueue: initiated.taskQueue,
      input: initiated.input,
      executionTimeoutMs: initiated.workflowExecutionTimeoutMs,
      runTimeoutMs: initiated.workflowRunTimeoutMs,
      workflowTaskTimeoutMs: initiated.workflowTaskTimeoutMs,
      identity: '',
      randomnessSeed: randomSeed(),
      retryPolicy: initiated.retryPolicy && withRetryDefaults(initiated.retryPolicy),
      cronSchedule: initiated.cronSchedule && parseCronSchedule(initiated.cronSchedule).text,
      memo: initiated.memo,
      searchAttributes,
      parent: {
        namespace: record.namespace,
        workflowId: record.workflowId,
        runId: record.runId,
        initiatedEventId,
      },
    },
    `${record.runId}/${initiatedEventId}`,
  );
  if (parentRunning) await mutateSource(context, (m) => childStarted(m, initiatedEventId, runId));
}

/**
 * A child's start against its id's latest run: a running run always refuses it (conflict policy FAIL, as
 * in Temporal), except under the legacy TERMINATE_IF_RUNNING; a closed one as the reuse policy says.
 * Undefined when the start is refused.
 */
function decideChildStart(
  workflowId: string,
  latest: ExecutionRecord | undefined,
  reusePolicy: WorkflowIdReusePolicy,
): StartDecision | undefined {
  try {
    return decideStart(
      workflowId,
      latest,
      resolveStartPolicies(reusePolicy, WorkflowIdConflictPolicy.UNSPECIFIED, 'start'),
      '',
    );
  } catch (error) {
    if (error instanceof EngineError && error.code === 'WORKFLOW_ALREADY_STARTED') return undefined;
    throw error;
  }
}

/** The child (the source run) closed: its parent, if still running, records how. */
async function reportCloseToParent(context: TransferContext): Promise<void> {
  const { core, tx, effects, record } = context;
  const parent = parseState(record).parent;
  if (!parent) return;
  const parentRecord = await tx.getExecution(parent.namespace, parent.runId);
  if (!parentRecord || !isRunning(parentRecord)) return;
  const closing = await readEvent(context, record.historyLength);
  await core.mutate(tx, effects, parentRecord, (m) =>
    childClosed(m, parent.initiatedEventId, record.workflowId, record.runId, closing),
  );
}

async function applyParentClosePolicy(
  context: TransferContext,
  childRunId: string,
  policy: ParentClosePolicy,
): Promise<void> {
  const { core, tx, effects, record } = context;
  const child = await tx.getExecution(record.namespace, childRunId);
  if (!child || !isRunning(child)) return;
  await core.mutate(tx, effects, child, (m) => {
    if (policy === ParentClosePolicy.REQUEST_CANCEL) requestCancelExecution(m, PARENT_CLOSE_REASON, '');
    else terminateExecution(m, PARENT_CLOSE_REASON, undefined, '');
  });
}

/**
 * The running target of a signal or cancel: the named run, or the workflow id's latest run. With
 * `childOnly` it must be a child of the source workflow.
 */
async function findTarget(
  context: TransferContext,
  request: ExternalRequest,
  childOnly: boolean,
): Promise<ExecutionRecord | undefined> {
  const { tx, record } = context;
  const workflowId = request.target?.workflowId ?? '';
  const runId = request.target?.runId ?? '';
  const target = runId
    ? await tx.getExecution(record.namespace, runId)
    : await tx.findLatestExecution(record.namespace, workflowId);
  if (!target || target.workflowId !== workflowId || !isRunning(target)) return undefined;
  if (childOnly && parseState(target).parent?.workflowId !== record.workflowId) return undefined;
  return target;
}

/** The outcome of a signal or cancel, written into the target and the source. */
interface ExternalOutcome {
  onTarget(m: Mutation): void;
  delivered(m: Mutation, runId: string): void;
  failed(m: Mutation): void;
}

/** Delivers a signal or cancel to its target's running run, else records that it was not found. */
async function deliverExternal(
  context: TransferContext,
  request: ExternalRequest,
  childOnly: boolean,
  outcome: ExternalOutcome,
): Promise<void> {
  const { core, tx, effects, record } = context;
  const target = await findTarget(context, request, childOnly);
  if (!target) {
    await mutateSource(context, outcome.failed);
    return;
  }
  // A workflow that targets itself gets both changes in one change of its own state.
  if (target.runId === record.runId) {
    await mutateSource(context, (m) => {
      outcome.onTarget(m);
      outcome.delivered(m, target.runId);
    });
    return;
  }
  await core.mutate(tx, effects, target, outcome.onTarget);
  await mutateSource(context, (m) => outcome.delivered(m, target.runId));
}

function requestOf(
  initiatedEventId: number,
  initiated: { workflowTaskCompletedEventId: number; workflowExecution?: WorkflowExecution | undefined },
): ExternalRequest {
  return {
    initiatedEventId,
    workflowTaskCompletedEventId: initiated.workflowTaskCompletedEventId,
    target: initiated.workflowExecution,
  };
}

async function signalExternal(context: TransferContext, initiatedEventId: number): Promise<void> {
  const { record } = context;
  if (!isRunning(record)) return;
  const event = await readEvent(context, initiatedEventId);
  if (event.attributes.case !== 'signalExternalWorkflowExecutionInitiatedEventAttributes') {
    throw new Error(`event ${initiatedEventId} of run ${record.runId} initiates no signal`);
  }
  const initiated = event.attributes.value;
  const request = requestOf(initiatedEventId, initiated);
  const sender = { workflowId: record.workflowId, runId: record.runId };
  await deliverExternal(context, request, initiated.childWorkflowOnly, {
    onTarget: (m) => signalExecution(m, initiated.signalName, initiated.input, '', '', sender),
    delivered: (m, runId) => externalSignaled(m, request, runId),
    failed: (m) => signalExternalFailed(m, request),
  });
}

async function cancelExternal(context: TransferContext, initiatedEventId: number): Promise<void> {
  const { record } = context;
  if (!isRunning(record)) return;
  const event = await readEvent(context, initiatedEventId);
  if (event.attributes.case !== 'requestCancelExternalWorkflowExecutionInitiatedEventAttributes') {
    throw new Error(`event ${initiatedEventId} of run ${record.runId} initiates no cancellation`);
  }
  const initiated = event.attributes.value;
  const request = requestOf(initiatedEventId, initiated);
  const external = { execution: { workflowId: record.workflowId, runId: record.runId }, initiatedEventId };
  await deliverExternal(context, request, initiated.childWorkflowOnly, {
    onTarget: (m) => requestCancelExecution(m, initiated.reason, '', external),
    delivered: (m, runId) => externalCancelRequested(m, request, runId),
    failed: (m) => cancelExternalFailed(m, request),
  });
}
