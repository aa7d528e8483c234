import pg from 'pg';
import type { BatchItem, BatchOperationPage, BatchOperationRecord } from '../batch-operations.js';
import type { ClusterEvent } from '../cluster.js';
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
  TimerRecord,
} from '../store.js';
import { ConcurrencyConflictError } from '../store.js';
import type { VisibilityFilter, VisibilityOrder } from '../visibility-filter.js';
import * as batches from './batch-operations.js';
import { notifyChannel, notifyPayloads, PostgresCluster, type StoreLog } from './cluster.js';
import type { MovedTasks } from './deployments.js';
import * as deployments from './deployments.js';
import { isConnectionError, sqlState, toStoreError } from './errors.js';
import * as executions from './executions.js';
import * as history from './history.js';
import { applyMigrations, type MigrationOutcome } from './migrations.js';
import * as searchAttributes from './search-attributes.js';
import * as tasks from './tasks.js';
import * as timers from './timers.js';
import * as visibility from './visibility.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (libpq URL; `?sslmode=` and the like work). */
  url: string;
  /** Most connections this process opens for requests (one more listens for notifications). @default 10 */
  poolSize?: number;
  /** How long a request waits for a connection before failing as unavailable. @default 5000 */
  connectTimeoutMs?: number;
  log?: StoreLog;
}

// BIGINT columns (times in ms, ids) fit a double exactly; read them as numbers, not strings.
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

// A deadlock or serialization failure between two servers' transactions: the engine retries it.
const retryableStates = new Set(['40001', '40P01']);

const silentLog: StoreLog = { info: () => {}, warn: () => {} };

/** Per-transaction bookkeeping: what other server processes must hear once it commits. */
class TransactionState {
  /** The execution read along with a claimed task, served to the engine's next read of it. */
  prefetched: ExecutionRecord | undefined;
  private readonly queued = new Map<number, ClusterEvent>();
  private readonly closed: ClusterEvent[] = [];
  private readonly moved = new Map<string, ClusterEvent>();

  taskQueued(id: number, event: ClusterEvent): void {
    this.queued.set(id, event);
  }

  /** A task queued and claimed in the same transaction (sync match) needs no announcement. */
  taskClaimed(id: number): void {
    this.queued.delete(id);
  }

  runClosed(namespace: string, runId: string): void {
    this.closed.push({ type: 'closed', namespace, runId });
  }

  /** Queued tasks that a routing change or an override gave to other workers: their pollers must look. */
  tasksMoved(namespace: string, targets: MovedTasks['targets']): void {
    for (const { taskQueue, kind, version } of targets) {
      this.moved.set(`${namespace}\u0000${taskQueue}\u0000${kind}\u0000${version}`, {
        type: 'task',
        namespace,
        taskQueue,
        kind,
        version,
      });
    }
  }

  events(): ClusterEvent[] {
    return [...this.queued.values(), ...this.moved.values(), ...this.closed];
  }
}

/**
 * The production store: PostgreSQL through a connection pool, shared by any number of server
 * processes. Each transaction runs on its own connection (READ COMMITTED); the executions row's
 * `version` is the optimistic lock, claims use `FOR UPDATE SKIP LOCKED`, and a transaction that
 * queued tasks or closed runs sends one NOTIFY, delivered with its commit, so the other processes
 * wake their pollers and result waiters (see `cluster`). A lost connection fails the request with
 * StoreUnavailableError; the pool opens new connections as soon as the database is back.
 */
export class PostgresStore implements Store {
  readonly cluster: PostgresCluster;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    cluster: PostgresCluster,
    /** What opening the store did to the schema. */
    readonly migration: MigrationOutcome,
  ) {
    this.cluster = cluster;
  }

  /** Connects, applies pending migrations, starts listening. Fails if the database is unreachable. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const log = options.log ?? silentLog;
    const config: pg.ClientConfig = {
      connectionString: options.url,
      types,
      keepAlive: true,
      application_name: 'strata-server',
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    };
    const pool = new pg.Pool({ ...config, max: options.poolSize ?? 10, idleTimeoutMillis: 30_000 });
    // An idle connection the database dropped (restart, admin kill) is removed by the pool; without
    // a listener the 'error' event would crash the process.
    pool.on('error', (error) => log.warn('an idle PostgreSQL connection was lost', { error: error.message }));
    const cluster = new PostgresCluster(pool, config, log);
    try {
      const client = await pool.connect();
      let migration: MigrationOutcome;
      try {
        migration = await applyMigrations(client);
      } finally {
        client.release();
      }
      await cluster.start();
      return new PostgresStore(pool, cluster, migration);
    } catch (error) {
      await cluster.close();
      await pool.end();
      throw error;
    }
  }

  async transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    this.assertOpen();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toStoreError(error);
    }
    const state = new TransactionState();
    try {
      // Not awaited: the client sends the first statement of `fn` right behind it, and a failed BEGIN
      // fails that statement too.
      client.query('BEGIN').catch(() => undefined);
      const value = await fn(this.transactionView(client, state));
      // The notifications ride with the COMMIT (one round trip) and are delivered only if it succeeds.
      const notifications = notifyPayloads(this.cluster.origin, state.events()).map(
        (payload) => `SELECT pg_notify('${notifyChannel}', ${client.escapeLiteral(payload)});`,
      );
      await client.query(`${notifications.join(' ')} COMMIT`);
      client.release();
      return value;
    } catch (error) {
      if (isConnectionError(error)) {
        client.release(error instanceof Error ? error : true);
        throw toStoreError(error);
      }
      try {
        await client.query('ROLLBACK');
        client.release();
      } catch (rollbackError) {
        client.release(rollbackError instanceof Error ? rollbackError : true);
      }
      const state = sqlState(error);
      if (state !== undefined && retryableStates.has(state)) {
        throw new ConcurrencyConflictError('', '', 0);
      }
      throw error;
    }
  }

  getExecution(namespace: string, runId: string): Promise<ExecutionRecord | undefined> {
    return this.read(() => executions.getExecution(this.pool, namespace, runId));
  }

  findLatestExecution(namespace: string, workflowId: string): Promise<ExecutionRecord | undefined> {
    return this.read(() => executions.findLatestExecution(this.pool, namespace, workflowId));
  }

  readHistory(namespace: string, runId: string, fromEventId: number, limit: number): Promise<StoredEvent[]> {
    return this.read(() => history.readEvents(this.pool, namespace, runId, fromEventId, limit));
  }

  readLastEvent(namespace: string, runId: string): Promise<StoredEvent | undefined> {
    return this.read(() => history.readLastEvent(this.pool, namespace, runId));
  }

  listExecutions(
    namespace: string,
    filter: VisibilityFilter | undefined,
    pageSize: number,
    cursor: string | undefined,
    order?: VisibilityOrder,
  ): Promise<ListPage> {
    return this.read(() => visibility.listExecutions(this.pool, namespace, filter, pageSize, cursor, order));
  }

  countExecutions(namespace: string, filter: VisibilityFilter | undefined): Promise<number> {
    return this.read(() => visibility.countExecutions(this.pool, namespace, filter));
  }

  listSearchAttributes(namespace: string): Promise<SearchAttributeDefinition[]> {
    return this.read(() => searchAttributes.listSearchAttributes(this.pool, namespace));
  }

  dueTimers(nowMs: number, limit: number): Promise<TimerRecord[]> {
    return this.read(() => timers.dueTimers(this.pool, nowMs, limit));
  }

  nextTimerDueMs(): Promise<number | undefined> {
    return this.read(() => timers.nextTimerDueMs(this.pool));
  }

  hasBusyExecutions(): Promise<boolean> {
    return this.read(() => executions.hasBusyExecutions(this.pool));
  }

  getBatchOperation(namespace: string, jobId: string): Promise<BatchOperationRecord | undefined> {
    return this.read(() => batches.getBatchOperation(this.pool, namespace, jobId));
  }

  listBatchOperations(
    namespace: string,
    pageSize: number,
    cursor: string | undefined,
  ): Promise<BatchOperationPage> {
    return this.read(() => batches.listBatchOperations(this.pool, namespace, pageSize, cursor));
  }

  runnableBatchOperations(owner: string, nowMs: number, limit: number): Promise<BatchOperationRecord[]> {
    return this.read(() => batches.runnableBatchOperations(this.pool, owner, nowMs, limit));
  }

  batchItems(
    namespace: string,
    jobId: string,
    which: 'pending' | 'failed',
    afterSeq: number,
    limit: number,
  ): Promise<BatchItem[]> {
    return this.read(() => batches.batchItems(this.pool, namespace, jobId, which, afterSeq, limit));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.cluster.close();
    await this.pool.end();
  }

  private async read<T>(fn: () => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      return await fn();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the store is closed');
  }

  /** What a committed write must announce, and the search attribute values it replaces. */
  private async afterWrite(
    client: pg.PoolClient,
    state: TransactionState,
    namespace: string,
    runId: string,
    write: ExecutionWrite,
    taskIds: number[],
  ): Promise<void> {
    for (const [index, task] of write.tasks.entries()) {
      const id = taskIds[index];
      if (id !== undefined) {
        state.taskQueued(id, {
          type: 'task',
          namespace: task.namespace,
          taskQueue: task.taskQueue,
          kind: task.kind,
          version: task.version ?? '',
        });
      }
    }
    if (write.searchAttributes) {
      await searchAttributes.replaceSearchAttributeValues(client, namespace, runId, write.searchAttributes);
    }
    if (write.status !== 1) state.runClosed(namespace, runId);
  }

  private transactionView(client: pg.PoolClient, state: TransactionState): StoreTransaction {
    return {
      getExecution: async (namespace, runId) => {
        const prefetched = state.prefetched;
        state.prefetched = undefined;
        if (prefetched?.namespace === namespace && prefetched.runId === runId) return prefetched;
        return executions.getExecution(client, namespace, runId);
      },
      findLatestExecution: (namespace, workflowId) =>
        executions.findLatestExecution(client, namespace, workflowId),
      insertExecution: async (execution: NewExecution) => {
        const taskIds = await executions.insertExecution(client, execution);
        await this.afterWrite(client, state, execution.namespace, execution.runId, execution, taskIds);
      },
      updateExecution: async (update: ExecutionUpdate) => {
        const { version, taskIds } = await executions.updateExecution(client, update);
        await this.afterWrite(client, state, update.namespace, update.runId, update, taskIds);
        return version;
      },
      claimTask: async (namespace, taskQueue, kind, version) => {
        const claimed = await tasks.claimTask(client, namespace, taskQueue, kind, version);
        if (!claimed) return undefined;
        state.taskClaimed(claimed.task.id);
        state.prefetched = claimed.execution;
        return claimed.task;
      },
      claimTimer: (id) => timers.claimTimer(client, id),
      readHistory: (namespace, runId, fromEventId, limit) =>
        history.readEvents(client, namespace, runId, fromEventId, limit),
      listSearchAttributes: (namespace) => searchAttributes.listSearchAttributes(client, namespace),
      putSearchAttribute: (namespace, definition) =>
        searchAttributes.putSearchAttribute(client, namespace, definition),
      deleteSearchAttribute: (namespace, name) =>
        searchAttributes.deleteSearchAttribute(client, namespace, name),
      listDeployments: (namespace) => deployments.listDeployments(client, namespace),
      getDeployment: (namespace, name) => deployments.getDeployment(client, namespace, name),
      putDeployment: (record) => deployments.putDeployment(client, record),
      deleteDeployment: (namespace, name) => deployments.deleteDeployment(client, namespace, name),
      listDeploymentVersions: (namespace, deploymentName) =>
        deployments.listVersions(client, namespace, deploymentName),
      getDeploymentVersion: (namespace, deploymentName, buildId) =>
        deployments.getVersion(client, namespace, deploymentName, buildId),
      putDeploymentVersion: (record) => deployments.putVersion(client, record),
      deleteDeploymentVersion: (namespace, deploymentName, buildId) =>
        deployments.deleteVersion(client, namespace, deploymentName, buildId),
      adjustOpenPinned: (namespace, deploymentName, buildId, delta, nowMs) =>
        deployments.adjustOpenPinned(client, namespace, deploymentName, buildId, delta, nowMs),
      addVersionTaskQueue: (queue) => deployments.addTaskQueue(client, queue),
      listVersionTaskQueues: (namespace, deploymentName, buildId) =>
        deployments.listTaskQueues(client, namespace, deploymentName, buildId),
      deploymentsOfTaskQueue: (namespace, taskQueue, kind) =>
        deployments.deploymentsOfTaskQueue(client, namespace, taskQueue, kind),
      rerouteTasks: async (namespace, queues, route) => {
        let moved = 0;
        for (const queue of queues) {
          const result = await deployments.rerouteTasks(
            client,
            namespace,
            queue.taskQueue,
            queue.kind,
            route,
          );
          state.tasksMoved(namespace, result.targets);
          moved += result.count;
        }
        return moved;
      },
      retargetRunTasks: async (namespace, runId, version, pinned, queue) => {
        const result = await deployments.retargetRunTasks(client, namespace, runId, version, pinned, queue);
        state.tasksMoved(namespace, result.targets);
      },
      recordPoller: (poller) => deployments.recordPoller(client, poller),
      listPollers: (namespace, filter) => deployments.listPollers(client, namespace, filter),
      deletePollers: (namespace, identity) => deployments.deletePollers(client, namespace, identity),
      insertBatchOperation: (batch) => batches.insertBatchOperation(client, batch),
      getBatchOperation: (namespace, jobId) => batches.getBatchOperation(client, namespace, jobId),
      addBatchItems: (namespace, jobId, targets, progress) =>
        batches.addBatchItems(client, namespace, jobId, targets, progress),
      finishBatchItem: (namespace, jobId, seq, outcome) =>
        batches.finishBatchItem(client, namespace, jobId, seq, outcome),
      closeBatchOperation: (namespace, jobId, close) =>
        batches.closeBatchOperation(client, namespace, jobId, close),
      leaseBatchOperation: (namespace, jobId, owner, nowMs, untilMs) =>
        batches.leaseBatchOperation(client, namespace, jobId, owner, nowMs, untilMs),
    };
  }
}
