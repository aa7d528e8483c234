/**
 * Deterministic globals, installed once per sandbox context and delegating to the run executing now:
 * `Date` answers the time of the current workflow task, `Math.random` the run's seeded generator,
 * `setTimeout` starts durable timers, `console` writes through `log`. `WeakRef` and `FinalizationRegistry`
 * depend on garbage collection, which no replay can reproduce, so they throw.
 */
import { DeterminismViolationError } from './errors.js';
import { getActivator } from './global-state.js';
import { log } from './logger.js';

const OriginalDate = globalThis.Date;

/** The machine's clock, captured before `Date` is replaced. */
export function realNow(): number {
  return OriginalDate.now();
}

/** A `Date` made with the real constructor (an instance of the replaced `Date` too: same prototype). */
export function realDate(ms: number): Date {
  return new OriginalDate(ms);
}

function workflowNow(): number {
  return getActivator('Date').now;
}

export function installDeterministicGlobals(): void {
  const DateWithArgs = OriginalDate as unknown as new (...args: unknown[]) => Date;
  const StrataDate = function (this: unknown, ...args: unknown[]): Date | string {
    if (new.target === undefined) return new OriginalDate(workflowNow()).toString();
    if (args.length === 0) return new OriginalDate(workflowNow());
    return new DateWithArgs(...args);
  } as unknown as DateConstructor & { prototype: Date };
  StrataDate.prototype = OriginalDate.prototype;
  Object.assign(StrataDate, {
    now: workflowNow,
    parse: OriginalDate.parse,
    UTC: OriginalDate.UTC,
  });
  globalThis.Date = StrataDate;

  Math.random = () => getActivator('Math.random()').random();

  const timers = {
    setTimeout(callback: (...args: unknown[]) => void, ms = 0, ...args: unknown[]): number {
      const activator = getActivator('setTimeout()');
      const timer = activator.startTimer(ms);
      timer.promise.then(
        () => {
          try {
            callback(...args);
          } catch (err) {
            activator.handleWorkflowError(err);
          }
        },
        // Cancelled with the workflow: the callback simply never runs.
        () => undefined,
      );
      return timer.seq;
    },
    clearTimeout(seq: number | undefined): void {
      if (typeof seq === 'number') getActivator('clearTimeout()').cancelTimer(seq);
    },
  };
  Object.assign(globalThis, timers);

  const refuse = (name: string) =>
    function refused(): never {
      throw new DeterminismViolationError(
        `[NON_DETERMINISTIC_API] ${name} cannot be used in workflow code: garbage collection differs between ` +
          'a run and its replay. Keep strong references, or move this code into an activity.',
      );
    };
  Object.assign(globalThis, {
    WeakRef: refuse('WeakRef'),
    FinalizationRegistry: refuse('FinalizationRegistry'),
  });

  const toLog =
    (write: (message: string) => void) =>
    (...parts: unknown[]) =>
      write(parts.map((p) => (typeof p === 'string' ? p : safeJson(p))).join(' '));
  globalThis.console = {
    ...globalThis.console,
    log: toLog((m) => log.info(m)),
    info: toLog((m) => log.info(m)),
    debug: toLog((m) => log.debug(m)),
    warn: toLog((m) => log.warn(m)),
    error: toLog((m) => log.error(m)),
  };
}

function safeJson(value: unknown): string {
  if (value instanceof Error) return value.stack ?? String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
