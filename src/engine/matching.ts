import type { StoreTransaction, TaskKind } from '../store/store.js';
import type { CommitEffects } from './engine-core.js';
import type { TaskNotifier } from './notifier.js';

/** Where pollers of a queue wait: one channel per version of the workers ('' = unversioned workers). */
export function queueChannel(namespace: string, taskQueue: string, kind: TaskKind, version = ''): string {
  const channel = `${namespace}\u0000${taskQueue}\u0000${kind}`;
  return version === '' ? channel : `${channel}\u0000${version}`;
}

interface Waiter {
  wake: () => void;
  handoff: Handoff | undefined;
}

/** The poll's own claim, run inside the transaction that scheduled a task for its queue. */
export type HandoffClaim = (tx: StoreTransaction, effects: CommitEffects) => Promise<unknown>;

export interface Handoff {
  claim: HandoffClaim;
  /** Marks the poller taken: its timeout, abort and close no longer end the wait. */
  take: () => void;
  /** Ends the wait with the claim's result (undefined: claim again from the store). */
  deliver: (result: unknown) => void;
}

/**
 * True when a notification (not a timeout, abort or close) ended the wait; `{ result }` when a
 * scheduling transaction ran the poll's claim for it (sync match).
 */
type Woken = boolean | { result: unknown };

/** A query waiting for a workflow worker; it lives only in memory and records nothing. */
export interface QueryTask {
  id: string;
  namespace: string;
  runId: string;
  taskQueue: string;
}

/**
 * Long-poll bookkeeping per (namespace, task queue, kind). The store holds the tasks; this wakes
 * waiting pollers (one per queued task), lends their claims to scheduling transactions (sync match, see
 * `EngineCore.transact`) and carries in-memory query tasks. A generation counter per
 * channel lets a poller notice a task that arrived while it was checking the store.
 */
export class Matching {
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly generations = new Map<string, number>();
  private readonly queries = new Map<string, QueryTask[]>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly notifier: TaskNotifier) {
    this.unsubscribe = notifier.subscribe((channel) => this.onPublish(channel));
  }

  generation(channel: string): number {
    return this.generations.get(channel) ?? 0;
  }

  notify(channel: string): void {
    this.notifier.publish(channel);
  }

  private onPublish(channel: string): void {
    this.generations.set(channel, this.generation(channel) + 1);
    const list = this.waiters.get(channel);
    const waiter = list?.shift();
    if (list && list.length === 0) this.waiters.delete(channel);
    waiter?.wake();
  }

  hasWaiter(channel: string): boolean {
    return (this.waiters.get(channel)?.length ?? 0) > 0;
  }

  /**
   * Takes out of the waiting set the first poller of `channel` in this process that offers a claim
   * (an aborted poller has already left the set), so a scheduling transaction can run that claim and,
   * after its commit, deliver the result. A taken poller's timeout, abort and close no longer end its
   * wait: it must be delivered to exactly once (undefined makes it claim from the store again).
   */
  takeHandoff(channel: string): Handoff | undefined {
    if (this.closed) return undefined;
    const list = this.waiters.get(channel);
    if (!list) return undefined;
    const index = list.findIndex((waiter) => waiter.handoff !== undefined);
    if (index < 0) return undefined;
    const [waiter] = list.splice(index, 1);
    if (list.length === 0) this.waiters.delete(channel);
    waiter?.handoff?.take();
    return waiter?.handoff;
  }

  /**
   * Resolves on a notification, after `timeoutMs`, on abort, or when matching closes. With `claim`,
   * a transaction that schedules a task for this channel may run it and end the wait with its result.
   */
  wait(
    channel: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    claim?: HandoffClaim,
  ): Promise<Woken> {
    if (this.closed || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      // Once taken for a hand-off, only deliver() ends the wait (not the timeout, abort or close).
      let taken = false;
      const waiter: Waiter = {
        wake: () => finish(!this.closed),
        handoff: claim && {
          claim,
          take: () => {
            taken = true;
            detach();
          },
          deliver: (result) => resolve(result === undefined ? true : { result }),
        },
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const onAbort = (): void => finish(false);
      const detach = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const finish = (woken: boolean): void => {
        if (taken) return;
        detach();
        const list = this.waiters.get(channel);
        const index = list?.indexOf(waiter) ?? -1;
        if (list && index >= 0) list.splice(index, 1);
        resolve(woken);
      };
      signal?.addEventListener('abort', onAbort);
      const list = this.waiters.get(channel) ?? [];
      list.push(waiter);
      this.waiters.set(channel, list);
    });
  }

  pushQuery(channel: string, query: QueryTask): void {
    const list = this.queries.get(channel) ?? [];
    list.push(query);
    this.queries.set(channel, list);
    this.notify(channel);
  }

  takeQuery(channel: string): QueryTask | undefined {
    const list = this.queries.get(channel);
    const query = list?.shift();
    if (list && list.length === 0) this.queries.delete(channel);
    return query;
  }

  removeQuery(id: string): void {
    for (const [channel, list] of this.queries) {
      const kept = list.filter((query) => query.id !== id);
      if (kept.length === 0) this.queries.delete(channel);
      else this.queries.set(channel, kept);
    }
  }

  /** Every waiting poller looks at the store again (notifications may have been missed). */
  wakeAll(): void {
    for (const channel of [...this.waiters.keys()]) {
      this.generations.set(channel, this.generation(channel) + 1);
      const list = this.waiters.get(channel) ?? [];
      for (const waiter of [...list]) waiter.wake();
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Ends every pending long poll; they return empty responses. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const list of this.waiters.values()) for (const waiter of [...list]) waiter.wake();
    this.waiters.clear();
  }
}
