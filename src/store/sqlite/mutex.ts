/** A FIFO async mutex: better-sqlite3 has one connection, so transactions must not interleave. */
export class Mutex {
  private locked = false;
  private readonly waiters: Array<() => void> = [];

  async acquire(): Promise<() => void> {
    if (this.locked) await new Promise<void>((resolve) => this.waiters.push(resolve));
    else this.locked = true;
    return () => this.release();
  }

  private release(): void {
    const next = this.waiters.shift();
    // Ownership passes straight to the next waiter so nobody can barge in between.
    if (next) next();
    else this.locked = false;
  }
}
