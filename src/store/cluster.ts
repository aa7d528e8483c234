/**
 * The multi-process side of a store that several server processes share (PostgreSQL). Each process
 * hears what the others committed, so a task queued through one server wakes a poll waiting on
 * another, a close wakes result waiters everywhere, and a query or an update reaches a worker polling
 * elsewhere.
 * The embedded store has no such side: its processes are not told of each other's commits.
 */
import type { TaskKind } from './store.js';

/** Something another server process committed; delivered after its commit, never for a rollback. */
export type ClusterEvent =
  /** A task was queued (and not started by a poll of the committing process). */
  | { type: 'task'; namespace: string; taskQueue: string; kind: TaskKind; version: string }
  /** A run closed. */
  | { type: 'closed'; namespace: string; runId: string }
  /** A query was put in the shared query table for pollers of this workflow task queue. */
  | { type: 'query'; namespace: string; taskQueue: string }
  /** The query with this id was answered; its origin takes the answer. */
  | { type: 'answer'; queryId: string }
  /** The run's shared updates changed: one was admitted, accepted, rejected or completed. */
  | { type: 'updates'; namespace: string; runId: string }
  /** A run waits for a poller of this workflow task queue to take a speculative task carrying its updates. */
  | { type: 'updateTask'; namespace: string; taskQueue: string }
  /** Events may have been missed (the listening connection was lost and is back): re-check everything. */
  | { type: 'resync' };

/** A query waiting in the shared table for a worker of `taskQueue`, whatever server it polls. */
export interface SharedQuery {
  id: string;
  namespace: string;
  taskQueue: string;
  runId: string;
  /** The encoded WorkflowQuery. */
  query: Uint8Array;
  /** Past this time nobody claims it: its origin has given up. */
  deadlineMs: number;
}

/** An update admitted by some server process and not accepted yet (or rejected a moment ago). */
export interface SharedUpdate {
  updateId: string;
  /** The encoded UpdateRequest. */
  request: Uint8Array;
  /** The encoded Failure, once the workflow rejected it. */
  rejection: Uint8Array | undefined;
}

/** A speculative workflow task offered to the pollers of a queue, for one run. */
export interface UpdateTaskOffer {
  id: string;
  runId: string;
}

export interface StoreCluster {
  subscribe(listener: (event: ClusterEvent) => void): () => void;
  /** Adds the query and tells every other process (`query` event). */
  enqueueQuery(query: SharedQuery): Promise<void>;
  /** Takes the oldest unclaimed, unexpired query of the queue, once across all processes. */
  claimQuery(namespace: string, taskQueue: string, nowMs: number): Promise<SharedQuery | undefined>;
  /** Records the answer of a claimed query and tells its origin; false if the origin gave up. */
  answerQuery(id: string, answer: Uint8Array): Promise<boolean>;
  /** The answer recorded for a query of this process, if any. */
  readAnswer(id: string): Promise<Uint8Array | undefined>;
  /** Forgets a query of this process (answered, timed out or abandoned). */
  dropQuery(id: string): Promise<void>;
  /**
   * Adds an admitted update of the run (admits it again if it was rejected; an update already there stays as
   * it is) and tells every other process (`updates` event).
   */
  shareUpdate(namespace: string, runId: string, updateId: string, request: Uint8Array): Promise<void>;
  /** The run's shared updates, in admission order. */
  runUpdates(namespace: string, runId: string): Promise<SharedUpdate[]>;
  /**
   * Drops the updates the workflow accepted, records the rejections, and tells every other process
   * (`updates` event; also with nothing to drop or record: an update completed).
   */
  settleUpdates(
    namespace: string,
    runId: string,
    accepted: readonly string[],
    rejected: ReadonlyArray<{ updateId: string; failure: Uint8Array }>,
  ): Promise<void>;
  /** Forgets the run's shared updates and task offer: the run closed. */
  forgetRunUpdates(namespace: string, runId: string): Promise<void>;
  /**
   * Offers a speculative task of the run to pollers of `taskQueue` (`updateTask` event) unless another process
   * holds one for it; an offer this process held, or one held past its deadline, is replaced. With `holdMs`,
   * the offer is this process's at once (for a poller waiting here), for that long, and nobody is told.
   * Returns the offer's id, or undefined when another process holds the run's task (its answer dispatches
   * the updates again).
   */
  offerUpdateTask(
    namespace: string,
    runId: string,
    taskQueue: string,
    holdMs?: number,
  ): Promise<string | undefined>;
  /** Takes the oldest open offer of the queue, once across all processes, and holds it for `holdMs`. */
  claimUpdateTask(namespace: string, taskQueue: string, holdMs: number): Promise<UpdateTaskOffer | undefined>;
  /** Gives up offer `id` of the run (its task was answered, timed out or was dropped). */
  releaseUpdateTask(namespace: string, runId: string, id: string): Promise<void>;
}
