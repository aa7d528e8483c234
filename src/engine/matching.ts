import type { TaskKind } from '../store/store.js';
import type { TaskNotifier } from './notifier.js';

export function queueChannel(namespace: string, taskQueue: string, kind: TaskKind): string {
  return `${namespace}\u0000${taskQueue}\u0000${kind}`;
}

interface Waiter {
  wake: () => void;
}

/** True when a notification (not a timeout, abort or close) ended the wait. */
type Woken = boolean;

/** A query waiting for a workflow worker; it lives only in memory and records nothing. */
export interface QueryTask {
  id: string;
  namespace: string;
  runId: string;
  taskQueue: string;
}

/**
 * Long-poll bookkeeping per (namespace, task queue, kind). The store holds the tasks; this only wakes
 * waiting pollers (one per queued task) and carries in-memory query tasks. A generation counter per
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

  /** Resolves on a notification, after `timeoutMs`, on abort, or when matching closes. */
  wait(channel: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<Woken> {
    if (this.closed || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = { wake: () => finish(!this.closed) };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const onAbort = (): void => finish(false);
      const finish = (woken: boolean): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
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
