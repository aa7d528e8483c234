import { type RunningActivity, startActivity } from './activity-executor.js';
import { runPollLoop } from './poll-loop.js';
import { abortableDelay, PollBackoff } from './rpc-retry.js';
import { Slots } from './slots.js';
import type { CompiledWorkerOptions } from './worker-options.js';

/** Long-polls the task queue for activity tasks and runs them, within `maxConcurrentActivityTaskExecutions`. */
export class ActivityPoller {
  private readonly running = new Set<RunningActivity>();
  private readonly stopPolling = new AbortController();
  private loops: Promise<void> | undefined;

  constructor(private readonly options: CompiledWorkerOptions) {}

  /** Number of attempts running now. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Starts the polls; resolves when they stop, rejects on a fatal poll error. */
  start(): Promise<void> {
    const { options } = this;
    const slots = new Slots(options.maxConcurrentActivityTaskExecutions);
    const backoff = new PollBackoff(`activity task queue "${options.taskQueue}"`, options.logger);
    const loops = Array.from({ length: options.maxConcurrentActivityTaskPolls }, () =>
      runPollLoop({
        slots,
        backoff,
        stopSignal: this.stopPolling.signal,
        poll: async (signal) => {
          const task = await options.connection.workflowService.pollActivityTaskQueue(
            { namespace: options.namespace, taskQueue: options.taskQueue, identity: options.identity },
            { signal },
          );
          return task.taskToken.length > 0 ? task : undefined;
        },
        handle: (task) => {
          const activity = startActivity(task, options);
          this.running.add(activity);
          return activity.done.finally(() => this.running.delete(activity));
        },
      }),
    );
    this.loops = Promise.all(loops).then(() => undefined);
    return this.loops;
  }

  /**
   * Stops polling, lets running attempts finish for up to `graceMs`, then aborts their cancellation signals
   * (reason `WORKER_SHUTDOWN`) and waits for them to report.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.stopPolling.abort();
    await this.loops?.catch(() => undefined);
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
}
