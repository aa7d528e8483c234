/**
 * Runs batch operations in the background. Each batch is held by one server process at a time through a
 * lease in its row (taken when free or expired, renewed while running), so with several servers on one
 * PostgreSQL database exactly one runs it, and another takes it over when the holder dies. A batch first
 * records the running executions its query matches (page by page, with the list cursor saved in the same
 * transaction), then changes them in that order, each in its own transaction that also records the
 * item's outcome: a server killed at any point resumes where the last commit left it, and no execution
 * is changed twice.
 */
import { randomUUID } from 'node:crypto';
import { BatchOperationState } from '../../gen/strata/v1/batch_pb.js';
import { WorkflowExecutionStatus } from '../../gen/strata/v1/common_pb.js';
import type { BatchItem, BatchItemOutcome, BatchOperationRecord } from '../../store/batch-operations.js';
import type { StoreTransaction } from '../../store/store.js';
import type { VisibilityFilter } from '../../store/visibility-filter.js';
import type { EngineCore } from '../engine-core.js';
import { EngineError } from '../errors.js';
import { parseQuery } from '../read-api.js';
import { storedRequest } from './batch-api.js';
import { type BatchOperation, batchOperationOf } from './operations.js';

const listPageSize = 500;
const itemPageSize = 200;
const scanLimit = 16;

/** The item was done by another server or the batch was stopped: the transaction must roll back. */
class ItemNotPendingError extends Error {}

/** Errors that say the execution cannot take the operation; anything else is retried later. */
function isExecutionFailure(error: unknown): error is EngineError {
  return error instanceof EngineError && error.kind !== 'unavailable' && error.kind !== 'internal';
}

/** `filter` ANDed with ExecutionStatus = "Running". */
export function runningOnly(filter: VisibilityFilter | undefined): VisibilityFilter {
  const running: VisibilityFilter = {
    kind: 'comparison',
    field: 'status',
    operator: '=',
    value: WorkflowExecutionStatus.RUNNING,
  };
  return filter ? { kind: 'and', left: filter, right: running } : running;
}

export class BatchRunner {
  /** A process sharing the database with others needs its own name; alone (SQLite) it keeps its batches across restarts. */
  private readonly owner: string;
  private readonly running = new Map<string, Promise<void>>();
  private scanTimer: NodeJS.Timeout | undefined;
  private readonly pauses = new Set<() => void>();
  private stopped = false;

  constructor(private readonly core: EngineCore) {
    this.owner = core.store.cluster ? randomUUID() : 'local';
  }

  private get leaseMs(): number {
    return this.core.limits.batchLeaseMs;
  }

  start(): void {
    this.scanSoon(0);
  }

  /** A batch was started here: run it now instead of at the next scan. */
  wake(): void {
    this.scanSoon(0);
  }

  /** Stops taking batches and waits for the item in progress of each; leases lapse and others resume. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.scanTimer);
    for (const resume of this.pauses) resume();
    await Promise.all(this.running.values());
  }

  private scanSoon(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.scanTimer);
    this.scanTimer = setTimeout(() => void this.scan(), delayMs);
  }

  private async scan(): Promise<void> {
    try {
      const batches = await this.core.store.runnableBatchOperations(this.owner, Date.now(), scanLimit);
      for (const batch of batches) {
        const key = `${batch.namespace}/${batch.jobId}`;
        if (this.stopped || this.running.has(key)) continue;
        const run = this.run(batch)
          .catch((error: unknown) =>
            this.core.logger.warn('batch operation paused; it resumes at the next scan', {
              jobId: batch.jobId,
              error: error instanceof Error ? error.message : String(error),
            }),
          )
          .finally(() => this.running.delete(key));
        this.running.set(key, run);
      }
    } catch (error) {
      this.core.logger.warn('looking for batch operations failed', { error: String(error) });
    } finally {
      // Another server's batch whose lease expires is taken over within a third of the lease.
      this.scanSoon(this.leaseMs / 3);
    }
  }

  private lease(batch: BatchOperationRecord): Promise<boolean> {
    const now = Date.now();
    return this.core.transact((tx) =>
      tx.leaseBatchOperation(batch.namespace, batch.jobId, this.owner, now, now + this.leaseMs),
    );
  }

  private async run(batch: BatchOperationRecord): Promise<void> {
    if (!(await this.lease(batch))) return;
    let held = true;
    const renewal = setInterval(() => {
      this.lease(batch).then(
        (ok) => {
          held &&= ok;
        },
        () => {
          held = false;
        },
      );
    }, this.leaseMs / 3);
    try {
      const request = storedRequest(batch);
      const operation = batchOperationOf(request);
      const pace = new Pace(request.maxOperationsPerSecond, this.pauses);
      for (;;) {
        if (this.stopped || !held) return;
        const record = await this.core.store.getBatchOperation(batch.namespace, batch.jobId);
        if (record?.state !== BatchOperationState.RUNNING) return;
        if (!record.listed) {
          await this.listPage(record);
          continue;
        }
        const items = await this.core.store.batchItems(
          batch.namespace,
          batch.jobId,
          'pending',
          0,
          itemPageSize,
        );
        if (items.length === 0) {
          await this.close(record, BatchOperationState.COMPLETED, '');
          return;
        }
        for (const item of items) {
          if (this.stopped || !held) return;
          await pace.wait();
          if (this.stopped) return;
          if (!(await this.applyItem(record, operation, item))) break;
        }
      }
    } catch (error) {
      if (!isExecutionFailure(error)) throw error;
      // The batch itself cannot go on (its query no longer parses, its operation is invalid).
      await this.close(batch, BatchOperationState.FAILED, error.message);
    } finally {
      clearInterval(renewal);
    }
  }

  /** Records the next page of the running executions the query matches, and where the page ended. */
  private async listPage(batch: BatchOperationRecord): Promise<void> {
    const request = storedRequest(batch);
    const { filter, order } = await parseQuery(this.core, batch.namespace, request.visibilityQuery);
    const page = await this.core.store.listExecutions(
      batch.namespace,
      runningOnly(filter),
      listPageSize,
      batch.listCursor === '' ? undefined : batch.listCursor,
      order,
    );
    const targets = page.records.map((record) => ({ workflowId: record.workflowId, runId: record.runId }));
    await this.core.transact((tx) =>
      tx.addBatchItems(batch.namespace, batch.jobId, targets, {
        listCursor: page.nextCursor ?? '',
        listed: page.nextCursor === undefined,
      }),
    );
  }

  /** Changes one execution; false when the batch stopped or the item was taken, so the caller re-reads. */
  private async applyItem(
    batch: BatchOperationRecord,
    operation: BatchOperation,
    item: BatchItem,
  ): Promise<boolean> {
    const run = { namespace: batch.namespace, workflowId: item.workflowId, runId: item.runId };
    try {
      const afterCommit = await this.core.transact(async (tx, effects) => {
        const after = await operation.apply(this.core, tx, effects, run);
        await this.finish(tx, batch, item, { failed: false });
        return after;
      });
      afterCommit?.();
      return true;
    } catch (error) {
      if (error instanceof ItemNotPendingError) return false;
      if (!isExecutionFailure(error)) throw error;
      try {
        await this.core.transact((tx) =>
          this.finish(tx, batch, item, { failed: true, error: error.message }),
        );
        return true;
      } catch (failure) {
        if (failure instanceof ItemNotPendingError) return false;
        throw failure;
      }
    }
  }

  /** Records the item's outcome; throws ItemNotPendingError, rolling the transaction back, when it cannot. */
  private async finish(
    tx: StoreTransaction,
    batch: BatchOperationRecord,
    item: BatchItem,
    outcome: BatchItemOutcome,
  ): Promise<void> {
    if (!(await tx.finishBatchItem(batch.namespace, batch.jobId, item.seq, outcome))) {
      throw new ItemNotPendingError();
    }
  }

  private async close(
    batch: BatchOperationRecord,
    state: BatchOperationState,
    closeReason: string,
  ): Promise<void> {
    await this.core.transact((tx) =>
      tx.closeBatchOperation(batch.namespace, batch.jobId, {
        state,
        closeTimeMs: this.core.clock.nowMs(),
        closeReason,
      }),
    );
  }
}

/** Spaces the changes of one batch to at most `perSecond` a second (0: no limit). */
class Pace {
  private nextMs = 0;

  constructor(
    private readonly perSecond: number,
    private readonly pauses: Set<() => void>,
  ) {}

  async wait(): Promise<void> {
    if (this.perSecond <= 0) return;
    const now = performance.now();
    const delayMs = this.nextMs - now;
    this.nextMs = Math.max(now, this.nextMs) + 1000 / this.perSecond;
    if (delayMs <= 0) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.pauses.delete(done);
        resolve();
      };
      const timer = setTimeout(done, delayMs);
      this.pauses.add(done);
    });
  }
}
