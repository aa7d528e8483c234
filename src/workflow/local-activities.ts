/**
 * Local activities: `proxyLocalActivities<typeof activities>(options)` runs activities in the worker that runs
 * the workflow, inside the workflow task, without a round trip through the server's task queue. The outcome is
 * recorded as a `core_local_activity` marker, so a replay resolves the call from history and never runs the
 * activity again. Retries happen in the worker while the wait before the next attempt is at most
 * `localRetryThreshold`; a longer wait becomes a durable timer in the workflow, then the next attempt.
 */
import { decodeValue, encodeValues, type RawPayload } from '../common/converter.js';
import { type Duration, msFromDuration, msOptional } from '../common/duration.js';
import { ActivityFailure, CancelledFailure, errorToFailure, failureToError } from '../common/failure.js';
import {
  durationJson,
  LOCAL_ACTIVITY_MARKER_NAME,
  localActivityMarkerDetails,
} from '../common/local-activity-marker.js';
import type {
  LocalActivityCommandOptions,
  LocalActivityRequest,
  LocalActivityResolution,
} from './activation.js';
import type { Activator } from './activator.js';
import type { ActivityInterfaceFor, RetryPolicy } from './activities.js';
import { activityProxy, retryData, validCancellationType } from './activities.js';
import type { ActivityCancellationType } from './activity-cancellation.js';
import { joinCurrentScope } from './cancellation-scope.js';
import { getActivator } from './global-state.js';
import { sleep } from './timers.js';

/** Options of {@link proxyLocalActivities}. `startToCloseTimeout` or `scheduleToCloseTimeout` is required. */
export interface LocalActivityOptions {
  /** Longest time of one attempt. */
  startToCloseTimeout?: Duration;
  /** Longest time in all, retries and backoffs included, from the first attempt's scheduling. */
  scheduleToCloseTimeout?: Duration;
  retry?: RetryPolicy;
  /**
   * Longest wait before the next attempt that the worker waits out itself, inside the workflow task; a longer
   * one is a durable timer (TimerStarted) in the workflow.
   * @default 1 minute
   */
  localRetryThreshold?: Duration;
  /**
   * What cancelling the local activity's scope does: `TRY_CANCEL` aborts the running attempt and rejects at
   * once; `WAIT_CANCELLATION_COMPLETED` aborts it and waits for what it reports; `ABANDON` rejects at once and
   * lets it run on, its outcome ignored.
   * @default ActivityCancellationType.TRY_CANCEL
   */
  cancellationType?: ActivityCancellationType;
  /**
   * Id of the activity, unique within the run. Only meaningful for a proxy used for a single call.
   * @default the sequence number of the activity in the run (shared with `proxyActivities`)
   */
  activityId?: string;
}

const DEFAULT_LOCAL_RETRY_THRESHOLD_MS = 60_000;

type AnyFunction = (...args: never[]) => unknown;

/**
 * Returns an object whose properties run the activities of `typeof activities` as local activities, on the
 * worker running the workflow (the activities must be registered on it). A failure rejects with an
 * `ActivityFailure` whose `cause` says why, as for `proxyActivities`.
 *
 * @example
 * const { lookupPrice } = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '5 seconds' });
 * const price = await lookupPrice(sku);
 */
export function proxyLocalActivities<A = Record<string, AnyFunction>>(
  options: LocalActivityOptions,
): ActivityInterfaceFor<A> {
  if (options.startToCloseTimeout === undefined && options.scheduleToCloseTimeout === undefined) {
    throw new TypeError(
      '[INVALID_ACTIVITY_OPTIONS] proxyLocalActivities needs startToCloseTimeout or scheduleToCloseTimeout',
    );
  }
  const commandOptions: LocalActivityCommandOptions = {
    startToCloseTimeoutMs: msOptional(options.startToCloseTimeout),
    scheduleToCloseTimeoutMs: msOptional(options.scheduleToCloseTimeout),
    retry: retryData(options.retry),
    cancellationType: validCancellationType(options.cancellationType) ?? 'TRY_CANCEL',
    localRetryThresholdMs:
      options.localRetryThreshold === undefined
        ? DEFAULT_LOCAL_RETRY_THRESHOLD_MS
        : msFromDuration(options.localRetryThreshold),
  };
  return activityProxy<A>((activityType, args) => {
    const activator = getActivator(`local activity "${activityType}"`);
    activator.assertMayCommand('scheduleLocalActivity');
    return executeLocalActivity(activator, activityType, args, commandOptions, options.activityId);
  });
}

/** Attempts until an outcome, sleeping durably between attempts that the worker handed back for a long backoff. */
async function executeLocalActivity(
  activator: Activator,
  activityType: string,
  args: unknown[],
  options: LocalActivityCommandOptions,
  activityId: string | undefined,
): Promise<unknown> {
  const input = encodeValues(args, `argument of local activity "${activityType}":`);
  const originalScheduleTimeMs = activator.now;
  let attempt = 1;
  for (;;) {
    const outcome = await activator.localActivities.schedule({
      activityType,
      activityId,
      args: input,
      attempt,
      originalScheduleTimeMs,
      options,
    });
    if (outcome.kind === 'result') return outcome.value;
    await sleep(outcome.backoffMs);
    attempt = outcome.nextAttempt;
  }
}

type LocalOutcome =
  | { kind: 'result'; value: unknown }
  | { kind: 'backoff'; backoffMs: number; nextAttempt: number };

interface PendingLocalActivity {
  request: LocalActivityRequest;
  resolve(outcome: LocalOutcome): void;
  reject(error: unknown): void;
}

/** The local activities of one run: pending calls, their resolution, and the markers that record them. */
export class RunLocalActivities {
  readonly #activator: Activator;
  readonly #pending = new Map<number, PendingLocalActivity>();

  constructor(activator: Activator) {
    this.#activator = activator;
  }

  schedule(
    call: Omit<LocalActivityRequest, 'seq' | 'activityId' | 'scheduledTimeMs'> & {
      activityId: string | undefined;
    },
  ): Promise<LocalOutcome> {
    const activator = this.#activator;
    const seq = activator.allocateActivitySeq();
    const request: LocalActivityRequest = {
      ...call,
      seq,
      activityId: call.activityId ?? String(seq),
      scheduledTimeMs: activator.now,
    };
    return new Promise((resolve, reject) => {
      const membership = joinCurrentScope(() => {
        if (!this.#pending.has(seq)) return;
        const { cancellationType } = request.options;
        const waitForOutcome = cancellationType === 'WAIT_CANCELLATION_COMPLETED';
        activator.pushCommand({
          kind: 'cancelLocalActivity',
          seq,
          abort: cancellationType !== 'ABANDON',
          waitForOutcome,
        });
        // The attempt's outcome (its cancellation, or a result) settles the call when it comes.
        if (waitForOutcome) return;
        // The marker records the cancellation and the call rejects now.
        this.#pending.delete(seq);
        const failure = errorToFailure(
          new ActivityFailure(
            'Activity cancelled',
            request.activityType,
            request.activityId,
            'CANCEL_REQUESTED',
            '',
            new CancelledFailure('Activity cancelled'),
          ),
        );
        this.#recordMarker(request, {
          status: 'failed',
          failure,
          attempt: request.attempt,
          completeTimeMs: activator.now,
        });
        reject(failureToError(failure));
      });
      if (membership.rejectNow) {
        reject(membership.rejectNow);
        return;
      }
      const settle =
        <T>(fn: (value: T) => void) =>
        (value: T) => {
          membership.unsubscribe();
          fn(value);
        };
      this.#pending.set(seq, { request, resolve: settle(resolve), reject: settle(reject) });
      activator.pushCommand({ kind: 'scheduleLocalActivity', ...request });
    });
  }

  /** A `resolveLocalActivity` job: the worker's outcome, live, or the marker's, in replay. */
  resolve(seq: number, resolution: LocalActivityResolution): void {
    const pending = this.#pending.get(seq);
    // Cancelled by the workflow already: its late outcome is dropped.
    if (pending === undefined) return;
    this.#pending.delete(seq);
    this.#recordMarker(pending.request, resolution);
    switch (resolution.status) {
      case 'completed':
        pending.resolve({ kind: 'result', value: decodeValue(resolution.result) });
        break;
      case 'failed':
        pending.reject(failureToError(resolution.failure));
        break;
      case 'backoff':
        pending.resolve({
          kind: 'backoff',
          backoffMs: resolution.backoffMs,
          nextAttempt: resolution.nextAttempt,
        });
        break;
      default: {
        const unknown: never = resolution;
        throw new TypeError(`unknown local activity resolution ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** What the run waits for, for the `__stack_trace` query. */
  describePending(): string[] {
    return [...this.#pending.values()].map(
      ({ request }) => `awaiting local activity ${request.activityId} (${request.activityType})`,
    );
  }

  #recordMarker(request: LocalActivityRequest, resolution: LocalActivityResolution): void {
    const result: RawPayload | undefined = resolution.status === 'completed' ? resolution.result : undefined;
    const failure = resolution.status === 'completed' ? undefined : resolution.failure;
    const details = localActivityMarkerDetails({
      data: {
        seq: request.seq,
        attempt: resolution.attempt,
        activityId: request.activityId,
        activityType: request.activityType,
        completeTime: new Date(resolution.completeTimeMs).toISOString(),
        backoff: resolution.status === 'backoff' ? durationJson(resolution.backoffMs) : null,
        originalScheduleTime: new Date(request.originalScheduleTimeMs).toISOString(),
      },
      result,
      failure,
    });
    this.#activator.pushCommand({
      kind: 'recordMarker',
      markerName: LOCAL_ACTIVITY_MARKER_NAME,
      details,
      ...(failure === undefined ? {} : { failure }),
    });
  }
}
