/**
 * Signals, queries and updates: define them once (shared by the workflow and its clients), then register
 * handlers in the workflow with `setHandler`. Updates are defined in `updates.ts`.
 */
import type { DefaultSignalHandlerFn, QueryHandlerFn, SignalHandlerFn } from './activator.js';
import { getActivator } from './global-state.js';
import type { HandlerUnfinishedPolicy } from './handler-executions.js';
import type { UpdateDefinition, UpdateHandlerOptions } from './updates.js';

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

export interface SignalHandlerOptions {
  /** Shown to people; not used by the runtime. */
  description?: string;
  /** @default HandlerUnfinishedPolicy.WARN_AND_ABANDON */
  unfinishedPolicy?: HandlerUnfinishedPolicy;
}

export interface QueryHandlerOptions {
  /** Shown to people; not used by the runtime. */
  description?: string;
}

/**
 * Registers (or, with `undefined`, removes) the handler of a signal, a query or an update. Signals received
 * before their handler was set are delivered, in order, as soon as it is set; so are updates received in the
 * same workflow task (later ones are rejected). Query handlers must be synchronous and must not change state
 * or start anything. An update's `validator` runs before the update is accepted: throwing rejects it.
 */
export function setHandler<Args extends unknown[]>(
  def: SignalDefinition<Args>,
  // What a signal handler returns is ignored (a promise is awaited for its errors), so any return type is fine:
  // the patching guide's `(newValue) => (value = newValue)` compiles as written.
  handler: Handler<unknown, NoInfer<Args>> | undefined,
  options?: SignalHandlerOptions,
): void;
export function setHandler<Ret, Args extends unknown[]>(
  def: QueryDefinition<Ret, Args>,
  handler: Handler<NoInfer<Ret>, NoInfer<Args>> | undefined,
  options?: QueryHandlerOptions,
): void;
export function setHandler<Ret, Args extends unknown[]>(
  def: UpdateDefinition<Ret, Args>,
  handler: Handler<NoInfer<Ret> | Promise<NoInfer<Ret>>, NoInfer<Args>> | undefined,
  options?: UpdateHandlerOptions<NoInfer<Args>>,
): void;
export function setHandler(
  def:
    | SignalDefinition<unknown[]>
    | QueryDefinition<unknown, unknown[]>
    | UpdateDefinition<unknown, unknown[]>,
  handler: ((...args: never[]) => unknown) | undefined,
  options?: SignalHandlerOptions | UpdateHandlerOptions<unknown[]>,
): void {
  const activator = getActivator('setHandler()');
  switch (def.type) {
    case 'signal':
      activator.handlerExecutions.setSignalPolicy(def.name, options?.unfinishedPolicy);
      activator.setSignalHandler(def.name, handler as SignalHandlerFn | undefined);
      break;
    case 'query':
      if (handler === undefined) activator.queryHandlers.delete(def.name);
      else activator.queryHandlers.set(def.name, handler as QueryHandlerFn);
      break;
    case 'update':
      activator.updates.setHandler(
        activator,
        def.name,
        handler as ((...args: unknown[]) => unknown) | undefined,
        options,
      );
      break;
    default: {
      const unknownDef: never = def;
      throw new TypeError(
        `[INVALID_ARGUMENT] setHandler() needs a signal, query or update definition, got ${JSON.stringify(unknownDef)}`,
      );
    }
  }
}

/** Handles every signal that has no handler of its own, with its name as first argument. */
export function setDefaultSignalHandler(
  handler: ((signalName: string, ...args: unknown[]) => void | Promise<void>) | undefined,
): void {
  getActivator('setDefaultSignalHandler()').setDefaultSignalHandler(
    handler as DefaultSignalHandlerFn | undefined,
  );
}
