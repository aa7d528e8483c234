/**
 * Execution slots: a poller takes one before it polls, so the worker never accepts a task it has no
 * room to run (tasks a worker holds but does not run would just time out on the server).
 */
export class Slots {
  private used = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly capacity: number) {}

  /** Number of slots taken now. */
  get inUse(): number {
    return this.used;
  }

  /** Takes a slot, waiting for one to free up; resolves `false` (taking nothing) when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.used < this.capacity) {
      this.used++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        this.used++;
        resolve(true);
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(grant);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve(false);
      };
      this.waiters.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Takes a slot only if one is free now (no waiting); how eager activity tasks are reserved. */
  tryAcquire(): boolean {
    if (this.used >= this.capacity) return false;
    this.used++;
    return true;
  }

  release(): void {
    this.used--;
    this.waiters.shift()?.();
  }
}
