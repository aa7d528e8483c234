import type { Store, TimerRecord } from '../store/store.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

// Timers set by other server processes sharing the database are found by this periodic look.
const maxSleepMs = 10_000;
const batchSize = 256;

/**
 * One queue for every durable deadline. It sleeps through the clock until the earliest due time,
 * then fires due timers (each claimed atomically in the store, so a timer fires once even with
 * several servers) and sleeps again.
 */
export class TimerQueue {
  private cancelWake: (() => void) | undefined;
  private wakeAtMs = Number.POSITIVE_INFINITY;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly fire: (timer: TimerRecord) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    void this.processDue();
  }

  /** A timer was set: wake earlier if it is due before the current wake-up. */
  notify(dueMs: number): void {
    if (dueMs < this.wakeAtMs) this.arm(dueMs);
  }

  private arm(atMs: number): void {
    if (this.stopped) return;
    this.cancelWake?.();
    const capped = Math.min(atMs, this.clock.nowMs() + maxSleepMs);
    this.wakeAtMs = capped;
    this.cancelWake = this.clock.schedule(capped, () => {
      this.wakeAtMs = Number.POSITIVE_INFINITY;
      this.cancelWake = undefined;
      void this.processDue();
    });
  }

  /** Fires everything due now; concurrent calls coalesce into one more pass. */
  async processDue(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
    if (this.again && !this.stopped) {
      this.again = false;
      await this.processDue();
    }
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        if (this.stopped) return;
        const due = await this.store.dueTimers(this.clock.nowMs(), batchSize);
        if (due.length === 0) break;
        await Promise.all(due.map((timer) => this.fireSafely(timer)));
      }
      if (this.stopped) return;
      const next = await this.store.nextTimerDueMs();
      this.arm(next ?? Number.POSITIVE_INFINITY);
    } catch (error) {
      if (this.stopped) return;
      this.logger.error('timer queue pass failed; retrying in 1 s', { error: String(error) });
      this.arm(this.clock.nowMs() + 1000);
    }
  }

  private async fireSafely(timer: TimerRecord): Promise<void> {
    try {
      await this.fire(timer);
    } catch (error) {
      if (this.stopped) return;
      this.logger.error('firing a timer failed', {
        key: timer.key,
        runId: timer.runId,
        error: String(error),
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelWake?.();
    this.cancelWake = undefined;
    await this.running;
  }
}
