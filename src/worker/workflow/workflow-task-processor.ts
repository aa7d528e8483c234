/**
 * The {@link WorkflowTaskProcessor} of a worker: one sandbox for the bundle, an LRU cache of runs, and the
 * replayer. A cached run receives only the new events of a sticky task; a run not in cache is rebuilt by
 * replaying its full history. Problems of workflow code never throw from `process`: they become failed
 * workflow tasks (R3), and the run is evicted so the retried task replays from scratch.
 */

import { FAILURE_SOURCE, type FailureShape } from '../../common/failure.js';
import { toProtoFailure } from '../../common/failure-proto.js';
import { DefaultLogger, type LogEntry } from '../../common/logger.js';
import { fromProtoPayloads, toProtoPayloads, valuesToPayloads } from '../../common/payload-proto.js';
import { VERSION_REPLAY_QUERY_TYPE, type VersionReplayAnswer } from '../../common/version-replay.js';
import type { VersioningBehavior } from '../../common/versioning.js';
import { type HistoryEvent, WorkflowTaskFailedCause } from '../../gen/strata/v1/history_pb.js';
import type { PollWorkflowTaskQueueResponse } from '../../gen/strata/v1/service_pb.js';
import type { RunInit, WorkflowCommand, WorkflowLogEntry } from '../../workflow/activation.js';
import type { LocalActivityExecutor, RunningLocalActivity } from '../local-activities.js';
import { toProtoCommand } from '../replay/commands-proto.js';
import { ReplayError, WorkflowDeadlockError } from '../replay/errors.js';
import { replayObserved } from '../replay/replay-history.js';
import { runInitOf } from '../replay/run-init.js';
import { type RunStep, WorkflowRun } from '../replay/workflow-run.js';
import { bundleWorkflowCode, type WorkflowBundle } from '../sandbox/bundler.js';
import { WorkflowSandbox } from '../sandbox/workflow-sandbox.js';
import type { HistoryFetcher, WorkflowTaskProcessor, WorkflowTaskResult } from '../workflow-tasks.js';
import { LruCache } from './lru-cache.js';

export interface WorkflowTaskProcessorOptions {
  /** @default 'default' */
  namespace?: string;
  /** The worker's task queue: activities scheduled without one go there. */
  taskQueue: string;
  /** Shown in failures; @default `strata-worker` */
  identity?: string;
  /**
   * Runs kept in memory between tasks; 0 replays every task from its full history.
   * @default 1000
   */
  maxCachedWorkflows?: number;
  /** Receives workflow code's `log` lines (never while replaying). @default a `DefaultLogger` */
  logSink?: (entry: LogEntry) => void;
  /**
   * How long workflow code may run in one activation without yielding before its workflow task fails with a
   * `[DEADLOCK]` error and the run is evicted.
   * @default 5000
   */
  isolateExecutionTimeoutMs?: number;
  /** Runs the local activities workflow code schedules; without one, a local activity fails the task. */
  localActivityExecutor?: LocalActivityExecutor;
}

/** Bundles `workflowsPath` and creates the processor; bundling errors (R6) throw here. */
export async function createWorkflowTaskProcessor(
  options: WorkflowTaskProcessorOptions & { workflowsPath: string },
): Promise<WorkflowTaskProcessor> {
  const bundle = await bundleWorkflowCode({ workflowsPath: options.workflowsPath });
  return createWorkflowTaskProcessorFromBundle(bundle, options);
}

export function createWorkflowTaskProcessorFromBundle(
  bundle: WorkflowBundle,
  options: WorkflowTaskProcessorOptions,
): WorkflowTaskProcessor {
  return new WorkflowTaskProcessorImpl(bundle, options);
}

const Cause = WorkflowTaskFailedCause;
/** After one of these the run is over: keeping it cached would only hold memory. */
const CLOSING_COMMANDS = new Set<WorkflowCommand['kind']>([
  'completeWorkflow',
  'failWorkflow',
  'cancelWorkflow',
  'continueAsNew',
]);

class WorkflowTaskProcessorImpl implements WorkflowTaskProcessor {
  readonly bundleHash: string;
  readonly workflowTypes: readonly string[];
  readonly versioningBehaviors: Readonly<Record<string, VersioningBehavior>>;
  readonly #sandbox: WorkflowSandbox;
  readonly #cache: LruCache<string, WorkflowRun>;
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #namespace: string;
  readonly #taskQueue: string;
  readonly #identity: string;
  readonly #logSink: (entry: LogEntry) => void;
  readonly #localActivityExecutor: LocalActivityExecutor | undefined;

  constructor(bundle: WorkflowBundle, options: WorkflowTaskProcessorOptions) {
    this.bundleHash = bundle.hash;
    this.#sandbox = WorkflowSandbox.create(bundle, {
      executionTimeoutMs: options.isolateExecutionTimeoutMs ?? 5000,
    });
    this.workflowTypes = this.#sandbox.workflowTypes;
    this.versioningBehaviors = this.#sandbox.versioningBehaviors;
    this.#cache = new LruCache(options.maxCachedWorkflows ?? 1000);
    this.#namespace = options.namespace ?? 'default';
    this.#taskQueue = options.taskQueue;
    this.#identity = options.identity ?? 'strata-worker';
    this.#localActivityExecutor = options.localActivityExecutor;
    if (options.logSink) this.#logSink = options.logSink;
    else {
      const logger = new DefaultLogger();
      this.#logSink = (entry) => logger.log(entry.level, entry.message, entry.meta);
    }
  }

  get cachedRuns(): number {
    return this.#cache.size;
  }

  process(task: PollWorkflowTaskQueueResponse, fetchHistory: HistoryFetcher): Promise<WorkflowTaskResult> {
    const runId = task.workflowExecution?.runId ?? '';
    // Replays for the server touch no cached run: they need not wait for the run's tasks.
    if (task.query?.queryType === VERSION_REPLAY_QUERY_TYPE)
      return this.#processVersionReplay(task, fetchHistory);
    return this.#serialized(runId, () =>
      task.query ? this.#processQuery(task, fetchHistory) : this.#processTask(task, fetchHistory),
    );
  }

  evict(runId: string): void {
    this.#cache.delete(runId);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#locks.values()]);
    this.#cache.clear();
  }

  async #processTask(
    task: PollWorkflowTaskQueueResponse,
    fetchHistory: HistoryFetcher,
  ): Promise<WorkflowTaskResult> {
    const workflowId = task.workflowExecution?.workflowId ?? '';
    const runId = task.workflowExecution?.runId ?? '';
    let events = task.history?.events ?? [];
    const isFullHistory = events[0]?.eventId === 1;
    let cached = this.#cache.get(runId);
    // After a discarded speculative task the run is ahead of the server's view of what we have seen.
    const seen = cached?.lastEventId ?? 0;
    if (!isFullHistory && (events[0]?.eventId ?? 0) <= seen) events = events.filter((e) => e.eventId > seen);
    // A full history for a cached run means the server moved it off our sticky queue: our state may be stale.
    if (cached !== undefined && (isFullHistory || events[0]?.eventId !== cached.lastEventId + 1)) {
      this.#cache.delete(runId);
      cached = undefined;
    }
    if (cached === undefined && !isFullHistory) {
      // The task's own events may not be in the stored history yet (a speculative task's are not).
      const first = events[0]?.eventId ?? task.startedEventId + 1;
      events = [...(await fetchHistory(workflowId, runId)).filter((e) => e.eventId < first), ...events];
    }
    try {
      const run = cached ?? this.#createRun(events, workflowId, runId);
      if (!(run instanceof WorkflowRun)) return run;
      const unit = await this.#sandbox.runUnit(run.applyEvents(events, task.updateRequests));
      this.#emitLogs(run, unit.result.logs);
      const { step, rejection } =
        unit.unhandledRejections[0] === undefined
          ? await this.#runLocalActivities(run, unit.result)
          : { step: unit.result, rejection: unit.unhandledRejections[0] };
      if (rejection !== undefined && step.kind === 'commands') {
        this.#cache.delete(runId);
        return failed(
          Cause.WORKFLOW_WORKER_UNHANDLED_FAILURE,
          unhandledRejectionFailure(run.init, rejection),
        );
      }
      switch (step.kind) {
        case 'commands': {
          const context = {
            taskQueue: run.init.taskQueue,
            scheduledEventIdOf: (seq: number) => run.scheduledEventIdOf(seq),
            updateRequests: task.updateRequests,
          };
          const commands = step.commands.map((command) => toProtoCommand(command, context));
          // The server discards such a task: nothing of it enters history, so the run must forget it too.
          if (task.speculative && step.commands.every((c) => c.kind === 'rejectUpdate')) {
            run.discardSpeculativeTask(task.startedEventId - 1, task.previousStartedEventId);
          }
          const closes = step.commands.some((c) => CLOSING_COMMANDS.has(c.kind));
          if (closes) this.#cache.delete(runId);
          else this.#cache.set(runId, run);
          return { kind: 'completed', commands };
        }
        case 'taskFailed':
          this.#cache.delete(runId);
          return failed(Cause.WORKFLOW_WORKER_UNHANDLED_FAILURE, step.failure);
        case 'nondeterminism':
          this.#cache.delete(runId);
          return failed(Cause.NON_DETERMINISTIC_ERROR, typedFailure(step.error, 'DeterminismViolationError'));
        case 'replayed':
          this.#cache.delete(runId);
          return failed(
            Cause.WORKFLOW_WORKER_UNHANDLED_FAILURE,
            typedFailure(
              new ReplayError(
                `[REPLAY] the task's history has no open workflow task (started event ${task.startedEventId})`,
              ),
              'ReplayError',
            ),
          );
        default: {
          const unknownStep: never = step;
          throw new TypeError(`unknown run step ${JSON.stringify(unknownStep)}`);
        }
      }
    } catch (err) {
      this.#cache.delete(runId);
      return failed(Cause.WORKFLOW_WORKER_UNHANDLED_FAILURE, typedFailure(err, 'ReplayError'));
    }
  }

  /**
   * Runs the local activities the task's code scheduled, feeding each outcome back to the run as it comes, until
   * the code waits for none (or closed the workflow): the whole exchange stays inside this workflow task.
   */
  async #runLocalActivities(
    run: WorkflowRun,
    first: RunStep,
  ): Promise<{ step: RunStep; rejection: FailureShape | undefined }> {
    const running = new Map<number, RunningLocalActivity>();
    let step = first;
    let rejection: FailureShape | undefined;
    while (step.kind === 'commands' && rejection === undefined) {
      const closes = step.commands.some((c) => CLOSING_COMMANDS.has(c.kind));
      for (const request of closes ? [] : step.localActivities.start) {
        const executor = this.#localActivityExecutor;
        if (executor === undefined) {
          const message = `[NO_LOCAL_ACTIVITIES] workflow "${run.init.workflowId}" scheduled local activity "${request.activityType}" but this processor runs no activities; create a Worker with \`activities\``;
          step = {
            kind: 'taskFailed',
            failure: typedFailure(new Error(message), 'LocalActivityError'),
            replaying: false,
            logs: [],
          };
          break;
        }
        running.set(request.seq, executor.start(request, run.init));
      }
      if (step.kind !== 'commands') break;
      // After the starts: one cancelled in the activation that scheduled it starts already aborted.
      for (const { seq, abort, keepWaiting } of step.localActivities.cancel) {
        if (abort) running.get(seq)?.cancel();
        // Abandoned, or rejected already: nothing waits for its outcome (an abandoned one runs on).
        if (!keepWaiting) running.delete(seq);
      }
      if (closes || running.size === 0) break;
      const [seq, resolution] = await Promise.race(
        [...running].map(([seq, local]) => local.outcome.then((outcome) => [seq, outcome] as const)),
      );
      running.delete(seq);
      const unit = await this.#sandbox.runUnit(run.resolveLocalActivity(seq, resolution));
      this.#emitLogs(run, unit.result.logs);
      step = unit.result;
      rejection = unit.unhandledRejections[0];
    }
    // The workflow closed or the task failed: nothing waits for the rest.
    for (const local of running.values()) local.cancel();
    return { step, rejection };
  }

  #createRun(events: HistoryEvent[], workflowId: string, runId: string): WorkflowRun | WorkflowTaskResult {
    const init = runInitOf(events[0], { namespace: this.#namespace, workflowId, runId });
    if (init === undefined) {
      const message = `[REPLAY] the history of run "${runId}" does not start with WorkflowExecutionStarted`;
      return failed(
        Cause.WORKFLOW_WORKER_UNHANDLED_FAILURE,
        typedFailure(new ReplayError(message), 'ReplayError'),
      );
    }
    if (!this.workflowTypes.includes(init.workflowType)) {
      const message =
        `[UNKNOWN_WORKFLOW_TYPE] workflow type "${init.workflowType}" is not registered on task queue "${this.#taskQueue}"; ` +
        `this worker's workflows module exports: ${this.workflowTypes.map((t) => `"${t}"`).join(', ') || 'nothing'}`;
      return failed(
        Cause.UNKNOWN_WORKFLOW_TYPE,
        typedFailure(new Error(message), 'UnknownWorkflowTypeError'),
      );
    }
    return new WorkflowRun(this.#sandbox, init);
  }

  async #processQuery(
    task: PollWorkflowTaskQueueResponse,
    fetchHistory: HistoryFetcher,
  ): Promise<WorkflowTaskResult> {
    const workflowId = task.workflowExecution?.workflowId ?? '';
    const runId = task.workflowExecution?.runId ?? '';
    const cached = this.#cache.get(runId);
    let events = task.history?.events ?? [];
    if (cached === undefined && events[0]?.eventId !== 1) events = await fetchHistory(workflowId, runId);
    try {
      // Rebuilt for this query only: a replayed open task's commands must not be mistaken for sent ones.
      const run = cached ?? this.#createRun(events, workflowId, runId);
      if (!(run instanceof WorkflowRun)) {
        return run.kind === 'failed' ? { kind: 'queryFailed', failure: run.failure } : run;
      }
      if (cached === undefined) {
        const replay = await this.#sandbox.runUnit(run.applyEvents(events));
        const failure = replay.unhandledRejections[0] ?? stepFailure(replay.result);
        if (failure !== undefined) return { kind: 'queryFailed', failure: toProtoFailure(failure) };
      }
      const query = task.query!;
      const answer = await this.#sandbox.runUnit(
        run.query(query.queryType, fromProtoPayloads(query.queryArgs)),
      );
      const rejection = answer.unhandledRejections[0];
      if (rejection !== undefined) return { kind: 'queryFailed', failure: toProtoFailure(rejection) };
      const outcome = answer.result;
      if (outcome.kind === 'failed') return { kind: 'queryFailed', failure: toProtoFailure(outcome.failure) };
      return { kind: 'query', result: toProtoPayloads([outcome.result]) };
    } catch (err) {
      // A query that never returned left the run's code stopped at an arbitrary point.
      if (err instanceof WorkflowDeadlockError) this.#cache.delete(runId);
      return { kind: 'queryFailed', failure: toProtoFailure(typedFailure(err, 'ReplayError')) };
    }
  }

  /**
   * A replay the server asked of this worker's version (ReplayWorkflowsOnVersion): the whole history runs
   * through a fresh run of this worker's code, outside the cache, with no log lines and no local activities;
   * the answer says whether it diverged, and where.
   */
  async #processVersionReplay(
    task: PollWorkflowTaskQueueResponse,
    fetchHistory: HistoryFetcher,
  ): Promise<WorkflowTaskResult> {
    const workflowId = task.workflowExecution?.workflowId ?? '';
    const runId = task.workflowExecution?.runId ?? '';
    let events = task.history?.events ?? [];
    if (events[0]?.eventId !== 1) events = await fetchHistory(workflowId, runId);
    const { error } = await replayObserved(this.#sandbox, events, workflowId);
    const answer: VersionReplayAnswer =
      error === undefined
        ? { ok: true, identity: this.#identity }
        : {
            ok: false,
            identity: this.#identity,
            errorType: error.name,
            message: error.message,
            ...('eventId' in error && error.eventId !== undefined ? { eventId: error.eventId } : {}),
          };
    return { kind: 'query', result: valuesToPayloads([answer], 'replay answer') };
  }

  #emitLogs(run: WorkflowRun, logs: WorkflowLogEntry[]): void {
    const { workflowId, runId, workflowType, namespace, taskQueue } = run.init;
    for (const line of logs) {
      this.#logSink({
        level: line.level,
        message: line.message,
        meta: { ...line.attributes, workflowId, runId, workflowType, namespace, taskQueue },
        timestampMs: line.timestampMs,
      });
    }
  }

  /** Tasks of one run never run concurrently: each waits for the previous one of the same run. */
  #serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.#locks.set(key, tail);
    void tail.then(() => {
      if (this.#locks.get(key) === tail) this.#locks.delete(key);
    });
    return next;
  }
}

/** Why a replay cannot answer a query, if it cannot. */
function stepFailure(step: RunStep): FailureShape | undefined {
  if (step.kind === 'nondeterminism') return typedFailure(step.error, 'DeterminismViolationError');
  if (step.kind === 'taskFailed') return step.failure;
  return undefined;
}

/** The failure of a workflow task whose code left a promise rejection unhandled, as Temporal reports it. */
function unhandledRejectionFailure(init: RunInit, rejection: FailureShape): FailureShape {
  const { workflowId, runId, workflowType } = init;
  return {
    message:
      `[UNHANDLED_REJECTION] workflow "${workflowId}" run "${runId}" (type "${workflowType}"): ` +
      `Unhandled Promise rejection: ${rejection.message}. Await the promise or attach a .catch() to it ` +
      'in the same workflow task.',
    source: FAILURE_SOURCE,
    stackTrace: '',
    info: { kind: 'application', type: 'UnhandledRejectionError', nonRetryable: false, details: [] },
    cause: rejection,
  };
}

function failed(cause: WorkflowTaskFailedCause, failure: FailureShape): WorkflowTaskResult {
  return { kind: 'failed', cause, failure: toProtoFailure(failure) };
}

/** A failure of type `type` (what `describe` and the history show) from any error. */
function typedFailure(err: unknown, type: string): FailureShape {
  const error = err instanceof Error ? err : new Error(String(err));
  return {
    message: error.message,
    source: FAILURE_SOURCE,
    stackTrace: error.stack ?? '',
    info: {
      kind: 'application',
      type: error.name === 'Error' ? type : error.name,
      nonRetryable: false,
      details: [],
    },
  };
}
