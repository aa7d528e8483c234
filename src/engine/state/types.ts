import type { SearchAttributeTypeName } from '../../common/search-attributes.js';
import type { VersioningBehavior, VersioningOverride } from '../../common/versioning.js';
import type { ChildState, ParentState } from './child-workflows.js';

/**
 * The mutable state of one execution, stored as one JSON column. Protobuf values (payloads, failures,
 * retry policies) are kept as base64 of their binary encoding so they round-trip exactly.
 */
export interface WorkflowTaskState {
  scheduledEventId: number;
  attempt: number;
  /** The queue the task was put on: the normal queue or the run's sticky queue. */
  taskQueue: string;
  sticky: boolean;
  scheduledTimeMs: number;
  /** 0 until a worker picks the task up. */
  startedEventId: number;
  startedTimeMs: number;
  /** True while a retry waits for its backoff timer before being queued. */
  backoff: boolean;
}

export type ActivityPhase = 'scheduled' | 'started' | 'backoff';

export interface ActivityState {
  scheduledEventId: number;
  activityId: string;
  activityType: string;
  taskQueue: string;
  input: string;
  scheduleToCloseTimeoutMs: number;
  scheduleToStartTimeoutMs: number;
  startToCloseTimeoutMs: number;
  heartbeatTimeoutMs: number;
  retryPolicy: string;
  attempt: number;
  phase: ActivityPhase;
  firstScheduledTimeMs: number;
  attemptScheduledTimeMs: number;
  startedTimeMs: number;
  startedIdentity: string;
  heartbeatDetails: string;
  lastHeartbeatTimeMs: number;
  lastFailure: string;
  cancelRequested: boolean;
  cancelRequestedEventId: number;
}

export interface UserTimerState {
  startedEventId: number;
  dueMs: number;
}

/** A custom search attribute's stored value: Datetime as an ISO 8601 text, KeywordList as a list of texts. */
export interface StoredSearchAttribute {
  /** A `SearchAttributeTypeName` ("Keyword", "Int", ...). */
  type: SearchAttributeTypeName;
  value: string | number | boolean | string[];
}

/**
 * What a run knows of its chain of runs under one workflow id (continue-as-new, retries, cron): enough
 * to start the next run. See `next-run.ts`.
 */
export interface ChainState {
  firstExecutionRunId: string;
  /** 1 for the first attempt; grows with each retry, back to 1 for continue-as-new and cron runs. */
  attempt: number;
  /** When the whole chain times out (workflow execution timeout), epoch ms; 0 for never. */
  executionExpirationMs: number;
  executionTimeoutMs: number;
  runTimeoutMs: number;
  /** Encoded RetryPolicy; '' when the workflow is not retried. */
  retryPolicy: string;
  cronSchedule: string;
  /** When this run's first workflow task was due (start + backoff): the next cron time follows it. */
  scheduledTimeMs: number;
  /** True until the first workflow task is scheduled after its backoff: nothing schedules it earlier. */
  backoffPending: boolean;
}

export interface ExecutionState {
  namespace: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  /** WorkflowExecutionStatus number. */
  status: number;
  startTimeMs: number;
  closeTimeMs: number;
  nextEventId: number;
  workflowTaskTimeoutMs: number;
  /** Started event id of the last completed workflow task (what a sticky worker has seen). */
  previousStartedEventId: number;
  workflowTask: WorkflowTaskState | undefined;
  /** Events arrived while a workflow task was running: schedule another one when it completes. */
  workflowTaskNeeded: boolean;
  /** Attempt of the next workflow task; grows while tasks fail or time out. */
  workflowTaskAttempt: number;
  workflowTaskLastFailure: string;
  stickyTaskQueue: string;
  stickyScheduleToStartTimeoutMs: number;
  activities: Record<string, ActivityState>;
  timers: Record<string, UserTimerState>;
  cancelRequested: boolean;
  lastBinaryChecksum: string;
  /** Request ids of the signals recorded, so a retried SignalWorkflowExecution is recorded once. */
  signalRequestIds?: string[];
  /** Custom search attributes by name, checked against the namespace's registry. */
  searchAttributes?: Record<string, StoredSearchAttribute>;
  /** Memo fields: base64 of each binary Payload. */
  memo?: Record<string, string>;
  /** Ids of the patches recorded in the run, sorted: the `Patches` search attribute (P8). */
  patches?: string[];
  /** Accepted updates by update id (rejected ones leave no trace), so a resent update id finds its outcome. */
  updates?: Record<string, AcceptedUpdateState>;
  /** Absent in rows written before chains existed: a chain of one run, attempt 1, no timeouts. */
  chain?: ChainState;
  /** Bytes of the encoded events written so far (Temporal's history size). */
  historySizeBytes?: number;
  /** Set for a child workflow: where to report its close. */
  parent?: ParentState;
  /** Children initiated and not closed yet, by the initiated event id. */
  children?: Record<string, ChildState>;
  /** Worker deployment versioning (V1-V8); absent for runs that never met a versioned worker or an override. */
  versioning?: VersioningState;
}

/** See `versioning.ts` for the rules that read it. */
export interface VersioningState {
  /** What the workflow declared at its last completed workflow task (unset: an unversioned worker). */
  behavior?: VersioningBehavior;
  /** The version (`deployment:buildId`) of the worker that completed its last workflow task. */
  version?: string;
  override?: VersioningOverride;
  /**
   * The version whose open pinned count includes this run ('' or absent: none). Kept equal to the
   * effective pinned version while the run is open, zeroed when it closes, each change in the same
   * transaction as the count (V8).
   */
  countedPinnedVersion?: string;
  /** The version of the worker owning `stickyTaskQueue`. */
  stickyVersion?: string;
}

/** Where an accepted update's events are; 0 while its handler has not finished. */
export interface AcceptedUpdateState {
  acceptedEventId: number;
  completedEventId: number;
}

/** Data stored with each durable timer, telling the engine what the deadline was for. */
export type TimerPayload =
  | { type: 'workflow-task-start-to-close'; scheduledEventId: number; attempt: number }
  | { type: 'workflow-task-schedule-to-start'; scheduledEventId: number }
  | { type: 'workflow-task-backoff'; scheduledEventId: number }
  | { type: 'run-timeout' }
  | { type: 'first-workflow-task-backoff' }
  | { type: 'user-timer'; timerId: string; startedEventId: number }
  | { type: 'activity-schedule-to-start'; scheduledEventId: number; attempt: number }
  | { type: 'activity-start-to-close'; scheduledEventId: number; attempt: number }
  | { type: 'activity-heartbeat'; scheduledEventId: number; attempt: number }
  | { type: 'activity-schedule-to-close'; scheduledEventId: number }
  | { type: 'activity-retry'; scheduledEventId: number; attempt: number };
