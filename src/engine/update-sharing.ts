/**
 * Updates shared between the server processes of one database (a store `cluster`, PostgreSQL).
 *
 * Each process keeps its own registry (update-registry.ts); with a cluster, the `shared_updates` table is the
 * truth and every registry mirrors the rows of the runs it knows: a server admitting an update writes its row
 * first, and whichever server hands the run's next workflow task to a worker delivers it. Acceptances drop rows,
 * rejections are recorded in them, and each change sends an `updates` notification on which the other
 * processes read the run's rows again and wake their callers. A run with no workflow task of its own gets its
 * speculative task through an offer (one per run across the cluster), which a poller of the queue on any server
 * claims, as shared queries are. A rejection still writes no history: only the table sees it.
 */

import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { type Failure, FailureSchema } from '../gen/strata/v1/common_pb.js';
import { type UpdateRequest, UpdateRequestSchema } from '../gen/strata/v1/update_pb.js';
import type { StoreCluster, UpdateTaskOffer } from '../store/cluster.js';
import { type EngineCore, runKey } from './engine-core.js';
import type { SpeculativeTask } from './update-registry.js';
import { sharedQueueChannel } from './versioning/shared-queue.js';

/** How long a claimed offer stays this process's: past the longest workflow task timeout (120 s). */
const offerHoldMs = 130_000;

export class SharedUpdates {
  /** Channels with offers to look for; a count so a claim that found none clears only its own mark. */
  private readonly offerMarks = new Map<string, { namespace: string; taskQueue: string; count: number }>();
  /** Channels polled here, re-checked for offers after notifications may have been missed. */
  private readonly polled = new Map<string, { namespace: string; taskQueue: string }>();
  /** Offers of speculative tasks this process gave up, by run, until the database has them gone. */
  private readonly releasing = new Map<string, Promise<void>>();
  /** Runs whose rows this process mirrors, to read again after notifications may have been missed. */
  private readonly mirrored = new Map<string, { namespace: string; runId: string }>();

  constructor(
    private readonly core: EngineCore,
    private readonly cluster: StoreCluster,
  ) {}

  /** Writes the row of an update this process admits, before its registry holds it. */
  share(namespace: string, runId: string, request: UpdateRequest): Promise<void> {
    const updateId = request.meta?.updateId ?? '';
    return this.cluster.shareUpdate(namespace, runId, updateId, toBinary(UpdateRequestSchema, request));
  }

  /**
   * Brings the registry in line with the run's rows: updates admitted elsewhere are admitted here (undelivered),
   * rejected ones settle with their failure, and those whose row went (accepted, or the run closed) settle.
   */
  async sync(namespace: string, runId: string): Promise<void> {
    const registry = this.core.updates;
    const key = runKey(namespace, runId);
    // An offer this process gives up is gone first: another process that could not offer while it was held
    // wrote its update before trying, so this read sees that update, and the dispatch that follows offers it.
    await this.releasing.get(key);
    // Only updates held before the read may have lost their row: a row is written before its update is held.
    const held = new Set(registry.pendingOf(key).map((update) => update.updateId));
    const rows = await this.cluster.runUpdates(namespace, runId);
    const present = new Set<string>();
    for (const row of rows) {
      present.add(row.updateId);
      const pending = registry.pending(key, row.updateId);
      if (row.rejection) {
        if (!pending) continue;
        pending.rejection = fromBinary(FailureSchema, row.rejection);
        registry.settle(key, row.updateId);
      } else if (!pending) {
        registry.admit(key, fromBinary(UpdateRequestSchema, row.request));
      }
    }
    for (const updateId of held) {
      if (!present.has(updateId)) registry.settle(key, updateId);
    }
    if (registry.isTracked(key)) this.mirrored.set(key, { namespace, runId });
    else this.mirrored.delete(key);
  }

  /**
   * After a workflow task's answer committed: drops the rows of the updates it accepted, records its rejections,
   * and tells the other processes, whose callers then read the run again.
   */
  settle(
    namespace: string,
    runId: string,
    accepted: readonly string[],
    rejected: ReadonlyArray<{ updateId: string; failure: Failure }>,
  ): Promise<void> {
    return this.cluster.settleUpdates(
      namespace,
      runId,
      accepted,
      rejected.map(({ updateId, failure }) => ({ updateId, failure: toBinary(FailureSchema, failure) })),
    );
  }

  /** The run closed: its rows and offer go. */
  async forgetRun(namespace: string, runId: string): Promise<void> {
    this.mirrored.delete(runKey(namespace, runId));
    await this.cluster.forgetRunUpdates(namespace, runId);
  }

  /** Offers a speculative task of the run to pollers of the queue on every server, this one included. */
  async offer(namespace: string, runId: string, taskQueue: string): Promise<void> {
    if (await this.cluster.offerUpdateTask(namespace, runId, taskQueue)) this.onOffer(namespace, taskQueue);
  }

  /**
   * Takes the run's offer for this process at once (a sticky poller of the run waits here); returns its id, the
   * id of the speculative task to make, or undefined when another process holds the run's task.
   */
  hold(namespace: string, runId: string, taskQueue: string): Promise<string | undefined> {
    return this.cluster.offerUpdateTask(namespace, runId, taskQueue, offerHoldMs);
  }

  /** Takes an offer for a poller of the queue, if one may be waiting. */
  async claim(namespace: string, taskQueue: string): Promise<UpdateTaskOffer | undefined> {
    const channel = sharedQueueChannel(namespace, taskQueue);
    this.polled.set(channel, { namespace, taskQueue });
    const mark = this.offerMarks.get(channel);
    if (!mark) return undefined;
    const offer = await this.cluster.claimUpdateTask(namespace, taskQueue, offerHoldMs);
    // None left, unless a notification arrived while looking.
    if (!offer && this.offerMarks.get(channel)?.count === mark.count) this.offerMarks.delete(channel);
    return offer;
  }

  /** Gives up an offer this process claimed but makes no task of. */
  releaseOffer(namespace: string, offer: UpdateTaskOffer): Promise<void> {
    return this.cluster.releaseUpdateTask(namespace, offer.runId, offer.id);
  }

  /** A speculative task of this process is gone (answered, timed out, dropped): its offer goes too. */
  released(task: SpeculativeTask): void {
    const key = runKey(task.namespace, task.runId);
    const release = this.cluster
      .releaseUpdateTask(task.namespace, task.runId, task.id)
      .catch((error: unknown) => {
        if (!this.core.closed) {
          this.core.logger.warn('releasing an update task offer failed; it lapses by itself', {
            runId: task.runId,
            error: String(error),
          });
        }
      })
      .finally(() => {
        if (this.releasing.get(key) === release) this.releasing.delete(key);
      });
    this.releasing.set(key, release);
  }

  /** Another process changed the run's updates: read its rows again and wake the callers waiting here. */
  async onUpdates(namespace: string, runId: string): Promise<void> {
    await this.sync(namespace, runId);
    this.core.updates.notify(runKey(namespace, runId));
  }

  /** An offer may be waiting for pollers of this queue (another process made it, or this one). */
  onOffer(namespace: string, taskQueue: string): void {
    const channel = sharedQueueChannel(namespace, taskQueue);
    const mark = this.offerMarks.get(channel);
    this.offerMarks.set(channel, { namespace, taskQueue, count: (mark?.count ?? 0) + 1 });
    this.core.matching.notify(channel);
  }

  /** Notifications may have been missed: look for offers and read the mirrored runs again. */
  async resync(): Promise<void> {
    for (const { namespace, taskQueue } of [...this.polled.values()]) this.onOffer(namespace, taskQueue);
    await Promise.all(
      [...this.mirrored.values()].map(({ namespace, runId }) => this.onUpdates(namespace, runId)),
    );
  }
}
