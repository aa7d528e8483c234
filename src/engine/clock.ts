/**
 * Time as the engine sees it. Deadlines are scheduled through the clock, so a virtual clock can move
 * time forward for tests (time skipping) while the rest of the engine stays unchanged.
 */
export interface Clock {
  nowMs(): number;
  /** Calls `fn` once the clock reaches `atMs`; returns a function that cancels the call. */
  schedule(atMs: number, fn: () => void): () => void;
}

// setTimeout overflows above 2^31-1 ms; longer waits re-arm.
const maxTimeoutMs = 2_147_483_647;

export class RealClock implements Clock {
  nowMs(): number {
    return Date.now();
  }

  schedule(atMs: number, fn: () => void): () => void {
    let handle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      const delay = atMs - Date.now();
      if (delay > maxTimeoutMs) handle = setTimeout(arm, maxTimeoutMs);
      else handle = setTimeout(fn, Math.max(0, delay));
    };
    arm();
    return () => clearTimeout(handle);
  }
}

interface VirtualEntry {
  atMs: number;
  fn: () => void;
  cancelReal: () => void;
}

/**
 * Real time plus an offset that only grows. Time flows normally, and `advance` jumps forward,
 * running every scheduled call that became due, in due order.
 */
export class VirtualClock implements Clock {
  private offsetMs = 0;
  private readonly entries = new Set<VirtualEntry>();
  private readonly real = new RealClock();

  constructor(startMs?: number) {
    if (startMs !== undefined) this.offsetMs = startMs - Date.now();
  }

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  schedule(atMs: number, fn: () => void): () => void {
    const entry: VirtualEntry = {
      atMs,
      fn,
      cancelReal: () => {},
    };
    const fire = (): void => {
      if (!this.entries.delete(entry)) return;
      entry.cancelReal();
      fn();
    };
    entry.fn = fire;
    entry.cancelReal = this.real.schedule(Date.now() + (atMs - this.nowMs()), fire);
    this.entries.add(entry);
    return () => {
      this.entries.delete(entry);
      entry.cancelReal();
    };
  }

  /** Moves time forward by `ms` and runs the calls that became due. */
  advance(ms: number): void {
    if (ms <= 0) return;
    this.offsetMs += ms;
    const now = this.nowMs();
    const due = [...this.entries].filter((entry) => entry.atMs <= now).sort((a, b) => a.atMs - b.atMs);
    for (const entry of due) entry.fn();
  }

  /** Moves time forward to `atMs` (never backwards). */
  advanceTo(atMs: number): void {
    this.advance(atMs - this.nowMs());
  }
}
