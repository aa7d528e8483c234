import { create, fromBinary } from '@bufbuild/protobuf';
import { FailureSchema, PayloadsSchema, RetryPolicySchema } from '../gen/strata/v1/common_pb.js';
import { HistoryEventSchema } from '../gen/strata/v1/history_pb.js';
import {
  type CountWorkflowExecutionsRequest,
  type DescribeWorkflowExecutionRequest,
  type DescribeWorkflowExecutionResponse,
  DescribeWorkflowExecutionResponseSchema,
  type GetWorkflowExecutionHistoryRequest,
  type GetWorkflowExecutionHistoryResponse,
  GetWorkflowExecutionHistoryResponseSchema,
  type ListWorkflowExecutionsRequest,
  type ListWorkflowExecutionsResponse,
  ListWorkflowExecutionsResponseSchema,
  PendingActivityState,
  type WorkflowExecutionInfo,
  WorkflowExecutionInfoSchema,
} from '../gen/strata/v1/service_pb.js';
import type { ExecutionRecord } from '../store/store.js';
import { type EngineCore, isRunning, parseState } from './engine-core.js';
import { invalidArgument } from './errors.js';
import { pendingChildren } from './state/child-workflows.js';
import { decodeMessage } from './state/mutation.js';
import { memoOf, searchAttributesOf } from './state/search-attributes.js';
import { requireField } from './validation.js';
import { versioningInfoOf } from './versioning/versioning-info.js';
import { type ParsedQuery, parseVisibilityQuery } from './visibility/query-parser.js';
import { loadRegistry } from './visibility/search-attributes.js';
import { decodeEvents } from './workflow-task-api.js';

export function executionInfo(record: ExecutionRecord): WorkflowExecutionInfo {
  const state = parseState(record);
  return create(WorkflowExecutionInfoSchema, {
    execution: { workflowId: record.workflowId, runId: record.runId },
    type: { name: record.workflowType },
    startTimeMs: record.startTimeMs,
    closeTimeMs: record.closeTimeMs,
    status: record.status,
    historyLength: record.historyLength,
    taskQueue: record.taskQueue,
    executionTimeMs: record.startTimeMs,
    lastBinaryChecksum: state.lastBinaryChecksum,
    memo: memoOf(state),
    searchAttributes: searchAttributesOf(state),
    parentNamespace: state.parent?.namespace ?? '',
    parentExecution: state.parent && { workflowId: state.parent.workflowId, runId: state.parent.runId },
    versioningInfo: versioningInfoOf(state.versioning),
  });
}

export async function describeWorkflow(
  core: EngineCore,
  request: DescribeWorkflowExecutionRequest,
): Promise<DescribeWorkflowExecutionResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const workflowId = requireField(request.execution?.workflowId, 'execution.workflow_id');
  const record = await core.resolveRun(core.store, namespace, workflowId, request.execution?.runId ?? '');
  const state = parseState(record);
  const task = state.workflowTask;
  return create(DescribeWorkflowExecutionResponseSchema, {
    workflowExecutionInfo: executionInfo(record),
    pendingActivities: Object.values(state.activities).map((activity) => ({
      activityId: activity.activityId,
      activityType: { name: activity.activityType },
      state: activity.cancelRequested
        ? PendingActivityState.CANCEL_REQUESTED
        : activity.phase === 'started'
          ? PendingActivityState.STARTED
          : PendingActivityState.SCHEDULED,
      heartbeatDetails: decodeMessage(PayloadsSchema, activity.heartbeatDetails),
      lastHeartbeatTimeMs: activity.lastHeartbeatTimeMs,
      lastStartedTimeMs: activity.startedTimeMs,
      attempt: activity.attempt,
      maximumAttempts: decodeMessage(RetryPolicySchema, activity.retryPolicy)?.maximumAttempts ?? 0,
      scheduledTimeMs: activity.attemptScheduledTimeMs,
      expirationTimeMs:
        activity.scheduleToCloseTimeoutMs > 0
          ? activity.firstScheduledTimeMs + activity.scheduleToCloseTimeoutMs
          : 0,
      lastFailure: decodeMessage(FailureSchema, activity.lastFailure),
      lastWorkerIdentity: activity.startedIdentity,
    })),
    pendingWorkflowTask:
      task && isRunning(record)
        ? {
            scheduledTimeMs: task.scheduledTimeMs,
            startedTimeMs: task.startedTimeMs,
            attempt: task.attempt,
            lastFailure: decodeMessage(FailureSchema, state.workflowTaskLastFailure),
          }
        : undefined,
    pendingChildren: isRunning(record) ? pendingChildren(state) : [],
  });
}

function decodePageToken(token: Uint8Array): number {
  if (token.length === 0) return 1;
  const value = Number(Buffer.from(token).toString('utf8'));
  if (!Number.isInteger(value) || value < 1)
    throw invalidArgument('next_page_token is malformed; pass the token unchanged');
  return value;
}

export async function getHistory(
  core: EngineCore,
  request: GetWorkflowExecutionHistoryRequest,
  signal?: AbortSignal,
): Promise<GetWorkflowExecutionHistoryResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const workflowId = requireField(request.execution?.workflowId, 'execution.workflow_id');
  let record = await core.resolveRun(core.store, namespace, workflowId, request.execution?.runId ?? '');
  if (request.waitForClose) {
    if (isRunning(record)) {
      // Register before re-reading, so a close between the two cannot be missed.
      const waiter = core.waitForClose(namespace, record.runId, core.limits.longPollTimeoutMs, signal);
      const fresh = await core.store.getExecution(namespace, record.runId);
      if (fresh && !isRunning(fresh)) waiter.cancel();
      await waiter.promise;
      record = (await core.store.getExecution(namespace, record.runId)) ?? record;
    }
    if (isRunning(record))
      return create(GetWorkflowExecutionHistoryResponseSchema, { history: { events: [] } });
    const last = await core.store.readLastEvent(namespace, record.runId);
    return create(GetWorkflowExecutionHistoryResponseSchema, {
      history: { events: last ? [fromBinary(HistoryEventSchema, last.data)] : [] },
    });
  }
  const pageSize = request.maximumPageSize > 0 ? request.maximumPageSize : core.limits.historyPageSize;
  const from = decodePageToken(request.nextPageToken);
  const events = decodeEvents(await core.store.readHistory(namespace, record.runId, from, pageSize));
  const lastId = events.at(-1)?.eventId ?? 0;
  const more = events.length === pageSize && lastId < record.historyLength;
  return create(GetWorkflowExecutionHistoryResponseSchema, {
    history: { events },
    nextPageToken: more ? Buffer.from(String(lastId + 1)) : new Uint8Array(),
  });
}

export async function listWorkflows(
  core: EngineCore,
  request: ListWorkflowExecutionsRequest,
): Promise<ListWorkflowExecutionsResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const { filter, order } = await parseQuery(core, namespace, request.query);
  const pageSize = request.pageSize > 0 ? Math.min(request.pageSize, 1000) : core.limits.listPageSize;
  const page = await readListPage(request.nextPageToken, (cursor) =>
    core.store.listExecutions(namespace, filter, pageSize, cursor, order),
  );
  return create(ListWorkflowExecutionsResponseSchema, {
    executions: page.records.map(executionInfo),
    nextPageToken: page.nextCursor ? Buffer.from(page.nextCursor) : new Uint8Array(),
  });
}

/** Reads the page a list request's token points at; a token the store cannot decode is the caller's mistake. */
export async function readListPage<P>(
  nextPageToken: Uint8Array,
  read: (cursor: string | undefined) => Promise<P>,
): Promise<P> {
  const cursor = nextPageToken.length > 0 ? Buffer.from(nextPageToken).toString('utf8') : undefined;
  try {
    return await read(cursor);
  } catch (error) {
    if (cursor && error instanceof Error && /cursor|JSON/.test(error.message)) {
      throw invalidArgument('next_page_token is malformed; pass the token unchanged');
    }
    throw error;
  }
}

export async function countWorkflows(
  core: EngineCore,
  request: CountWorkflowExecutionsRequest,
): Promise<number> {
  const namespace = core.checkNamespace(request.namespace);
  const { filter } = await parseQuery(core, namespace, request.query);
  return core.store.countExecutions(namespace, filter);
}

/** Parses a list or count query; the registry is read only when the query has a condition. */
export async function parseQuery(core: EngineCore, namespace: string, query: string): Promise<ParsedQuery> {
  const registry = query.trim() === '' ? new Map() : await loadRegistry(core.store, namespace);
  return parseVisibilityQuery(query, registry);
}
