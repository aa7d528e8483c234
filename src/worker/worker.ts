import { Connection } from '../client/connection.js';
import { ActivityPoller } from './activity-poller.js';
import { missingBehaviorProblem } from './deployment-options.js';
import type { HistoryInput } from './replay/history-json.js';
import {
  type ReplayHistoriesItem,
  type ReplayResult,
  type ReplayWorkerOptions,
  runReplayHistories,
  runReplayHistory,
} from './replay/replay-history.js';
import { describeRpcError } from './rpc-retry.js';
import {
  type CompiledWorkerOptions,
  compileWorkerOptions,
  type WorkerOptions,
  WorkerOptionsError,
} from './worker-options.js';
import { WorkflowPoller } from './workflow-poller.js';
import { loadWorkflowTaskProcessor } from './workflow-processor.js';
import type { WorkflowTaskProcessor } from './workflow-tasks.js';

/**
 * A worker's life: `INITIALIZED` after create, `RUNNING` in `run()`, `STOPPING` once shutdown starts,
 * then `STOPPED`, or `FAILED` when a fatal error ended it (`run()` rejects with that error).
 */
export type State = 'INITIALIZED' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'FAILED';

/** A snapshot of what the worker is doing, from {@link Worker.getStatus}. */
export interface WorkerStatus {
  runState: State;
  /** Workflow runs held in the cache. */
  numCachedWorkflows: number;
  /** Workflow tasks being processed or answered now. */
  numInFlightWorkflowActivations: number;
  /** Activity attempts running now. */
  numInFlightActivities: number;
}

/** Thrown when a worker method is called in a state that does not allow it, e.g. `run()` twice. */
export class IllegalStateError extends Error {
  override name = 'IllegalStateError';
}

/** Thrown by {@link Worker.runUntil} when the worker stopped (e.g. on SIGTERM) before the awaited promise settled. */
export class WorkerStoppedError extends Error {
  override name = 'WorkerStoppedError';
}

/**
 * Polls one task queue and runs the workflows and activities registered on it.
 *
 * @example
 * const worker = await Worker.create({ connection, taskQueue: 'orders', workflowsPath, activities });
 * await worker.run(); // until SIGINT/SIGTERM or worker.shutdown()
 */
export class Worker {
  /** The options in effect, with defaults applied. */
  readonly options: CompiledWorkerOptions;
  private state: State = 'INITIALIZED';
  private readonly workflowPoller: WorkflowPoller | undefined;
  private readonly activityPoller: ActivityPoller | undefined;
  private shutdownDone: Promise<void> | undefined;
  private requestStop: () => void = () => undefined;
  /** Resolves when shutdown starts, for whatever reason (call, signal, fatal error). */
  private readonly stopRequested = new Promise<void>((resolve) => {
    this.requestStop = resolve;
  });
  private fatalError: unknown;
  private hasFatalError = false;
  /** The connection Worker.create opened from STRATA_ADDRESS, closed when the worker stops. */
  private ownedConnection: Connection | undefined;

  private constructor(
    options: CompiledWorkerOptions,
    private readonly processor: WorkflowTaskProcessor | undefined,
  ) {
    this.options = options;
    this.activityPoller = options.activities.size > 0 ? new ActivityPoller(options) : undefined;
    const eagerActivities = options.disableEagerActivityExecution ? undefined : this.activityPoller;
    this.workflowPoller = processor ? new WorkflowPoller(options, processor, eagerActivities) : undefined;
  }

  /**
   * Validates the options and bundles the workflows, so a bad option or a workflow module that does not
   * bundle fails here rather than at the first task.
   * @throws WorkerOptionsError naming the bad option
   */
  static async create(options: WorkerOptions): Promise<Worker> {
    const address = process.env.STRATA_ADDRESS;
    if (options?.connection === undefined && address) {
      const connection = await Connection.connect({ address });
      try {
        const worker = await Worker.createWith({ ...options, connection });
        worker.ownedConnection = connection;
        return worker;
      } catch (err) {
        connection.close();
        throw err;
      }
    }
    return Worker.createWith(options);
  }

  private static async createWith(options: WorkerOptions): Promise<Worker> {
    const compiled = compileWorkerOptions(options);
    const processor = await loadWorkflowTaskProcessor(compiled);
    const problem =
      processor &&
      missingBehaviorProblem(compiled.deployment, processor.workflowTypes, processor.versioningBehaviors);
    if (problem) {
      await processor?.close();
      throw new WorkerOptionsError(`[INVALID_WORKER_OPTIONS] ${problem}`);
    }
    return new Worker(compiled, processor);
  }

  /**
   * Replays one history offline (no server) against the workflows of `workflowsPath`, to prove new code can
   * continue the workflows in flight. Throws `DeterminismViolationError` (message `[NDE] ...`) when the
   * code no longer produces the recorded commands, `ReplayError` for any other failure.
   *
   * @example
   * await Worker.runReplayHistory({ workflowsPath }, await handle.fetchHistory());
   */
  static runReplayHistory(
    options: ReplayWorkerOptions,
    history: HistoryInput,
    workflowId?: string,
  ): Promise<void> {
    return runReplayHistory(options, history, workflowId);
  }

  /** Replays many histories with one bundle; yields one {@link ReplayResult} per history instead of throwing. */
  static runReplayHistories(
    options: ReplayWorkerOptions,
    histories: AsyncIterable<ReplayHistoriesItem> | Iterable<ReplayHistoriesItem>,
  ): AsyncGenerator<ReplayResult> {
    return runReplayHistories(options, histories);
  }

  getState(): State {
    return this.state;
  }

  getStatus(): WorkerStatus {
    return {
      runState: this.state,
      numCachedWorkflows: this.processor?.cachedRuns ?? 0,
      numInFlightWorkflowActivations: this.workflowPoller?.inFlightCount ?? 0,
      numInFlightActivities: this.activityPoller?.runningCount ?? 0,
    };
  }

  /** The worker's sticky queue (`<taskQueue>/sticky/<identity>-<uuid>`), `undefined` without workflows or cache. */
  get stickyQueue(): string | undefined {
    return this.workflowPoller?.stickyQueue;
  }

  /**
   * Polls and runs tasks until {@link shutdown} is called or one of `shutdownSignals` arrives; resolves once
   * shutdown has completed, rejects with the error that made the worker fail. Call it once.
   */
  async run(): Promise<void> {
    if (this.state !== 'INITIALIZED') {
      throw new IllegalStateError(
        `[WORKER_STATE] Worker.run() can be called once, on a new worker; it is ${this.state}`,
      );
    }
    this.setState('RUNNING');
    const removeSignalHandlers = this.installSignalHandlers();
    try {
      const pollers = [this.workflowPoller?.start(), this.activityPoller?.start()];
      for (const polling of pollers) void polling?.catch((err: unknown) => this.fail(err));
      this.options.logger.info('Worker polling', {
        taskQueue: this.options.taskQueue,
        namespace: this.options.namespace,
        identity: this.options.identity,
        workflows: this.processor?.workflowTypes.length ?? 0,
        activities: this.options.activities.size,
      });
      await this.stopRequested;
      await this.shutdownDone;
    } finally {
      removeSignalHandlers();
    }
    if (this.hasFatalError) throw this.fatalError;
  }

  /**
   * Runs the worker until `fnOrPromise` settles, then shuts it down and settles with the same outcome.
   * Rejects with the worker's error if it fails first, and with a {@link WorkerStoppedError} if it is shut
   * down (e.g. by a signal) first. What tests use:
   *
   * @example
   * const result = await worker.runUntil(client.workflow.execute(hello, { taskQueue, workflowId, args }));
   */
  async runUntil<R>(fnOrPromise: Promise<R> | (() => Promise<R>)): Promise<R> {
    const running = this.run();
    const work = Promise.resolve().then(() =>
      typeof fnOrPromise === 'function' ? fnOrPromise() : fnOrPromise,
    );
    type First = { kind: 'settled'; value: R } | { kind: 'threw'; error: unknown } | { kind: 'stopped' };
    const first = await Promise.race<First>([
      work.then(
        (value) => ({ kind: 'settled', value }),
        (error: unknown) => ({ kind: 'threw', error }),
      ),
      running.then(() => ({ kind: 'stopped' }) as const),
    ]);
    if (first.kind === 'stopped') {
      throw new WorkerStoppedError(
        '[WORKER_STOPPED] the worker was shut down before the runUntil promise settled',
      );
    }
    await this.shutdown();
    await running;
    if (first.kind === 'threw') throw first.error;
    return first.value;
  }

  /**
   * Shuts down gracefully: stops polling, lets workflow tasks in flight finish, gives running activities
   * `shutdownGraceTime` before aborting their cancellation signals, then releases the workflow cache.
   * Idempotent; resolves when shutdown has completed (as `run()` does).
   */
  shutdown(): Promise<void> {
    if (this.shutdownDone) return this.shutdownDone;
    if (this.state === 'INITIALIZED') {
      this.setState('STOPPED');
      this.ownedConnection?.close();
      this.shutdownDone = this.processor?.close() ?? Promise.resolve();
      return this.shutdownDone;
    }
    this.setState('STOPPING');
    this.requestStop();
    this.shutdownDone = this.drain();
    return this.shutdownDone;
  }

  private async drain(): Promise<void> {
    try {
      await Promise.all([
        this.workflowPoller?.shutdown(),
        this.activityPoller?.shutdown(this.options.shutdownGraceTimeMs),
      ]);
      await this.leaveTaskQueues();
      await this.processor?.close();
    } catch (err) {
      this.recordFatal(err);
    }
    this.ownedConnection?.close();
    this.setState(this.hasFatalError ? 'FAILED' : 'STOPPED');
  }

  /** Tells the server this worker stops polling, so it leaves the task queues' poller lists at once. */
  private async leaveTaskQueues(): Promise<void> {
    try {
      await this.options.connection.workflowService.shutdownWorker({
        namespace: this.options.namespace,
        identity: this.options.identity,
        stickyTaskQueue: this.workflowPoller?.stickyQueue ?? '',
        reason: 'graceful shutdown',
      });
    } catch (err) {
      // The pollers then expire on the server by themselves; shutting down goes on.
      this.options.logger.warn('ShutdownWorker failed', { error: describeRpcError(err) });
    }
  }

  private fail(error: unknown): void {
    this.recordFatal(error);
    void this.shutdown();
  }

  private recordFatal(error: unknown): void {
    if (this.hasFatalError) return;
    this.hasFatalError = true;
    this.fatalError = error;
    this.options.logger.error('Worker failed', {
      error: error instanceof Error ? error.message : String(error),
    });
  }

  private setState(state: State): void {
    this.state = state;
    this.options.logger.debug(`Worker state ${state}`, { taskQueue: this.options.taskQueue });
  }

  private installSignalHandlers(): () => void {
    const onSignal = (signal: NodeJS.Signals): void => {
      this.options.logger.info(`Received ${signal}; shutting down the worker`);
      void this.shutdown();
    };
    for (const signal of this.options.shutdownSignals) process.on(signal, onSignal);
    return () => {
      for (const signal of this.options.shutdownSignals) process.off(signal, onSignal);
    };
  }
}
