import Database from 'better-sqlite3';
import type { BatchItem, BatchOperationPage, BatchOperationRecord } from '../batch-operations.js';
import type {
  ExecutionRecord,
  ExecutionUpdate,
  ExecutionWrite,
  ListPage,
  NewExecution,
  SearchAttributeDefinition,
  Store,
  StoredEvent,
  StoreTransaction,
  TaskKind,
  TaskRecord,
  TimerRecord,
} from '../store.js';
import type { VisibilityFilter, VisibilityOrder } from '../visibility-filter.js';
import { BatchOperationsTable } from './batch-operations.js';
import { DeploymentTables } from './deployments.js';
import { ExecutionsTable } from './executions.js';
import { HistoryTable } from './history.js';
import { applyMigrations } from './migrations.js';
import { Mutex } from './mutex.js';
import { SearchAttributesTable } from './search-attributes.js';
import { TasksTable } from './tasks.js';
import { TimersTable } from './timers.js';
import { VisibilityQueries } from './visibility.js';

export interface SqliteStoreOptions {
  /** Database file; omitted or `:memory:` keeps everything in memory. */
  filename?: string;
  /** Most transactions sharing one commit. @default 64 */
  maxBatchSize?: number;
}

interface QueuedTransaction {
  run: (tx: StoreTransaction) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The embedded store. better-sqlite3 is synchronous and has one connection, so an async mutex
 * serialises transactions (BEGIN IMMEDIATE ... COMMIT) and reads, which then never observe another
 * operation's uncommitted writes. WAL with synchronous=NORMAL survives process crashes (SIGKILL).
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly mutex = new Mutex();
  private readonly executions: ExecutionsTable;
  private readonly history: HistoryTable;
  private readonly tasks: TasksTable;
  private readonly timers: TimersTable;
  private readonly visibility: VisibilityQueries;
  private readonly searchAttributes: SearchAttributesTable;
  private readonly deployments: DeploymentTables;
  private readonly batches: BatchOperationsTable;
  private readonly tx: StoreTransaction;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private closed = false;
  private readonly queue: QueuedTransaction[] = [];
  private draining = false;
  private readonly maxBatchSize: number;
  private readonly savepoint: Database.Statement;
  private readonly releaseSavepoint: Database.Statement;
  private readonly rollbackSavepoint: Database.Statement;

  constructor(options: SqliteStoreOptions = {}) {
    this.db = new Database(options.filename ?? ':memory:');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // Checkpoint every 10,000 WAL pages (about 40 MB) instead of 1,000: the same hot pages (the ends
    // of the indexes, the executions in flight) are rewritten by every commit, so a rarer checkpoint
    // copies each of them once for many commits, and fsyncs less often.
    this.db.pragma('wal_autocheckpoint = 10000');
    applyMigrations(this.db);
    this.executions = new ExecutionsTable(this.db);
    this.history = new HistoryTable(this.db);
    this.tasks = new TasksTable(this.db);
    this.timers = new TimersTable(this.db);
    this.visibility = new VisibilityQueries(this.db);
    this.searchAttributes = new SearchAttributesTable(this.db);
    this.deployments = new DeploymentTables(this.db);
    this.batches = new BatchOperationsTable(this.db);
    this.begin = this.db.prepare('BEGIN IMMEDIATE');
    this.commit = this.db.prepare('COMMIT');
    this.rollback = this.db.prepare('ROLLBACK');
    this.savepoint = this.db.prepare('SAVEPOINT operation');
    this.releaseSavepoint = this.db.prepare('RELEASE operation');
    this.rollbackSavepoint = this.db.prepare('ROLLBACK TO operation');
    this.maxBatchSize = options.maxBatchSize ?? 64;
    this.tx = this.createTransactionView();
  }

  /**
   * Group commit: transactions queued in the same event-loop turn, or while a batch runs, share one
   * BEGIN ... COMMIT, each in its own SAVEPOINT so a failing one rolls back alone. Every caller hears
   * back only after the shared COMMIT, so nothing is reported durable before it is.
   */
  transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: fn, resolve: resolve as (value: unknown) => void, reject });
      if (this.draining) return;
      this.draining = true;
      // Start on the next turn: RPCs read from the network in this turn then join the batch. Each
      // request arrives in its own I/O callback, so starting at once committed them one by one, and a
      // COMMIT costs about the same (some 20 WAL pages) for one transaction as for ten.
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatchSize);
        const release = await this.mutex.acquire();
        try {
          await this.runBatch(batch);
        } finally {
          release();
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async runBatch(batch: QueuedTransaction[]): Promise<void> {
    if (this.closed) {
      for (const item of batch) item.reject(new Error('the store is closed'));
      return;
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.begin.run();
      for (const item of batch) {
        this.savepoint.run();
        try {
          const value = await item.run(this.tx);
          this.releaseSavepoint.run();
          outcomes.push({ ok: true, value });
        } catch (error) {
          this.rollbackSavepoint.run();
          this.releaseSavepoint.run();
          outcomes.push({ ok: false, error });
        }
      }
      this.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      for (const item of batch) item.reject(error);
      return;
    }
    for (const [index, item] of batch.entries()) {
      const outcome = outcomes[index];
      if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.error);
    }
  }

  getExecution(namespace: string, runId: string): Promise<ExecutionRecord | undefined> {
    return this.read(() => this.executions.get(namespace, runId));
  }

  findLatestExecution(namespace: string, workflowId: string): Promise<ExecutionRecord | undefined> {
    return this.read(() => this.executions.findLatest(namespace, workflowId));
  }

  readHistory(namespace: string, runId: string, fromEventId: number, limit: number): Promise<StoredEvent[]> {
    return this.read(() => this.history.read(namespace, runId, fromEventId, limit));
  }

  readLastEvent(namespace: string, runId: string): Promise<StoredEvent | undefined> {
    return this.read(() => this.history.last(namespace, runId));
  }

  listExecutions(
    namespace: string,
    filter: VisibilityFilter | undefined,
    pageSize: number,
    cursor: string | undefined,
    order?: VisibilityOrder,
  ): Promise<ListPage> {
    return this.read(() => this.visibility.list(namespace, filter, pageSize, cursor, order));
  }

  countExecutions(namespace: string, filter: VisibilityFilter | undefined): Promise<number> {
    return this.read(() => this.visibility.count(namespace, filter));
  }

  listSearchAttributes(namespace: string): Promise<SearchAttributeDefinition[]> {
    return this.read(() => this.searchAttributes.list(namespace));
  }

  dueTimers(nowMs: number, limit: number): Promise<TimerRecord[]> {
    return this.read(() => this.timers.due(nowMs, limit));
  }

  nextTimerDueMs(): Promise<number | undefined> {
    return this.read(() => this.timers.nextDueMs());
  }

  hasBusyExecutions(): Promise<boolean> {
    return this.read(() => this.executions.hasBusy());
  }

  getBatchOperation(namespace: string, jobId: string): Promise<BatchOperationRecord | undefined> {
    return this.read(() => this.batches.get(namespace, jobId));
  }

  listBatchOperations(
    namespace: string,
    pageSize: number,
    cursor: string | undefined,
  ): Promise<BatchOperationPage> {
    return this.read(() => this.batches.list(namespace, pageSize, cursor));
  }

  runnableBatchOperations(owner: string, nowMs: number, limit: number): Promise<BatchOperationRecord[]> {
    return this.read(() => this.batches.runnable(owner, nowMs, limit));
  }

  batchItems(
    namespace: string,
    jobId: string,
    which: 'pending' | 'failed',
    afterSeq: number,
    limit: number,
  ): Promise<BatchItem[]> {
    return this.read(() => this.batches.items(namespace, jobId, which, afterSeq, limit));
  }

  async close(): Promise<void> {
    const release = await this.mutex.acquire();
    try {
      if (this.closed) return;
      this.closed = true;
      this.db.close();
    } finally {
      release();
    }
  }

  private async read<T>(fn: () => T): Promise<T> {
    const release = await this.mutex.acquire();
    try {
      this.assertOpen();
      return fn();
    } finally {
      release();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the store is closed');
  }

  private applyWrite(namespace: string, runId: string, write: ExecutionWrite): void {
    this.history.append(namespace, runId, write.events);
    if (write.dropTasksAndTimers) {
      this.tasks.deleteRun(namespace, runId);
      this.timers.deleteRun(namespace, runId);
    }
    for (const key of write.deleteTimerKeys) this.timers.deleteKey(namespace, runId, key);
    for (const task of write.tasks) this.tasks.insert(task);
    for (const timer of write.timers) this.timers.upsert(timer);
    if (write.searchAttributes) this.searchAttributes.replaceValues(namespace, runId, write.searchAttributes);
  }

  private createTransactionView(): StoreTransaction {
    return {
      getExecution: async (namespace, runId) => this.executions.get(namespace, runId),
      findLatestExecution: async (namespace, workflowId) => this.executions.findLatest(namespace, workflowId),
      insertExecution: async (execution: NewExecution) => {
        this.executions.insert(execution);
        this.applyWrite(execution.namespace, execution.runId, execution);
      },
      updateExecution: async (update: ExecutionUpdate) => {
        const version = this.executions.update(update);
        this.applyWrite(update.namespace, update.runId, update);
        return version;
      },
      claimTask: async (
        namespace: string,
        taskQueue: string,
        kind: TaskKind,
        version: string,
      ): Promise<TaskRecord | undefined> => this.tasks.claim(namespace, taskQueue, kind, version),
      claimTimer: async (id: number) => this.timers.claim(id),
      readHistory: async (namespace, runId, fromEventId, limit) =>
        this.history.read(namespace, runId, fromEventId, limit),
      listSearchAttributes: async (namespace) => this.searchAttributes.list(namespace),
      putSearchAttribute: async (namespace, definition) => this.searchAttributes.put(namespace, definition),
      deleteSearchAttribute: async (namespace, name) => this.searchAttributes.delete(namespace, name),
      listDeployments: async (namespace) => this.deployments.listDeployments(namespace),
      getDeployment: async (namespace, name) => this.deployments.getDeployment(namespace, name),
      putDeployment: async (record) => this.deployments.putDeployment(record),
      deleteDeployment: async (namespace, name) => this.deployments.deleteDeployment(namespace, name),
      listDeploymentVersions: async (namespace, deploymentName) =>
        this.deployments.listVersions(namespace, deploymentName),
      getDeploymentVersion: async (namespace, deploymentName, buildId) =>
        this.deployments.getVersion(namespace, deploymentName, buildId),
      putDeploymentVersion: async (record) => this.deployments.putVersion(record),
      deleteDeploymentVersion: async (namespace, deploymentName, buildId) =>
        this.deployments.deleteVersion(namespace, deploymentName, buildId),
      adjustOpenPinned: async (namespace, deploymentName, buildId, delta, nowMs) =>
        this.deployments.adjustOpenPinned(namespace, deploymentName, buildId, delta, nowMs),
      addVersionTaskQueue: async (queue) => this.deployments.addTaskQueue(queue),
      listVersionTaskQueues: async (namespace, deploymentName, buildId) =>
        this.deployments.listTaskQueues(namespace, deploymentName, buildId),
      deploymentsOfTaskQueue: async (namespace, taskQueue, kind) =>
        this.deployments.deploymentsOfTaskQueue(namespace, taskQueue, kind),
      rerouteTasks: async (namespace, queues, route) => {
        let moved = 0;
        for (const queue of queues)
          moved += this.tasks.reroute(namespace, queue.taskQueue, queue.kind, route);
        return moved;
      },
      retargetRunTasks: async (namespace, runId, version, pinned, queue) =>
        this.tasks.retargetRun(namespace, runId, version, pinned, queue),
      recordPoller: async (poller) => this.deployments.recordPoller(poller),
      listPollers: async (namespace, filter) => this.deployments.listPollers(namespace, filter),
      deletePollers: async (namespace, identity) => this.deployments.deletePollers(namespace, identity),
      insertBatchOperation: async (batch) => this.batches.insert(batch),
      getBatchOperation: async (namespace, jobId) => this.batches.get(namespace, jobId),
      addBatchItems: async (namespace, jobId, targets, progress) =>
        this.batches.addItems(namespace, jobId, targets, progress),
      finishBatchItem: async (namespace, jobId, seq, outcome) =>
        this.batches.finishItem(namespace, jobId, seq, outcome),
      closeBatchOperation: async (namespace, jobId, close) => this.batches.close(namespace, jobId, close),
      leaseBatchOperation: async (namespace, jobId, owner, nowMs, untilMs) =>
        this.batches.lease(namespace, jobId, owner, nowMs, untilMs),
    };
  }
}
