/**
 * The engine's memory of updates that are not durable yet: requests admitted but not accepted (a rejection
 * must leave no trace, so nothing is written before the workflow accepts), the speculative workflow task
 * that carries them when the run has no task of its own, and the callers waiting on each run. Lost on a
 * restart by design: a caller resends its update id and the request is admitted again.
 */
import type { Failure } from '../gen/strata/v1/common_pb.js';
import type { UpdateRequest } from '../gen/strata/v1/update_pb.js';
import type { SpeculativeTaskFacts } from './state/updates.js';

/** The task that carried an update to a worker: a durable one, or a speculative one. */
export type UpdateDelivery =
  | { kind: 'task'; scheduledEventId: number; attempt: number }
  | { kind: 'speculative'; taskId: string };

/** An update the server holds in memory until the workflow accepts or rejects it. */
export interface PendingUpdate {
  readonly updateId: string;
  readonly request: UpdateRequest;
  delivery: UpdateDelivery | undefined;
  /** Set when the workflow rejected it: what its callers receive. The update is then forgotten. */
  rejection: Failure | undefined;
}

/**
 * A workflow task that exists only here: made to deliver updates to a run with no task of its own. Its
 * WorkflowTaskScheduled and WorkflowTaskStarted events are written only if the worker's answer has to be
 * kept (anything but rejections), or if another event arrives for the run while a worker holds it.
 */
export interface SpeculativeTask extends SpeculativeTaskFacts {
  readonly id: string;
  readonly namespace: string;
  readonly runId: string;
  /** The event id its WorkflowTaskScheduled takes: the run's next event id when it was made. */
  readonly scheduledEventId: number;
  readonly attempt: number;
  /** Schedule-to-start (sticky only) before a worker takes it, then start-to-close. */
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface RunUpdates {
  /** In admission order, which is delivery order. */
  readonly pending: Map<string, PendingUpdate>;
  speculative: SpeculativeTask | undefined;
  readonly listeners: Set<() => void>;
}

export class UpdateRegistry {
  readonly #runs = new Map<string, RunUpdates>();

  /**
   * @param onSpeculativeTaskGone lets time skipping re-check for idleness once no such task is left, and a
   * shared task's offer go (update-sharing.ts).
   */
  constructor(private readonly onSpeculativeTaskGone: (task: SpeculativeTask) => void) {}

  /** Whether the run has pending updates, a speculative task or waiters. */
  isTracked(key: string): boolean {
    return this.#runs.has(key);
  }

  pending(key: string, updateId: string): PendingUpdate | undefined {
    return this.#runs.get(key)?.pending.get(updateId);
  }

  pendingCount(key: string): number {
    return this.#runs.get(key)?.pending.size ?? 0;
  }

  /** The run's pending updates, oldest first. */
  pendingOf(key: string): PendingUpdate[] {
    return [...(this.#runs.get(key)?.pending.values() ?? [])];
  }

  admit(key: string, request: UpdateRequest): PendingUpdate {
    const updateId = request.meta?.updateId ?? '';
    const update: PendingUpdate = { updateId, request, delivery: undefined, rejection: undefined };
    this.#run(key).pending.set(updateId, update);
    return update;
  }

  /** Forgets an update the workflow accepted (now durable) or rejected (`rejection` set first). */
  settle(key: string, updateId: string): void {
    this.#runs.get(key)?.pending.delete(updateId);
    this.#dropIfEmpty(key);
  }

  speculativeTask(key: string): SpeculativeTask | undefined {
    return this.#runs.get(key)?.speculative;
  }

  setSpeculativeTask(key: string, task: SpeculativeTask): void {
    this.#run(key).speculative = task;
  }

  /**
   * Forgets the run's speculative task (if it is `taskId`); the updates it carried wait for the next task.
   * Returns whether it was there.
   */
  dropSpeculativeTask(key: string, taskId: string): boolean {
    const run = this.#runs.get(key);
    const task = run?.speculative;
    if (!run || task?.id !== taskId) return false;
    clearTimeout(task.timer);
    run.speculative = undefined;
    for (const update of run.pending.values()) {
      if (update.delivery?.kind === 'speculative' && update.delivery.taskId === taskId)
        update.delivery = undefined;
    }
    this.#dropIfEmpty(key);
    this.onSpeculativeTaskGone(task);
    return true;
  }

  /** Marks every pending update as carried by `delivery` and returns them, oldest first. */
  deliver(key: string, delivery: UpdateDelivery): PendingUpdate[] {
    const updates = this.pendingOf(key);
    for (const update of updates) update.delivery = delivery;
    return updates;
  }

  /** Clears the delivery of the updates a task carried that failed or was refused: the next task carries them. */
  undeliver(key: string, delivered: (delivery: UpdateDelivery) => boolean): void {
    for (const update of this.#runs.get(key)?.pending.values() ?? []) {
      if (update.delivery !== undefined && delivered(update.delivery)) update.delivery = undefined;
    }
  }

  hasSpeculativeTasks(): boolean {
    for (const run of this.#runs.values()) if (run.speculative) return true;
    return false;
  }

  /** Resolves at the next {@link notify} of the run; `cancel` stops listening. */
  nextChange(key: string): { promise: Promise<void>; cancel: () => void } {
    const run = this.#run(key);
    let listener = (): void => {};
    const promise = new Promise<void>((resolve) => {
      listener = resolve;
      run.listeners.add(listener);
    });
    return {
      promise,
      cancel: () => {
        run.listeners.delete(listener);
        this.#dropIfEmpty(key);
      },
    };
  }

  /** Wakes the run's waiters: an update was accepted, completed or rejected, or the run changed. */
  notify(key: string): void {
    const run = this.#runs.get(key);
    if (!run) return;
    const listeners = [...run.listeners];
    run.listeners.clear();
    for (const listener of listeners) listener();
    this.#dropIfEmpty(key);
  }

  /** The run closed: nothing of it is pending any more. Its waiters are woken to read why. */
  dropRun(key: string): void {
    const run = this.#runs.get(key);
    if (!run) return;
    if (run.speculative) this.dropSpeculativeTask(key, run.speculative.id);
    run.pending.clear();
    this.notify(key);
  }

  /** Engine shutdown: stops the timers of speculative tasks and wakes every waiter. */
  close(): void {
    for (const key of [...this.#runs.keys()]) this.dropRun(key);
  }

  #run(key: string): RunUpdates {
    let run = this.#runs.get(key);
    if (!run) {
      run = { pending: new Map(), speculative: undefined, listeners: new Set() };
      this.#runs.set(key, run);
    }
    return run;
  }

  #dropIfEmpty(key: string): void {
    const run = this.#runs.get(key);
    if (run && run.pending.size === 0 && !run.speculative && run.listeners.size === 0) this.#runs.delete(key);
  }
}
