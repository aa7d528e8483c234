/**
 * Activities from workflow code: `proxyActivities<typeof activities>(options)` returns an object whose
 * properties schedule the activity type of the same name and resolve with its result.
 */
import { type Duration, msOptional } from '../common/duration.js';
import type { RetryPolicy } from '../common/retry-policy.js';
import type { RetryPolicyData } from './activation.js';
import { ActivityCancellationType } from './activity-cancellation.js';
import { getActivator } from './global-state.js';

export type { RetryPolicy };

/** Options of {@link proxyActivities}. `startToCloseTimeout` or `scheduleToCloseTimeout` is required. */
export interface ActivityOptions {
  /** Longest time of one attempt, from the worker picking it up to its result. */
  startToCloseTimeout?: Duration;
  /** Longest time in all, retries included. */
  scheduleToCloseTimeout?: Duration;
  /** Longest time an attempt may wait in the task queue for a worker. */
  scheduleToStartTimeout?: Duration;
  /** Longest time between two heartbeats of a running attempt. */
  heartbeatTimeout?: Duration;
  /** Task queue of the activity. @default the workflow's task queue */
  taskQueue?: string;
  retry?: RetryPolicy;
  /**
   * Id of the activity, unique within the run. Only meaningful for a proxy used for a single call.
   * @default the sequence number of the activity in the run: '1', '2', ...
   */
  activityId?: string;
  /**
   * What cancelling the activity (its scope, or the workflow) does; see {@link ActivityCancellationType}.
   * @default ActivityCancellationType.TRY_CANCEL
   */
  cancellationType?: ActivityCancellationType;
}

type AnyFunction = (...args: never[]) => unknown;

/** The workflow-side view of an activity: same arguments, always async. */
export type ActivityInterfaceFor<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/**
 * Returns an object whose properties call the activities of `typeof activities` with `options`.
 * A failure rejects with an `ActivityFailure` whose `cause` says why (ApplicationFailure, TimeoutFailure,
 * CancelledFailure).
 *
 * @example
 * const { greet } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });
 * const text = await greet('world');
 */
export function proxyActivities<A = Record<string, AnyFunction>>(
  options: ActivityOptions,
): ActivityInterfaceFor<A> {
  if (options.startToCloseTimeout === undefined && options.scheduleToCloseTimeout === undefined) {
    throw new TypeError(
      '[INVALID_ACTIVITY_OPTIONS] proxyActivities needs startToCloseTimeout or scheduleToCloseTimeout',
    );
  }
  const commandOptions = {
    activityId: options.activityId,
    cancellationType: validCancellationType(options.cancellationType),
    taskQueue: options.taskQueue,
    scheduleToCloseTimeoutMs: msOptional(options.scheduleToCloseTimeout),
    scheduleToStartTimeoutMs: msOptional(options.scheduleToStartTimeout),
    startToCloseTimeoutMs: msOptional(options.startToCloseTimeout),
    heartbeatTimeoutMs: msOptional(options.heartbeatTimeout),
    retry: retryData(options.retry),
  };
  return activityProxy<A>((activityType, args) =>
    getActivator(`activity "${activityType}"`).scheduleActivity(activityType, args, commandOptions),
  );
}

/** An object whose every property is a function calling `call` with the property's name as activity type. */
export function activityProxy<A>(
  call: (activityType: string, args: unknown[]) => Promise<unknown>,
): ActivityInterfaceFor<A> {
  return new Proxy({} as ActivityInterfaceFor<A>, {
    get(_target, activityType) {
      if (typeof activityType !== 'string') return undefined;
      // `then` is probed by `await proxy`; answering it would make the proxy look like a promise.
      if (activityType === 'then') return undefined;
      return (...args: unknown[]) => call(activityType, args);
    },
  });
}

/** A retry policy in milliseconds, as commands carry it. */
export function retryData(retry: RetryPolicy | undefined): RetryPolicyData | undefined {
  if (retry === undefined) return undefined;
  return {
    initialIntervalMs: msOptional(retry.initialInterval),
    backoffCoefficient: retry.backoffCoefficient,
    maximumIntervalMs: msOptional(retry.maximumInterval),
    maximumAttempts: retry.maximumAttempts,
    nonRetryableErrorTypes: retry.nonRetryableErrorTypes,
  };
}

export function validCancellationType(
  type: ActivityCancellationType | undefined,
): ActivityCancellationType | undefined {
  if (type === undefined || Object.values(ActivityCancellationType).includes(type)) return type;
  throw new TypeError(
    `[INVALID_ACTIVITY_OPTIONS] cancellationType ${JSON.stringify(type)} is not one of ${Object.values(ActivityCancellationType).join(', ')}`,
  );
}
