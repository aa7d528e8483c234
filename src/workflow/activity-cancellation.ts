/**
 * What cancelling an activity does, by its `cancellationType` (Temporal's three): whether the workflow sends
 * RequestCancelActivityTask, and whether the activity's promise rejects at once or waits for the outcome.
 */

/**
 * How an activity reacts when its cancellation scope is cancelled.
 * - `TRY_CANCEL` (default): request cancellation (ActivityTaskCancelRequested) and reject at once.
 * - `WAIT_CANCELLATION_COMPLETED`: request cancellation and wait for the activity's outcome: it rejects once the
 *   activity reports its cancellation (ActivityTaskCanceled), or settles with the result or failure it reports.
 * - `ABANDON`: reject at once and send nothing: the activity runs on, its outcome ignored.
 */
export const ActivityCancellationType = {
  TRY_CANCEL: 'TRY_CANCEL',
  WAIT_CANCELLATION_COMPLETED: 'WAIT_CANCELLATION_COMPLETED',
  ABANDON: 'ABANDON',
} as const;

export type ActivityCancellationType =
  (typeof ActivityCancellationType)[keyof typeof ActivityCancellationType];

export interface ActivityCancelEffect {
  /** Send RequestCancelActivityTask. */
  sendRequest: boolean;
  /** Reject the activity's promise now rather than wait for the history to say how it ended. */
  rejectNow: boolean;
}

/** `forget`: the activity's command was never sent (cancelled in the task that scheduled it): drop it and reject. */
export function activityCancelEffect(type: ActivityCancellationType | 'forget'): ActivityCancelEffect {
  switch (type) {
    case 'forget':
      return { sendRequest: false, rejectNow: true };
    case 'TRY_CANCEL':
      return { sendRequest: true, rejectNow: true };
    case 'WAIT_CANCELLATION_COMPLETED':
      return { sendRequest: true, rejectNow: false };
    case 'ABANDON':
      return { sendRequest: false, rejectNow: true };
    default: {
      const unknown: never = type;
      throw new TypeError(
        `[INVALID_ACTIVITY_OPTIONS] unknown cancellationType ${JSON.stringify(unknown)}: use TRY_CANCEL, WAIT_CANCELLATION_COMPLETED or ABANDON`,
      );
    }
  }
}
