/** What an activity knows about the attempt it runs in; read it with `Context.current().info`. */
export interface Info {
  /** Opaque token the worker uses to report this attempt; also accepted by async completion. */
  readonly taskToken: Uint8Array;
  /** The id the workflow gave this activity (unique within the run). */
  readonly activityId: string;
  /** The activity's name: the key it was registered under in the worker's `activities`. */
  readonly activityType: string;
  /** Namespace of the workflow that scheduled the activity. */
  readonly activityNamespace: string;
  /** 1 for the first attempt, incremented on each retry. */
  readonly attempt: number;
  /** True for a local activity (`proxyLocalActivities`), run by the worker that runs its workflow. */
  readonly isLocal: boolean;
  readonly workflowExecution: { readonly workflowId: string; readonly runId: string };
  readonly workflowNamespace: string;
  readonly workflowType: string;
  /** The task queue the attempt was polled from. */
  readonly taskQueue: string;
  /**
   * Details of the last heartbeat recorded by an earlier attempt (its first value), `undefined` when none:
   * use them to resume work where the previous attempt stopped.
   */
  readonly heartbeatDetails: unknown;
  /** The heartbeat timeout, `undefined` when the activity has none. */
  readonly heartbeatTimeoutMs: number | undefined;
  /** The schedule-to-close timeout, `undefined` when the activity has none. */
  readonly scheduleToCloseTimeoutMs: number | undefined;
  /** The start-to-close timeout of one attempt; the worker aborts the attempt locally when it passes. */
  readonly startToCloseTimeoutMs: number | undefined;
  /** When the activity was scheduled, as reported by the server (epoch ms). */
  readonly scheduledTimestampMs: number;
  /** When the current attempt was scheduled (epoch ms). */
  readonly currentAttemptScheduledTimestampMs: number;
  /** When the current attempt started, i.e. was handed to this worker (epoch ms). */
  readonly startedTimestampMs: number;
}
