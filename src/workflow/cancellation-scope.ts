/**
 * Cancellation scopes: the tree that decides which timers, conditions and activities a cancellation
 * reaches. A run's main function runs in the root scope, which the client's `handle.cancel()` cancels;
 * `CancellationScope.run(fn)` makes a child scope the current one for `fn` and for every callback and
 * `await` continuation that `fn` starts, however deep (the current scope follows async code through an
 * `AsyncLocalStorage` the worker gives the sandbox).
 *
 * The rules are Temporal's, with its "non-cancellable scopes are shielded" behaviour:
 * - an operation joins the current scope when it starts; it is cancelled with that scope only if the scope is
 *   cancellable (a non-cancellable scope shields what runs in it);
 * - a scope learns of its parent's cancellation when the parent is cancellable; the children of a
 *   non-cancellable scope are shielded too, but can be cancelled on their own (`scope.cancel()`);
 * - an operation started in a scope already considered cancelled rejects at once with its `CancelledFailure`.
 */
import { type Duration, msOptional } from '../common/duration.js';
import { CancelledFailure } from '../common/failure.js';
import { createAsyncStorage } from './async-storage.js';
import { getActivator } from './global-state.js';

export type CancelListener = (reason: CancelledFailure) => void;

/** Options of `new CancellationScope(...)`. */
export interface CancellationScopeOptions {
  /** Cancels the scope this long after `run` starts, with a durable timer. */
  timeout?: Duration;
  /**
   * Whether cancelling the parent (or this scope) cancels what runs in this scope.
   * @default true
   */
  cancellable?: boolean;
  /** @default CancellationScope.current() */
  parent?: CancellationScope;
}

/** One storage per sandbox: its values are scopes, each of one run, so runs never see each other's. */
const storage = createAsyncStorage<CancellationScope>();

/** Marks the root scope, which has no parent. Not exported: users create scopes under the current one. */
const NO_PARENT = Symbol('NO_PARENT');

// The runtime's access to a scope's private state, kept off the public class (set in its static block).
let subscribe: (scope: CancellationScope, listener: CancelListener) => () => void;
let requestCancel: (scope: CancellationScope, reason: CancelledFailure) => void;
let reasonOf: (scope: CancellationScope) => CancelledFailure | undefined;

/**
 * A node of the run's cancellation tree.
 *
 * @example
 * // Clean up even though the workflow was cancelled:
 * try {
 *   await processOrder(order);
 * } catch (err) {
 *   if (isCancellation(err)) await CancellationScope.nonCancellable(() => releaseStock(order));
 *   throw err;
 * }
 */
export class CancellationScope {
  /** The scope's timeout in milliseconds, if it has one. */
  readonly timeout: number | undefined;
  readonly cancellable: boolean;
  /** Undefined for the root scope only. */
  readonly parent: CancellationScope | undefined;
  /**
   * Rejects with the `CancelledFailure` once cancellation of this scope is requested (never resolves).
   * Race it against work that does not cancel by itself.
   */
  readonly cancelRequested: Promise<never>;
  #reason: CancelledFailure | undefined;
  #rejectRequested!: (reason: CancelledFailure) => void;
  readonly #listeners = new Set<CancelListener>();
  #unsubscribeFromParent: (() => void) | undefined;

  constructor(options: CancellationScopeOptions | typeof NO_PARENT = {}) {
    const opts = options === NO_PARENT ? {} : options;
    this.timeout = msOptional(opts.timeout);
    this.cancellable = opts.cancellable ?? true;
    this.cancelRequested = new Promise<never>((_, reject) => {
      this.#rejectRequested = reject;
    });
    // Nobody has to await it: its rejection is no unhandled rejection.
    this.cancelRequested.catch(() => undefined);
    if (options === NO_PARENT) return;
    const parent = opts.parent ?? CancellationScope.current();
    this.parent = parent;
    // A non-cancellable parent shields its children from the cancellations it receives.
    if (!parent.cancellable) return;
    if (parent.#reason !== undefined) this.#requestCancel(parent.#reason);
    else this.#unsubscribeFromParent = parent.#subscribe((reason) => this.#requestCancel(reason));
  }

  /** True once cancellation was requested and the scope is cancellable: new work in it rejects at once. */
  get consideredCancelled(): boolean {
    return this.#reason !== undefined && this.cancellable;
  }

  /**
   * Runs `fn` with this scope as the current one (for `fn` and all the async work it starts) and returns its
   * result. With a `timeout`, a timer started now cancels the scope when it fires; the timer is cancelled
   * (CancelTimer) once `fn` settles first.
   */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return storage.run(this, () => this.#runInScope(fn));
  }

  async #runInScope<T>(fn: () => Promise<T>): Promise<T> {
    const timerScope = this.timeout === undefined ? undefined : this.#armTimeout(this.timeout);
    try {
      return await fn();
    } finally {
      if (timerScope !== undefined && timerScope.#reason === undefined) timerScope.cancel();
    }
  }

  /** The timeout's timer runs in a child scope, so cancelling this scope or finishing `fn` cancels it too. */
  #armTimeout(timeoutMs: number): CancellationScope {
    const timerScope = new CancellationScope({ parent: this });
    const timer = storage.run(timerScope, () =>
      getActivator('CancellationScope timeout').startTimer(timeoutMs),
    );
    timer.promise.then(
      () => this.cancel(),
      () => undefined, // cancelled with its scope: nothing to do
    );
    return timerScope;
  }

  /** Requests cancellation of this scope and, if it is cancellable, of everything running in it. */
  cancel(): void {
    this.#requestCancel(new CancelledFailure('Cancellation scope cancelled'));
  }

  #requestCancel(reason: CancelledFailure): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#unsubscribeFromParent?.();
    this.#rejectRequested(reason);
    // Listeners unsubscribe themselves while we iterate: copy first.
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    if (!this.cancellable) return;
    for (const listener of listeners) listener(reason);
  }

  #subscribe(listener: CancelListener): () => void {
    // Nothing ever reaches the listeners of a non-cancellable scope: keep none.
    if (!this.cancellable || this.#reason !== undefined) return () => undefined;
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  static {
    subscribe = (scope, listener) => scope.#subscribe(listener);
    requestCancel = (scope, reason) => scope.#requestCancel(reason);
    reasonOf = (scope) => scope.#reason;
  }

  /** The scope of the code running now: the root scope outside any `run`. */
  static current(): CancellationScope {
    return storage.getStore() ?? getActivator('CancellationScope.current()').rootScope;
  }

  /** Runs `fn` in a new cancellable child of the current scope. */
  static cancellable<T>(fn: () => Promise<T>): Promise<T> {
    return new CancellationScope({ cancellable: true }).run(fn);
  }

  /** Runs `fn` shielded from cancellation: what it starts completes even if the workflow is cancelled. */
  static nonCancellable<T>(fn: () => Promise<T>): Promise<T> {
    return new CancellationScope({ cancellable: false }).run(fn);
  }

  /** Runs `fn` in a new cancellable scope that cancels itself after `timeout`. */
  static withTimeout<T>(timeout: Duration, fn: () => Promise<T>): Promise<T> {
    return new CancellationScope({ cancellable: true, timeout }).run(fn);
  }
}

/** A run's root scope, cancelled when the workflow is (`handle.cancel()`). */
export function createRootScope(): CancellationScope {
  return new CancellationScope(NO_PARENT);
}

/** Cancels a run's root scope with Temporal's message. */
export function cancelRootScope(root: CancellationScope): void {
  requestCancel(root, new CancelledFailure('Workflow cancelled'));
}

/**
 * How a pending operation (timer, condition, activity, child workflow, update) joins the current scope:
 * `rejectNow` is the failure to reject with at once when the scope is already considered cancelled;
 * otherwise `onCancel` runs if the scope is cancelled while the operation is pending, until `unsubscribe`
 * (call it when the operation settles).
 */
export type ScopeMembership =
  | { rejectNow: CancelledFailure; unsubscribe?: undefined }
  | { rejectNow?: undefined; unsubscribe: () => void };

/** Subscribes a pending operation to the current scope; see {@link ScopeMembership}. */
export function joinCurrentScope(onCancel: CancelListener): ScopeMembership {
  const scope = CancellationScope.current();
  const reason = reasonOf(scope);
  if (reason !== undefined && scope.cancellable) return { rejectNow: reason };
  return { unsubscribe: subscribe(scope, onCancel) };
}
