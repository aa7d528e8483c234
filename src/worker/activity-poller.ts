import type { PollActivityTaskQueueResponse } from '../gen/strata/v1/service_pb.js';
import { type RunningActivity, startActivity } from './activity-executor.js';
import { runPollLoop } from './poll-loop.js';
import { abortableDelay, PollBackoff } from './rpc-retry.js';
import { Slots } from './slots.js';
import type { CompiledWorkerOptions } from './worker-options.js';

/**
 * Execution slots reserved for activity tasks the server may start eagerly in its answer to a workflow
 * task completion. Settle it exactly once with what the server returned: the returned tasks run in the
 * reserved slots, the other slots are released.
 */
export interface EagerActivityReservation {
  /** Slots reserved; ask for at most this many eager activities. */
  readonly count: number;
  settle(tasks: readonly PollActivityTaskQueueResponse[]): void;
}

/** Long-polls the task queue for activity tasks and runs them, within `maxConcurrentActivityTaskExecutions`. */
export class ActivityPoller {
  private readonly running = new Set<RunningActivity>();
  private readonly stopPolling = new AbortController();
  private readonly slots: Slots;
  /** Reservations not settled yet: shutdown waits for them, as their tasks may still arrive. */
  private readonly openReservations = new Set<Promise<void>>();
  private loops: Promise<void> | undefined;

  constructor(private readonly options: CompiledWorkerOptions) {
    this.slots = new Slots(options.maxConcurrentActivityTaskExecutions);
  }

  /** Number of attempts running now. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Starts the polls; resolves when they stop, rejects on a fatal poll error. */
  start(): Promise<void> {
    const { options, slots } = this;
    const backoff = new PollBackoff(`activity task queue "${options.taskQueue}"`, options.logger);
    const loops = Array.from({ length: options.maxConcurrentActivityTaskPolls }, () =>
      runPollLoop({
        slots,
        backoff,
        stopSignal: this.stopPolling.signal,
        poll: async (signal) => {
          const task = await options.connection.workflowService.pollActivityTaskQueue(
            {
              namespace: options.namespace,
              taskQueue: options.taskQueue,
              identity: options.identity,
              deploymentOptions: options.deployment?.proto,
            },
            { signal },
          );
          return task.taskToken.length > 0 ? task : undefined;
        },
        handle: (task) => this.run(task),
      }),
    );
    this.loops = Promise.all(loops).then(() => undefined);
    return this.loops;
  }

  /**
   * Reserves up to `max` free execution slots for eager activity tasks, without waiting; none once the
   * worker is stopping. Slots held by open polls are not free, so polling goes on unaffected.
   */
  reserveEager(max: number): EagerActivityReservation {
    let count = 0;
    if (this.loops !== undefined && !this.stopPolling.signal.aborted) {
      while (count < max && this.slots.tryAcquire()) count++;
    }
    let settled = false;
    let markSettled: () => void = () => undefined;
    if (count > 0) {
      const open = new Promise<void>((resolve) => {
        markSettled = resolve;
      });
      this.openReservations.add(open);
      void open.then(() => this.openReservations.delete(open));
    }
    return {
      count,
      settle: (tasks) => {
        if (settled) return;
        settled = true;
        markSettled();
        for (const [index, task] of tasks.entries()) {
          // The server never starts more than were asked for; should it, run them anyway: they are started
          // on the server, and dropping them would only make them wait for their start-to-close timeout.
          const holdsSlot = index < count;
          void this.run(task).finally(() => {
            if (holdsSlot) this.slots.release();
          });
        }
        for (let i = tasks.length; i < count; i++) this.slots.release();
      },
    };
  }

  /**
   * Stops polling, lets running attempts finish for up to `graceMs`, then aborts their cancellation signals
   * (reason `WORKER_SHUTDOWN`) and waits for them to report.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.stopPolling.abort();
    await this.loops?.catch(() => undefined);
    // Eager tasks of workflow task completions still in flight join the running attempts.
    await Promise.all(this.openReservations);
    if (this.running.size === 0) return;
    const allDone = Promise.all([...this.running].map((activity) => activity.done));
    const graceOver = new AbortController();
    const finishedInTime = await Promise.race([
      allDone.then(() => true),
      abortableDelay(graceMs, graceOver.signal).then(() => false),
    ]);
    graceOver.abort();
    if (finishedInTime) return;
    this.options.logger.warn('Shutdown grace time is over; cancelling running activities', {
      running: this.running.size,
    });
    for (const activity of this.running) activity.cancel('WORKER_SHUTDOWN');
    await Promise.all([...this.running].map((activity) => activity.done));
  }

  private run(task: PollActivityTaskQueueResponse): Promise<void> {
    const activity = startActivity(task, this.options);
    this.running.add(activity);
    return activity.done.finally(() => this.running.delete(activity));
  }
}
