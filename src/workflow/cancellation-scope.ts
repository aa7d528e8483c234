/**
 * The cancellation structure of a run. Today a run has one scope, the root, cancelled when the client
 * cancels the workflow; timers, conditions and activities subscribe to the scope they were started in.
 * The public `CancellationScope` API (nested, non-cancellable scopes) will build on this class.
 */
import type { CancelledFailure } from '../common/failure.js';

export type CancelListener = (reason: CancelledFailure) => void;

export class ScopeCore {
  #reason: CancelledFailure | undefined;
  readonly #listeners = new Set<CancelListener>();

  get cancelRequested(): boolean {
    return this.#reason !== undefined;
  }

  /** The failure pending operations reject with once cancelled. */
  get reason(): CancelledFailure | undefined {
    return this.#reason;
  }

  /** Calls `listener` on cancellation; returns the function that unsubscribes it. */
  onCancel(listener: CancelListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  cancel(reason: CancelledFailure): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    // Listeners unsubscribe themselves while we iterate: copy first.
    for (const listener of [...this.#listeners]) listener(reason);
    this.#listeners.clear();
  }
}
