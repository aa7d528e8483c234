/**
 * Signals and queries: define them once (shared by the workflow and its clients), then register handlers
 * in the workflow with `setHandler`.
 */
import type { DefaultSignalHandlerFn, QueryHandlerFn, SignalHandlerFn } from './activator.js';
import { getActivator } from './global-state.js';

export interface SignalDefinition<Args extends unknown[] = [], Name extends string = string> {
  type: 'signal';
  name: Name;
  /** Carries `Args` in the type only. */
  readonly __args?: Args;
}

export interface QueryDefinition<Ret, Args extends unknown[] = [], Name extends string = string> {
  type: 'query';
  name: Name;
  /** Carries `Ret` and `Args` in the type only. */
  readonly __ret?: Ret;
  readonly __args?: Args;
}

/** @example const approve = defineSignal<[approver: string]>('approve'); */
export function defineSignal<Args extends unknown[] = [], Name extends string = string>(
  name: Name,
): SignalDefinition<Args, Name> {
  return { type: 'signal', name };
}

/** @example const status = defineQuery<string>('status'); */
export function defineQuery<Ret, Args extends unknown[] = [], Name extends string = string>(
  name: Name,
): QueryDefinition<Ret, Args, Name> {
  return { type: 'query', name };
}

export type Handler<Ret, Args extends unknown[]> = (...args: Args) => Ret;

/**
 * Registers (or, with `undefined`, removes) the handler of a signal or a query. Signals received before
 * their handler was set are delivered, in order, as soon as it is set. Query handlers must be synchronous
 * and must not change state or start anything.
 */
export function setHandler<Args extends unknown[]>(
  def: SignalDefinition<Args>,
  // What a signal handler returns is ignored (a promise is awaited for its errors), so any return type is fine:
  // the patching guide's `(newValue) => (value = newValue)` compiles as written.
  handler: Handler<unknown, NoInfer<Args>> | undefined,
): void;
export function setHandler<Ret, Args extends unknown[]>(
  def: QueryDefinition<Ret, Args>,
  handler: Handler<NoInfer<Ret>, NoInfer<Args>> | undefined,
): void;
export function setHandler(
  def: SignalDefinition<unknown[]> | QueryDefinition<unknown, unknown[]>,
  handler: ((...args: never[]) => unknown) | undefined,
): void {
  const activator = getActivator('setHandler()');
  if (def.type === 'signal') activator.setSignalHandler(def.name, handler as SignalHandlerFn | undefined);
  else if (handler === undefined) activator.queryHandlers.delete(def.name);
  else activator.queryHandlers.set(def.name, handler as QueryHandlerFn);
}

/** Handles every signal that has no handler of its own, with its name as first argument. */
export function setDefaultSignalHandler(
  handler: ((signalName: string, ...args: unknown[]) => void | Promise<void>) | undefined,
): void {
  getActivator('setDefaultSignalHandler()').setDefaultSignalHandler(
    handler as DefaultSignalHandlerFn | undefined,
  );
}
