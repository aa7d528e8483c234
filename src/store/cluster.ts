/**
 * The multi-process side of a store that several server processes share (PostgreSQL). Each process
 * hears what the others committed, so a task queued through one server wakes a poll waiting on
 * another, a close wakes result waiters everywhere, and a query reaches a worker polling elsewhere.
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
}
