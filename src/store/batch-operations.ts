/**
 * The store port's part for durable batch operations: one row per batch (what it does, its state, its
 * counters and the lease of the server running it) and one row per execution it chose, in the order it
 * chose them, each pending, completed or failed. The engine gives the batch's request as opaque bytes.
 */

/** What the store keeps of a batch; `state` is the BatchOperationState number. */
export interface BatchOperationRecord {
  namespace: string;
  jobId: string;
  /** The BatchOperationType number. */
  operationType: number;
  /** The encoded start request (operation, query, reason), for the engine. */
  request: Uint8Array;
  state: number;
  startTimeMs: number;
  closeTimeMs: number;
  closeReason: string;
  totalCount: number;
  completedCount: number;
  failedCount: number;
  /** Where choosing the executions stopped (a list cursor); empty before the first page. */
  listCursor: string;
  /** True once every execution the batch applies to is in its list of items. */
  listed: boolean;
  /** The server process running the batch, and until when its lease holds. */
  owner: string;
  leaseExpiresMs: number;
}

export type NewBatchOperation = Pick<
  BatchOperationRecord,
  'namespace' | 'jobId' | 'operationType' | 'request' | 'state' | 'startTimeMs'
>;

/** One execution a batch chose; `seq` orders them (1, 2, ...) within the batch. */
export interface BatchItem {
  seq: number;
  workflowId: string;
  /** Empty for "the workflow's latest run" (an explicit list may name no run). */
  runId: string;
  /** Set once the operation failed on this execution. */
  error?: string;
}

export interface BatchItemTarget {
  workflowId: string;
  runId: string;
}

/** The outcome of one item: changed, or the failure's message. */
export type BatchItemOutcome = { failed: false } | { failed: true; error: string };

export interface BatchOperationPage {
  records: BatchOperationRecord[];
  nextCursor?: string;
}

/** The batch operations calls inside one store transaction. */
export interface BatchOperationTransaction {
  /** False if the namespace has a batch with this job id already. */
  insertBatchOperation(batch: NewBatchOperation): Promise<boolean>;
  getBatchOperation(namespace: string, jobId: string): Promise<BatchOperationRecord | undefined>;
  /**
   * Appends executions to the batch's items, after those it has, skipping any run already listed;
   * advances `listCursor`, sets `listed` when given, and adds the new items to `totalCount`.
   */
  addBatchItems(
    namespace: string,
    jobId: string,
    targets: readonly BatchItemTarget[],
    progress: { listCursor: string; listed: boolean },
  ): Promise<number>;
  /**
   * Records an item's outcome and counts it, only if the item is still pending and the batch RUNNING;
   * false otherwise (another server did it, or the batch was stopped), and the caller must roll back.
   */
  finishBatchItem(namespace: string, jobId: string, seq: number, outcome: BatchItemOutcome): Promise<boolean>;
  /** Closes a RUNNING batch (COMPLETED, FAILED or TERMINATED); false if it was not running. */
  closeBatchOperation(
    namespace: string,
    jobId: string,
    close: { state: number; closeTimeMs: number; closeReason: string },
  ): Promise<boolean>;
  /**
   * Takes or renews the lease of a RUNNING batch for `owner` until `untilMs`: succeeds if the batch has
   * no owner, is owned by `owner`, or its lease expired before `nowMs`.
   */
  leaseBatchOperation(
    namespace: string,
    jobId: string,
    owner: string,
    nowMs: number,
    untilMs: number,
  ): Promise<boolean>;
}

/** The batch operations reads outside transactions. */
export interface BatchOperationReads {
  getBatchOperation(namespace: string, jobId: string): Promise<BatchOperationRecord | undefined>;
  /** Newest first. */
  listBatchOperations(
    namespace: string,
    pageSize: number,
    cursor: string | undefined,
  ): Promise<BatchOperationPage>;
  /** RUNNING batches of any namespace that `owner` holds or whose lease expired before `nowMs`. */
  runnableBatchOperations(owner: string, nowMs: number, limit: number): Promise<BatchOperationRecord[]>;
  /** The batch's items after `afterSeq` in order: the pending ones, or (`failed`) the failed ones. */
  batchItems(
    namespace: string,
    jobId: string,
    which: 'pending' | 'failed',
    afterSeq: number,
    limit: number,
  ): Promise<BatchItem[]>;
}
