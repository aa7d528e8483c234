import type { Payloads } from '../gen/strata/v1/common_pb.js';

/**
 * Sends one heartbeat's details; resolves `false` when they did not reach the server and should be sent
 * again with the next heartbeat (e.g. the server is restarting).
 */
export type HeartbeatSend = (details: Payloads) => Promise<boolean>;

/**
 * Turns an activity's frequent `heartbeat()` calls into few RPCs: the first is sent at once, later ones at
 * most once per `intervalMs`, and the latest details always go out eventually (at the end of the interval).
 */
export class HeartbeatThrottle {
  private lastSentAtMs: number | undefined;
  private pending: Payloads | undefined;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The details of the last heartbeat recorded, sent or not: they travel with a failed attempt. */
  latest: Payloads | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly send: HeartbeatSend,
  ) {}

  record(details: Payloads): void {
    if (this.stopped) return;
    this.pending = details;
    this.latest = details;
    this.schedule();
  }

  /** Stops sending and waits for the RPC in flight, so the attempt's result is reported after it. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private schedule(): void {
    if (this.stopped || this.inFlight !== undefined || this.timer !== undefined) return;
    const sinceLastMs =
      this.lastSentAtMs === undefined ? Number.POSITIVE_INFINITY : Date.now() - this.lastSentAtMs;
    if (sinceLastMs >= this.intervalMs) {
      this.sendPending();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sendPending();
    }, this.intervalMs - sinceLastMs);
  }

  private sendPending(): void {
    const details = this.pending;
    if (details === undefined || this.stopped) return;
    this.pending = undefined;
    this.lastSentAtMs = Date.now();
    this.inFlight = this.send(details).then(
      (delivered) => {
        this.inFlight = undefined;
        if (!delivered && this.pending === undefined) this.pending = details;
        if (this.pending !== undefined) this.schedule();
      },
      () => {
        this.inFlight = undefined;
      },
    );
  }
}
