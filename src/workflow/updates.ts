/**
 * Updates: a request a client sends to a running workflow and waits on, which the workflow may reject in a
 * validator before anything is recorded, and whose handler's return value goes back to the caller. Define
 * one with `defineUpdate` (shared by the workflow and its clients), handle it with
 * `setHandler(def, handler, { validator })`.
 *
 * @example
 * export const addItem = defineUpdate<number, [item: string]>('addItem');
 *
 * export async function cart(): Promise<string[]> {
 *   const items: string[] = [];
 *   setHandler(addItem, (item) => { items.push(item); return items.length; }, {
 *     validator: (item) => { if (item === '') throw new Error('empty item'); },
 *   });
 *   await condition(() => items.length >= 3);
 *   await condition(allHandlersFinished);
 *   return items;
 * }
 */
import { decodeValues, encodeValue } from '../common/converter.js';
import { ApplicationFailure, errorToFailure, StrataFailure } from '../common/failure.js';
import type { DoUpdateJob } from './activation.js';
import type { Activator } from './activator.js';
import { createAsyncStorage } from './async-storage.js';
import { getActivator } from './global-state.js';
import { HandlerUnfinishedPolicy, isThenable } from './handler-executions.js';

export interface UpdateDefinition<Ret, Args extends unknown[] = [], Name extends string = string> {
  type: 'update';
  name: Name;
  /** Carries `Ret` and `Args` in the type only. */
  readonly __ret?: Ret;
  readonly __args?: Args;
}

/** @example const setDiscount = defineUpdate<number, [percent: number]>('setDiscount'); */
export function defineUpdate<Ret, Args extends unknown[] = [], Name extends string = string>(
  name: Name,
): UpdateDefinition<Ret, Args, Name> {
  return { type: 'update', name };
}

/** Runs before an update is accepted; throwing rejects it, and nothing about it is recorded. Synchronous. */
export type UpdateValidator<Args extends unknown[]> = (...args: Args) => void;

export interface UpdateHandlerOptions<Args extends unknown[]> {
  /**
   * Checks the arguments (and the workflow's state) before the update is accepted. Must be synchronous and
   * must not change state or start anything: on replay it is not run.
   */
  validator?: UpdateValidator<Args>;
  /** Shown to people; not used by the runtime. */
  description?: string;
  /** @default HandlerUnfinishedPolicy.WARN_AND_ABANDON */
  unfinishedPolicy?: HandlerUnfinishedPolicy;
}

/** The update a handler or validator runs for, as `currentUpdateInfo()` returns it. */
export interface UpdateInfo {
  /** The update id: the client's `updateId`, or the one it generated. */
  readonly id: string;
  readonly name: string;
}

/** One per sandbox: its values follow each handler's async code, so concurrent handlers see their own. */
const currentUpdate = createAsyncStorage<UpdateInfo>();

/**
 * The update whose validator or handler is running (across its awaits), or undefined outside one.
 *
 * @example
 * setHandler(addItem, async (item) => {
 *   log.info('adding', { updateId: currentUpdateInfo()?.id });
 * });
 */
export function currentUpdateInfo(): UpdateInfo | undefined {
  getActivator('currentUpdateInfo()');
  return currentUpdate.getStore();
}

type UpdateHandlerFn = (...args: unknown[]) => unknown;
type DefaultUpdateHandlerFn = (updateName: string, ...args: unknown[]) => unknown;

interface UpdateHandlerEntry {
  handler: UpdateHandlerFn;
  validator: ((...args: unknown[]) => unknown) | undefined;
  policy: HandlerUnfinishedPolicy;
}

/** The update handlers of one run, and the updates that arrived before their handler was set. */
export class RunUpdates {
  readonly #handlers = new Map<string, UpdateHandlerEntry>();
  #defaultHandler: DefaultUpdateHandlerFn | undefined;
  /** Handled as soon as a handler is set; rejected at the end of the activation if none is. */
  #buffered: DoUpdateJob[] = [];

  setHandler(
    activator: Activator,
    name: string,
    handler: UpdateHandlerFn | undefined,
    options: UpdateHandlerOptions<unknown[]> = {},
  ): void {
    if (handler === undefined) {
      this.#handlers.delete(name);
      return;
    }
    this.#handlers.set(name, {
      handler,
      validator: options.validator as UpdateHandlerEntry['validator'],
      policy: options.unfinishedPolicy ?? HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    });
    this.#flushBuffered(activator);
  }

  setDefaultHandler(activator: Activator, handler: DefaultUpdateHandlerFn | undefined): void {
    this.#defaultHandler = handler;
    if (handler !== undefined) this.#flushBuffered(activator);
  }

  /**
   * Validates (unless replaying an accepted update), accepts or rejects, and starts the handler: its synchronous
   * part runs now, right after the acceptance, so the commands it sends follow the Accepted event.
   */
  doUpdate(activator: Activator, job: DoUpdateJob): void {
    const entry = this.#entryOf(job.name);
    if (entry === undefined) {
      this.#buffered.push(job);
      return;
    }
    currentUpdate.run({ id: job.updateId, name: job.name }, () => this.#runUpdate(activator, job, entry));
  }

  #runUpdate(activator: Activator, job: DoUpdateJob, entry: UpdateHandlerEntry): void {
    const { updateId, name } = job;
    let args: unknown[];
    try {
      // The validator gets its own copy of the arguments: whatever it does to them, the handler never sees.
      if (job.runValidator && entry.validator) {
        const returned = entry.validator(...decodeValues(job.args));
        if (isThenable(returned)) {
          throw new TypeError(
            `[ASYNC_VALIDATOR] the validator of update "${name}" returned a promise: validators must be synchronous`,
          );
        }
      }
      args = decodeValues(job.args);
    } catch (err) {
      activator.pushCommand({ kind: 'rejectUpdate', updateId, failure: errorToFailure(err) });
      return;
    }
    activator.pushCommand({ kind: 'acceptUpdate', updateId });
    const finish = activator.handlerExecutions.startUpdate(name, updateId, entry.policy);
    new Promise((resolve) => resolve(entry.handler(...args))).then(
      (result) => {
        finish();
        let payload: ReturnType<typeof encodeValue>;
        try {
          payload = encodeValue(result, `the result of update "${name}"`);
        } catch (err) {
          activator.handleWorkflowError(err);
          return;
        }
        activator.pushCommand({
          kind: 'completeUpdate',
          updateId,
          outcome: { status: 'success', result: payload },
        });
      },
      (err: unknown) => {
        finish();
        // As in Temporal: a failure class fails the update, anything else (a bug) fails the workflow task.
        if (err instanceof StrataFailure) {
          const failure = errorToFailure(err);
          activator.pushCommand({
            kind: 'completeUpdate',
            updateId,
            outcome: { status: 'failure', failure },
          });
        } else {
          activator.handleWorkflowError(err);
        }
      },
    );
  }

  /** End of the activation: updates whose handler was never set are rejected. */
  rejectBuffered(activator: Activator): void {
    if (this.#buffered.length === 0) return;
    const buffered = this.#buffered;
    this.#buffered = [];
    const known = [...this.#handlers.keys()].map((n) => `"${n}"`).join(', ') || 'none';
    for (const job of buffered) {
      const failure = ApplicationFailure.nonRetryable(
        `[UNKNOWN_UPDATE] workflow "${activator.init.workflowType}" has no handler for update "${job.name}"; known updates: ${known}`,
        'UnknownUpdate',
      );
      activator.pushCommand({
        kind: 'rejectUpdate',
        updateId: job.updateId,
        failure: errorToFailure(failure),
      });
    }
  }

  #entryOf(name: string): UpdateHandlerEntry | undefined {
    const entry = this.#handlers.get(name);
    if (entry !== undefined) return entry;
    const fallback = this.#defaultHandler;
    if (fallback === undefined) return undefined;
    return {
      handler: (...args) => fallback(name, ...args),
      validator: undefined,
      policy: HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    };
  }

  #flushBuffered(activator: Activator): void {
    const buffered = this.#buffered;
    this.#buffered = [];
    for (const job of buffered) this.doUpdate(activator, job);
  }
}

/**
 * Handles every update that has no handler of its own, with its name as first argument. It has no
 * validator: such updates are always accepted.
 */
export function setDefaultUpdateHandler(
  handler: ((updateName: string, ...args: unknown[]) => unknown) | undefined,
): void {
  const activator = getActivator('setDefaultUpdateHandler()');
  activator.updates.setDefaultHandler(activator, handler);
}
