/**
 * `strata/activity`: what activity code uses at run time. An activity is a plain async function
 * registered with a Worker; inside it, {@link Context.current} (or the helpers below) gives the
 * attempt's {@link Info}, heartbeats and cancellation.
 *
 * ```ts
 * import { activityInfo, heartbeat, sleep, CancelledFailure } from 'strata/activity';
 *
 * export async function processFile(path: string): Promise<number> {
 *   let line = (activityInfo().heartbeatDetails as number | undefined) ?? 0; // resume after a retry
 *   for (; line < 1000; line++) {
 *     await sleep(10); // rejects with CancelledFailure once the workflow cancels the activity
 *     heartbeat(line);
 *   }
 *   return line;
 * }
 * ```
 *
 * Porting from Temporal: replace `@temporalio/activity` with `strata/activity`.
 * @module
 */
import type { Duration } from '../common/duration.js';
import type { Logger } from '../common/logger.js';
import { Context } from './context.js';
import type { Info } from './info.js';

export type { Duration } from '../common/duration.js';
export {
  ApplicationFailure,
  type ApplicationFailureOptions,
  CancelledFailure,
  ensureError,
  isCancellation,
} from '../common/failure.js';
export type { Logger, LogLevel, LogMetadata } from '../common/logger.js';
export { CompleteAsyncError } from './complete-async-error.js';
export { type ActivityCancellationReason, Context, type ContextOptions } from './context.js';
export type { Info } from './info.js';

/** The current attempt's {@link Info}. Shorthand for `Context.current().info`. */
export function activityInfo(): Info {
  return Context.current().info;
}

/** Records a heartbeat with optional details. Shorthand for `Context.current().heartbeat(details)`. */
export function heartbeat(details?: unknown): void {
  Context.current().heartbeat(details);
}

/** Cancellation-aware sleep. Shorthand for `Context.current().sleep(ms)`. */
export function sleep(ms: Duration): Promise<void> {
  return Context.current().sleep(ms);
}

/** The attempt's cancellation signal, to pass to `fetch` and friends. Shorthand for `Context.current().cancellationSignal`. */
export function cancellationSignal(): AbortSignal {
  return Context.current().cancellationSignal;
}

/** A promise that rejects with a CancelledFailure on cancellation. Shorthand for `Context.current().cancelled`. */
export function cancelled(): Promise<never> {
  return Context.current().cancelled;
}

/** The activity's logger. Shorthand for `Context.current().log`. */
export const log: Logger = {
  log: (level, message, meta) => Context.current().log.log(level, message, meta),
  trace: (message, meta) => Context.current().log.trace(message, meta),
  debug: (message, meta) => Context.current().log.debug(message, meta),
  info: (message, meta) => Context.current().log.info(message, meta),
  warn: (message, meta) => Context.current().log.warn(message, meta),
  error: (message, meta) => Context.current().log.error(message, meta),
};
