import { randomUUID } from 'node:crypto';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  type PollWorkflowTaskQueueResponse,
  PollWorkflowTaskQueueResponseSchema,
  type QueryWorkflowRequest,
  type QueryWorkflowResponse,
  type RespondQueryTaskCompletedRequest,
  RespondQueryTaskCompletedRequestSchema,
  type WorkflowQuery,
  WorkflowQuerySchema,
} from '../gen/strata/v1/service_pb.js';
import type { StoreCluster } from '../store/cluster.js';
import { type EngineCore, parseState } from './engine-core.js';
import { EngineError, taskNotFound } from './errors.js';
import { type QueryTask as InMemoryTask, queueChannel } from './matching.js';
import { decodeTaskToken, encodeTaskToken } from './task-token.js';
import { checkPayloads, requireField } from './validation.js';
import { runTaskVersion } from './versioning/route.js';
import { sharedQueueChannel, sharedQueueKey } from './versioning/shared-queue.js';
import { decodeEvents } from './workflow-task-api.js';

export interface PendingQuery {
  query: WorkflowQuery | undefined;
  resolve: (response: Partial<QueryWorkflowResponse>) => void;
  reject: (error: EngineError) => void;
}

/** A query to hand to a poller of `channel`; `sharedKey` names its queue (and version) in the shared table. */
interface Dispatch {
  namespace: string;
  runId: string;
  taskQueue: string;
  channel: string;
  sharedKey: string;
  query: WorkflowQuery | undefined;
  /** For errors: what was asked, and what to check when nobody answers. */
  what: string;
  hint: string;
}

/** A query handed to a poller: its id, its run, and what it asks. */
interface QueryTask {
  id: string;
  namespace: string;
  runId: string;
  query: WorkflowQuery | undefined;
}

/**
 * Queries are tasks that live in memory, never in history. The server that receives one keeps it
 * pending and hands it to a poller of the workflow's task queue. With several server processes on one
 * database (a store `cluster`), a query for which no poller waits in this process goes through the
 * shared query table instead: a `query` notification wakes pollers everywhere, one of them claims it,
 * the worker's answer is written back to the row, and an `answer` notification tells this process to
 * read it.
 */
export class Queries {
  private readonly pending = new Map<string, PendingQuery>();
  /** Channels with shared queries to look for; a count so a claim that found none clears only its own. */
  private readonly sharedMarks = new Map<string, { namespace: string; taskQueue: string; count: number }>();
  /** Channels polled here, re-checked for shared queries after notifications may have been missed. */
  private readonly polled = new Map<string, { namespace: string; taskQueue: string }>();

  constructor(
    private readonly core: EngineCore,
    private readonly cluster: StoreCluster | undefined,
  ) {}

  /** QueryWorkflow: waits for a worker's answer, up to the query timeout. */
  async query(request: QueryWorkflowRequest, signal?: AbortSignal): Promise<Partial<QueryWorkflowResponse>> {
    const core = this.core;
    const namespace = core.checkNamespace(request.namespace);
    const workflowId = requireField(request.execution?.workflowId, 'execution.workflow_id');
    const queryType = requireField(request.query?.queryType, 'query.query_type');
    checkPayloads(request.query?.queryArgs, 'query.query_args');
    const record = await core.resolveRun(core.store, namespace, workflowId, request.execution?.runId ?? '');
    const state = parseState(record);
    const stickyVersion = state.versioning?.stickyVersion ?? '';
    const stickyChannel = state.stickyTaskQueue
      ? queueChannel(namespace, state.stickyTaskQueue, 'workflow', stickyVersion)
      : '';
    const useSticky = stickyChannel !== '' && core.matching.hasWaiter(stickyChannel);
    const taskQueue = useSticky ? state.stickyTaskQueue : state.taskQueue;
    // The version whose pollers may answer: the sticky worker's, else the one the run's next task goes to.
    const version = useSticky ? stickyVersion : await runTaskVersion(core.store, state);
    const channel = queueChannel(namespace, taskQueue, 'workflow', version);
    const sharedKey = sharedQueueKey(taskQueue, version);
    return this.dispatch(
      {
        namespace,
        runId: record.runId,
        taskQueue,
        channel,
        sharedKey,
        query: request.query,
        what: `query "${queryType}" of workflow "${workflowId}"`,
        hint: `is a worker polling task queue "${state.taskQueue}"?`,
      },
      signal,
    );
  }

  /**
   * Hands `query` to a worker of `version` polling the run's task queue (never to another version's, on this
   * server or through the shared table), and waits for its answer like a query. ReplayWorkflowsOnVersion
   * sends its replays this way.
   */
  askVersion(
    target: { namespace: string; workflowId: string; runId: string; taskQueue: string; version: string },
    query: WorkflowQuery,
    signal?: AbortSignal,
  ): Promise<Partial<QueryWorkflowResponse>> {
    const { namespace, taskQueue, version } = target;
    return this.dispatch(
      {
        namespace,
        runId: target.runId,
        taskQueue,
        channel: queueChannel(namespace, taskQueue, 'workflow', version),
        sharedKey: sharedQueueKey(taskQueue, version),
        query,
        what: `query "${query.queryType}" of workflow "${target.workflowId}" for version "${version}"`,
        hint: `is a worker of version "${version}" polling task queue "${taskQueue}"?`,
      },
      signal,
    );
  }

  /** Queues a query for a poller of `channel` (here, or through the shared table) and waits for its answer. */
  private dispatch(task: Dispatch, signal: AbortSignal | undefined): Promise<Partial<QueryWorkflowResponse>> {
    const core = this.core;
    const { namespace, channel, taskQueue, sharedKey } = task;
    // Another process's poller may have to answer: share it unless a poller waits here.
    const shared = this.cluster !== undefined && !core.matching.hasWaiter(channel) ? this.cluster : undefined;
    const id = randomUUID();
    const timeoutMs = core.limits.queryTimeoutMs;
    return new Promise<Partial<QueryWorkflowResponse>>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
        core.matching.removeQuery(id);
        shared?.dropQuery(id).catch(() => undefined);
      };
      const fail = (error: EngineError): void => {
        cleanup();
        reject(error);
      };
      const timer = setTimeout(
        () =>
          fail(
            new EngineError({
              code: 'QUERY_TIMEOUT',
              kind: 'deadline_exceeded',
              message: `no worker answered ${task.what} within ${timeoutMs} ms; ${task.hint}`,
            }),
          ),
        timeoutMs,
      );
      const onAbort = (): void =>
        fail(
          new EngineError({
            code: 'QUERY_TIMEOUT',
            kind: 'deadline_exceeded',
            message: 'the query was canceled by the caller',
          }),
        );
      signal?.addEventListener('abort', onAbort);
      this.pending.set(id, {
        query: task.query,
        resolve: (value) => {
          cleanup();
          resolve(value);
        },
        reject: fail,
      });
      if (!shared) {
        core.matching.pushQuery(channel, { id, namespace, runId: task.runId, taskQueue });
        return;
      }
      shared
        .enqueueQuery({
          id,
          namespace,
          taskQueue: sharedKey,
          runId: task.runId,
          query: toBinary(WorkflowQuerySchema, task.query ?? create(WorkflowQuerySchema)),
          deadlineMs: Date.now() + timeoutMs,
        })
        .then(
          () => this.onSharedQuery(namespace, sharedKey),
          (error: unknown) =>
            fail(
              new EngineError({
                code: 'STORE_UNAVAILABLE',
                kind: 'unavailable',
                message: `could not queue ${task.what}: ${String(error)}; retry it`,
                cause: error,
              }),
            ),
        );
    });
  }

  /** True for a query of this process still waiting for its answer. */
  isPending(id: string): boolean {
    return this.pending.has(id);
  }

  /**
   * The next query for a poller of the workflow task queue, as a poll response; undefined if none.
   * `local` is the in-memory task the poller took off its channel (if it is a pending query, that one).
   */
  async take(
    namespace: string,
    sharedKey: string,
    local: InMemoryTask | undefined,
  ): Promise<PollWorkflowTaskQueueResponse | undefined> {
    const channel = sharedQueueChannel(namespace, sharedKey);
    const pending = local && this.pending.get(local.id);
    const task: QueryTask | undefined =
      local && pending
        ? { id: local.id, namespace: local.namespace, runId: local.runId, query: pending.query }
        : await this.claimShared(channel, namespace, sharedKey);
    if (!task) return undefined;
    const core = this.core;
    const record = await core.store.getExecution(task.namespace, task.runId);
    if (!record) return undefined;
    const state = parseState(record);
    const history = decodeEvents(
      await core.store.readHistory(namespace, record.runId, 1, Number.MAX_SAFE_INTEGER),
    );
    return create(PollWorkflowTaskQueueResponseSchema, {
      taskToken: encodeTaskToken({ kind: 'query', namespace, queryId: task.id }),
      workflowExecution: { workflowId: record.workflowId, runId: record.runId },
      workflowType: { name: record.workflowType },
      previousStartedEventId: state.previousStartedEventId,
      startedEventId: history.at(-1)?.eventId ?? 0,
      attempt: 1,
      history: { events: history },
      query: task.query,
      scheduledTimeMs: core.clock.nowMs(),
      startedTimeMs: core.clock.nowMs(),
    });
  }

  /** RespondQueryTaskCompleted: settles a query of this process, or answers a shared one. */
  async respond(request: RespondQueryTaskCompletedRequest): Promise<void> {
    const token = decodeTaskToken(request.taskToken, 'query');
    if (token.kind !== 'query') return;
    this.core.checkNamespace(token.namespace);
    checkPayloads(request.queryResult, 'query_result');
    const pending = this.pending.get(token.queryId);
    if (pending) {
      settle(pending, request);
      return;
    }
    const answered =
      this.cluster !== undefined &&
      (await this.cluster.answerQuery(
        token.queryId,
        toBinary(RespondQueryTaskCompletedRequestSchema, request),
      ));
    if (!answered) {
      throw taskNotFound(`query task "${token.queryId}" not found (it timed out or was answered)`);
    }
  }

  /** A shared query may be waiting for pollers of this queue (another process queued it, or this one). */
  onSharedQuery(namespace: string, taskQueue: string): void {
    const channel = sharedQueueChannel(namespace, taskQueue);
    const mark = this.sharedMarks.get(channel);
    this.sharedMarks.set(channel, { namespace, taskQueue, count: (mark?.count ?? 0) + 1 });
    this.core.matching.notify(channel);
  }

  /** Another process recorded the answer of one of this process's queries. */
  async onAnswer(queryId: string): Promise<void> {
    const pending = this.pending.get(queryId);
    if (!pending || !this.cluster) return;
    const answer = await this.cluster.readAnswer(queryId);
    if (answer) settle(pending, fromBinary(RespondQueryTaskCompletedRequestSchema, answer));
  }

  /** Notifications may have been missed: look for shared queries and answers again. */
  async resync(): Promise<void> {
    for (const [channel, { namespace, taskQueue }] of this.polled) {
      const mark = this.sharedMarks.get(channel);
      this.sharedMarks.set(channel, { namespace, taskQueue, count: (mark?.count ?? 0) + 1 });
    }
    await Promise.all([...this.pending.keys()].map((id) => this.onAnswer(id)));
  }

  /** Fails every pending query (the server is stopping). */
  rejectAll(error: EngineError): void {
    for (const query of [...this.pending.values()]) query.reject(error);
  }

  private async claimShared(
    channel: string,
    namespace: string,
    taskQueue: string,
  ): Promise<QueryTask | undefined> {
    if (!this.cluster) return undefined;
    this.polled.set(channel, { namespace, taskQueue });
    const mark = this.sharedMarks.get(channel);
    if (!mark) return undefined;
    const claimed = await this.cluster.claimQuery(namespace, taskQueue, Date.now());
    if (!claimed) {
      // None left, unless a notification arrived while looking.
      if (this.sharedMarks.get(channel)?.count === mark.count) this.sharedMarks.delete(channel);
      return undefined;
    }
    return {
      id: claimed.id,
      namespace: claimed.namespace,
      runId: claimed.runId,
      query: fromBinary(WorkflowQuerySchema, claimed.query),
    };
  }
}

function settle(pending: PendingQuery, request: RespondQueryTaskCompletedRequest): void {
  if (request.failure) {
    pending.reject(
      new EngineError({ code: 'QUERY_FAILED', kind: 'invalid_argument', message: request.failure.message }),
    );
    return;
  }
  pending.resolve({ queryResult: request.queryResult });
}
