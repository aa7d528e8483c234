import { WorkflowExecutionStatus } from '../gen/strata/v1/common_pb.js';
import {
  ConcurrencyConflictError,
  type ExecutionRecord,
  type NewTask,
  type Store,
  type StoreTransaction,
  StoreUnavailableError,
} from '../store/store.js';
import type { Clock } from './clock.js';
import { EngineError, workflowNotFound } from './errors.js';
import type { Logger } from './logger.js';
import { type Handoff, type Matching, queueChannel } from './matching.js';
import { startNextRun } from './runs.js';
import { Mutation } from './state/mutation.js';
import type { ExecutionState } from './state/types.js';
import { isSpeculativeTaskOutstanding, recordSpeculativeWorkflowTask } from './state/updates.js';
import { versioningSearchValues } from './state/versioning.js';
import type { ContinueAsNewLimits } from './state/workflow-task.js';
import { type SpeculativeTask, UpdateRegistry } from './update-registry.js';
import type { SharedUpdates } from './update-sharing.js';
import { syncVersioning } from './versioning/pinned-count.js';
import { routeTasks } from './versioning/route.js';

export interface EngineLimits extends ContinueAsNewLimits {
  /** How long an empty poll waits for a task. @default 60000 */
  longPollTimeoutMs: number;
  /** How long a query waits for a worker's answer. @default 10000 */
  queryTimeoutMs: number;
  /** Default page size of GetWorkflowExecutionHistory. @default 1000 */
  historyPageSize: number;
  /** Default page size of ListWorkflowExecutions. @default 100 */
  listPageSize: number;
  /** Updates a run holds at once, admitted or accepted but not completed (Temporal's default). @default 10 */
  maxInFlightUpdates: number;
  /** Updates a run accepts in its life; continue-as-new starts afresh (Temporal's default). @default 2000 */
  maxTotalUpdates: number;
  /**
   * How long a server holds a running batch operation without renewing it; another server takes the
   * batch over this long after its holder died. @default 30000
   */
  batchLeaseMs: number;
}

export const defaultLimits: EngineLimits = {
  longPollTimeoutMs: 60_000,
  queryTimeoutMs: 10_000,
  historyPageSize: 1000,
  listPageSize: 100,
  maxInFlightUpdates: 10,
  maxTotalUpdates: 2000,
  batchLeaseMs: 30_000,
  suggestContinueAsNewHistoryLength: 4096,
  suggestContinueAsNewHistorySizeBytes: 4 * 1024 * 1024,
};

export interface MutateOptions {
  /** The decision completes or fails a speculative workflow task and writes its events itself. */
  ownsSpeculativeTask?: boolean;
}

/** What a committed transaction must announce: queued tasks, new deadlines, closed runs. */
export class CommitEffects {
  readonly tasks: NewTask[] = [];
  readonly closedRuns: string[] = [];
  earliestTimerMs = Number.POSITIVE_INFINITY;

  record(m: Mutation): void {
    for (const transfer of m.transfers) this.earliestTimerMs = Math.min(this.earliestTimerMs, transfer.dueMs);
    if (m.closed) {
      this.closedRuns.push(runKey(m.state.namespace, m.state.runId));
      return;
    }
    this.tasks.push(...m.tasks);
    for (const timer of m.timers) this.earliestTimerMs = Math.min(this.earliestTimerMs, timer.dueMs);
  }
}

export function runKey(namespace: string, runId: string): string {
  return `${namespace}/${runId}`;
}

export interface CoreHooks {
  onTimerSet(dueMs: number): void;
  onCommit(): void;
}

const maxConflictRetries = 8;

/** A hand-off's claim threw; the transaction is retried without hand-offs. */
class HandoffFailedError extends Error {}

interface Handed {
  handoff: Handoff;
  task: NewTask;
  result: unknown;
}

/** Shared plumbing of the engine's operations: transactions with retry, state decode, notifications. */
export class EngineCore {
  private activeTransactions = 0;
  private endedTransactions = 0;
  readonly closeWaiters = new Map<string, Set<() => void>>();
  readonly updates = new UpdateRegistry((task) => {
    this.hooks.onCommit();
    this.sharedUpdates?.released(task);
  });
  /** Set when several server processes share the store: updates go through it (update-sharing.ts). */
  sharedUpdates: SharedUpdates | undefined;
  closed = false;
  private inFlight = 0;
  private idle: (() => void) | undefined;

  constructor(
    readonly store: Store,
    readonly clock: Clock,
    readonly logger: Logger,
    readonly limits: EngineLimits,
    readonly namespaces: ReadonlySet<string>,
    readonly matching: Matching,
    private readonly hooks: CoreHooks,
  ) {}

  checkNamespace(namespace: string): string {
    const name = namespace || 'default';
    if (!this.namespaces.has(name)) {
      throw new EngineError({
        code: 'NAMESPACE_NOT_FOUND',
        kind: 'not_found',
        message: `namespace "${name}" does not exist; start the server with --namespace ${name}`,
      });
    }
    return name;
  }

  /** Runs an operation, counted so close() can wait for it. */
  async track<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) {
      throw new EngineError({
        code: 'SHUTTING_DOWN',
        kind: 'unavailable',
        message: 'the server is shutting down',
      });
    }
    this.inFlight += 1;
    try {
      return await fn();
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        throw new EngineError({
          code: 'STORE_UNAVAILABLE',
          kind: 'unavailable',
          message: `${error.message} (the server reconnects by itself)`,
          cause: error,
        });
      }
      throw error;
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.idle?.();
    }
  }

  async waitIdle(): Promise<void> {
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => {
      this.idle = resolve;
    });
  }

  /**
   * One store transaction; retried from scratch when another writer changed the execution.
   *
   * Sync match: for each task the transaction schedules, a poller of that queue waiting in this
   * process is taken out of the waiting set and its claim runs at the end of the same transaction, so
   * the task is scheduled and started in one commit; the poll answers with the claim's result once the
   * commit is durable. If the transaction fails, those pollers claim again from the store. If a poller
   * went away after being taken, its started task times out and is retried like any lost one.
   */
  async transact<T>(fn: (tx: StoreTransaction, effects: CommitEffects) => Promise<T>): Promise<T> {
    this.activeTransactions += 1;
    try {
      return await this.transactWithRetries(fn);
    } finally {
      this.activeTransactions -= 1;
      this.endedTransactions += 1;
      // A transaction that failed announced nothing: whoever waits for a quiet engine looks again.
      if (this.activeTransactions === 0) this.hooks.onCommit();
    }
  }

  /**
   * A token that stays the same while no engine transaction runs or ends; undefined while one runs.
   * Time skipping jumps the clock only when the token did not change during its look at the store, so
   * no transaction computes deadlines from the clock of before the jump and commits them after it.
   */
  quietToken(): number | undefined {
    return this.activeTransactions > 0 ? undefined : this.endedTransactions;
  }

  private async transactWithRetries<T>(
    fn: (tx: StoreTransaction, effects: CommitEffects) => Promise<T>,
  ): Promise<T> {
    let handoffs = true;
    for (let attempt = 1; ; attempt++) {
      const effects = new CommitEffects();
      const handed: Handed[] = [];
      try {
        const result = await this.store.transaction(async (tx) => {
          const value = await fn(tx, effects);
          if (handoffs) await this.handOff(tx, effects, handed);
          return value;
        });
        for (const entry of handed) entry.handoff.deliver(entry.result);
        this.announce(effects, handed);
        return result;
      } catch (error) {
        for (const entry of handed) entry.handoff.deliver(undefined);
        if (error instanceof HandoffFailedError) {
          this.logger.warn('sync match failed; the task goes through the queue', {
            error: String(error.cause),
          });
          handoffs = false;
          continue;
        }
        if (error instanceof ConcurrencyConflictError && attempt < maxConflictRetries) continue;
        if (error instanceof ConcurrencyConflictError) {
          throw new EngineError({
            code: 'CONFLICT',
            kind: 'unavailable',
            message: `execution ${error.runId} kept changing during ${maxConflictRetries} attempts; retry the request`,
            cause: error,
          });
        }
        throw error;
      }
    }
  }

  private async handOff(tx: StoreTransaction, effects: CommitEffects, handed: Handed[]): Promise<void> {
    if (effects.tasks.length === 0) return;
    for (const task of [...effects.tasks]) {
      const handoff = this.matching.takeHandoff(
        queueChannel(task.namespace, task.taskQueue, task.kind, task.version),
      );
      if (!handoff) continue;
      const entry: Handed = { handoff, task, result: undefined };
      handed.push(entry);
      try {
        entry.result = await handoff.claim(tx, effects);
      } catch (error) {
        throw new HandoffFailedError('sync match claim failed', { cause: error });
      }
    }
  }

  private announce(effects: CommitEffects, handed: Handed[]): void {
    const skip = new Set(handed.map((entry) => entry.task));
    for (const task of effects.tasks) {
      // A poller that took the task (or, with no result, claims again) needs no wake-up.
      if (skip.has(task)) continue;
      this.matching.notify(queueChannel(task.namespace, task.taskQueue, task.kind, task.version));
    }
    for (const key of effects.closedRuns) this.wakeCloseWaiters(key);
    if (Number.isFinite(effects.earliestTimerMs)) this.hooks.onTimerSet(effects.earliestTimerMs);
    this.hooks.onCommit();
  }

  /**
   * Decodes the execution's state, lets `decide` change it, writes the result with a version check, and
   * starts the run that follows when the run closed into one (continue-as-new, retry, cron).
   *
   * If a worker holds a speculative workflow task of the run (see update-registry.ts) and the decision writes
   * events, the task's own events must come first, at the ids the worker was given: the decision is made again
   * after writing them, on a run whose workflow task is now that one.
   */
  async mutate<R>(
    tx: StoreTransaction,
    effects: CommitEffects,
    record: ExecutionRecord,
    decide: (m: Mutation) => R,
    options: MutateOptions = {},
  ): Promise<R> {
    const state = parseState(record);
    const indexedBefore = versioningSearchValues(state.versioning);
    let m = new Mutation(state, this.clock.nowMs());
    let result = decide(m);
    const held =
      options.ownsSpeculativeTask || m.events.length === 0 ? undefined : this.heldSpeculativeTask(record);
    if (held) {
      m = new Mutation(parseState(record), m.nowMs);
      recordSpeculativeWorkflowTask(m, held, this.limits);
      result = decide(m);
    }
    await syncVersioning(tx, m, indexedBefore);
    await routeTasks(tx, m);
    const writes = m.tasks.length + m.timers.length + m.transfers.length + m.deleteTimerKeys.length;
    if (m.events.length > 0 || writes > 0) {
      await tx.updateExecution({
        ...m.toWrite(),
        namespace: record.namespace,
        runId: record.runId,
        expectedVersion: record.version,
      });
      effects.record(m);
    } else if (JSON.stringify(m.state) !== record.state) {
      await tx.updateExecution({
        ...m.toWrite(),
        namespace: record.namespace,
        runId: record.runId,
        expectedVersion: record.version,
      });
    }
    if (m.nextRun) await startNextRun(this, tx, effects, record, m);
    return result;
  }

  /** The speculative workflow task a worker holds for the run, if no event was written since it was made. */
  private heldSpeculativeTask(record: ExecutionRecord): SpeculativeTask | undefined {
    const task = this.updates.speculativeTask(runKey(record.namespace, record.runId));
    if (!task || task.startedTimeMs === 0) return undefined;
    return isSpeculativeTaskOutstanding(parseState(record), task.scheduledEventId) ? task : undefined;
  }

  /** The named run, or the workflow id's latest run when `runId` is empty. */
  async resolveRun(
    reader: Pick<StoreTransaction, 'getExecution' | 'findLatestExecution'>,
    namespace: string,
    workflowId: string,
    runId: string,
  ): Promise<ExecutionRecord> {
    const record = runId
      ? await reader.getExecution(namespace, runId)
      : await reader.findLatestExecution(namespace, workflowId);
    if (!record || record.workflowId !== workflowId) throw workflowNotFound(namespace, workflowId, runId);
    return record;
  }

  /** Resolves when the run closes, after `timeoutMs`, or on abort. Register before checking status. */
  waitForClose(
    namespace: string,
    runId: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): {
    promise: Promise<void>;
    cancel: () => void;
  } {
    const key = runKey(namespace, runId);
    let cancel = (): void => {};
    const promise = new Promise<void>((resolve) => {
      const set = this.closeWaiters.get(key) ?? new Set<() => void>();
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        set.delete(finish);
        if (set.size === 0 && this.closeWaiters.get(key) === set) this.closeWaiters.delete(key);
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      signal?.addEventListener('abort', finish);
      set.add(finish);
      this.closeWaiters.set(key, set);
      cancel = finish;
    });
    return { promise, cancel };
  }

  /** Wakes the result waiters of a run (`runKey`) that closed. */
  wakeCloseWaiters(key: string): void {
    const waiters = this.closeWaiters.get(key);
    this.closeWaiters.delete(key);
    for (const wake of waiters ?? []) wake();
  }

  wakeAllCloseWaiters(): void {
    for (const set of this.closeWaiters.values()) for (const wake of [...set]) wake();
    this.closeWaiters.clear();
  }
}

export function parseState(record: ExecutionRecord): ExecutionState {
  return JSON.parse(record.state) as ExecutionState;
}

export function isRunning(record: ExecutionRecord): boolean {
  return record.status === WorkflowExecutionStatus.RUNNING;
}
