/**
 * Signal and update handlers that are still running (an async handler awaiting an activity, a timer, a
 * condition): `allHandlersFinished()` reads them, and the run warns when the workflow finishes without them,
 * as Temporal does, unless their handler was set with `unfinishedPolicy: HandlerUnfinishedPolicy.ABANDON`.
 */
import type { Activator } from './activator.js';
import { getActivator } from './global-state.js';

/**
 * What happens to a handler still running when the workflow finishes (returns, is cancelled, or continues as
 * new; not when it fails). Either way the handler is abandoned: an update's caller gets an error, not a result.
 */
export const HandlerUnfinishedPolicy = {
  /** Abandon the handler and log a warning naming it. */
  WARN_AND_ABANDON: 1,
  /** Abandon the handler silently. */
  ABANDON: 2,
} as const;
export type HandlerUnfinishedPolicy = (typeof HandlerUnfinishedPolicy)[keyof typeof HandlerUnfinishedPolicy];

interface Execution {
  kind: 'signal' | 'update';
  name: string;
  /** The update id; undefined for a signal. */
  id: string | undefined;
  policy: HandlerUnfinishedPolicy;
}

/** The running handler executions of one run. */
export class HandlerExecutions {
  readonly #running = new Set<Execution>();
  readonly #signalPolicies = new Map<string, HandlerUnfinishedPolicy>();

  setSignalPolicy(name: string, policy: HandlerUnfinishedPolicy | undefined): void {
    if (policy === undefined) this.#signalPolicies.delete(name);
    else this.#signalPolicies.set(name, policy);
  }

  /** Records a running update handler; returns the function that marks it finished. */
  startUpdate(name: string, updateId: string, policy: HandlerUnfinishedPolicy): () => void {
    return this.#start({ kind: 'update', name, id: updateId, policy });
  }

  /** Runs a signal handler, recording it while the promise it returns is pending. */
  runSignal(name: string, call: () => unknown): unknown {
    const policy = this.#signalPolicies.get(name) ?? HandlerUnfinishedPolicy.WARN_AND_ABANDON;
    const result = call();
    if (!isThenable(result)) return result;
    const finish = this.#start({ kind: 'signal', name, id: undefined, policy });
    return Promise.resolve(result).finally(finish);
  }

  get allFinished(): boolean {
    return this.#running.size === 0;
  }

  /** The workflow is finishing: warn about the handlers still running whose policy asks for it. */
  warnUnfinished(activator: Activator): void {
    for (const kind of ['update', 'signal'] as const) {
      const unfinished = [...this.#running]
        .filter((e) => e.kind === kind && e.policy === HandlerUnfinishedPolicy.WARN_AND_ABANDON)
        .map((e) => (e.id === undefined ? { name: e.name } : { name: e.name, id: e.id }));
      if (unfinished.length === 0) continue;
      const consequence =
        kind === 'update'
          ? ' Their callers get an error instead of the update result (AcceptedUpdateCompletedWorkflow).'
          : '';
      activator.log(
        'WARN',
        `[UNFINISHED_HANDLERS] workflow "${activator.init.workflowType}" finished while ${unfinished.length} ${kind} ` +
          `handler(s) were still running (Temporal's TMPRL1102): ${JSON.stringify(unfinished)}.${consequence} ` +
          'Wait for them before returning with `await condition(allHandlersFinished)`, or set the handler with ' +
          '`{ unfinishedPolicy: HandlerUnfinishedPolicy.ABANDON }` if abandoning them is intended.',
        { unfinishedHandlers: unfinished },
      );
    }
  }

  #start(execution: Execution): () => void {
    this.#running.add(execution);
    return () => {
      this.#running.delete(execution);
    };
  }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * True when no signal or update handler of the workflow is still running. Wait on it before the workflow
 * returns, so that updates in flight get their result rather than an error.
 *
 * @example
 * await condition(allHandlersFinished);
 * return total;
 */
export function allHandlersFinished(): boolean {
  return getActivator('allHandlersFinished()').handlerExecutions.allFinished;
}
