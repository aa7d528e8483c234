/**
 * Routes the promise rejections that workflow code leaves unhandled to its sandbox instead of the host process.
 *
 * Node reports an unhandled rejection with `process.emit('unhandledRejection', reason, promise)` once the current
 * macrotask's microtasks have run; a rejection handled before then is never reported. A sandbox's promises are
 * recognised by their realm's `Promise.prototype`. We wrap `process.emit` rather than add a listener: a listener
 * cannot hide the event from the host's other listeners, and its mere presence stops Node from crashing on the
 * host's own unhandled rejections. Everything that is not a sandbox's passes through unchanged.
 *
 * `process` is one per process, so this module's state is too; sandboxes register only while they run work, and
 * the wrapper is removed once none is registered.
 */

type Sink = (reason: unknown) => void;

/** Registered sandboxes, by the `Promise.prototype` of their realm. */
const sinks = new Map<object, Sink>();
let hostEmit: typeof process.emit | undefined;

function sinkOf(promise: unknown): Sink | undefined {
  if (typeof promise !== 'object' || promise === null) return undefined;
  // Walk the chain: workflow code may subclass Promise.
  for (let proto = Object.getPrototypeOf(promise); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const sink = sinks.get(proto as object);
    if (sink !== undefined) return sink;
  }
  return undefined;
}

function routedEmit(this: NodeJS.Process, event: string | symbol, ...args: unknown[]): boolean {
  if (event === 'unhandledRejection') {
    const sink = sinkOf(args[1]);
    if (sink !== undefined) {
      sink(args[0]);
      return true;
    }
  } else if (event === 'rejectionHandled' && sinkOf(args[0]) !== undefined) {
    // Handled in a later workflow task, after it was reported: already charged to its task, nothing to warn.
    return true;
  }
  return (hostEmit as (this: NodeJS.Process, event: string | symbol, ...args: unknown[]) => boolean).call(
    this,
    event,
    ...args,
  );
}

/**
 * Sends the unhandled rejections of promises whose prototype chain holds `promisePrototype` to `sink` until the
 * returned function is called.
 */
export function routeUnhandledRejections(promisePrototype: object, sink: Sink): () => void {
  if (sinks.has(promisePrototype)) throw new Error('this sandbox already routes its unhandled rejections');
  sinks.set(promisePrototype, sink);
  if (hostEmit === undefined) {
    hostEmit = process.emit;
    process.emit = routedEmit as typeof process.emit;
  }
  return () => {
    if (sinks.get(promisePrototype) !== sink) return;
    sinks.delete(promisePrototype);
    // Restore only if nobody wrapped `emit` after us; otherwise stay as a pass-through.
    if (sinks.size === 0 && hostEmit !== undefined && process.emit === routedEmit) {
      process.emit = hostEmit;
      hostEmit = undefined;
    }
  };
}
