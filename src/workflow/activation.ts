/**
 * The plain data that crosses the sandbox boundary: activations (jobs) go in, commands come out. Everything
 * here is JSON-friendly on purpose: objects made in one realm break `instanceof` in the other, so the host
 * and the sandbox exchange these shapes as JSON text.
 */
import type { RawPayload } from '../common/converter.js';
import type { FailureShape } from '../common/failure.js';
import type { EncodedSearchAttributes } from '../common/search-attributes.js';

/** What a run needs to know when it is created, taken from its WorkflowExecutionStarted event. */
export interface RunInit {
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  namespace: string;
  attempt: number;
  startTimeMs: number;
  runStartTimeMs: number;
  firstExecutionRunId: string;
  randomnessSeed: number;
  /** The search attributes the run started with, typed by the server. */
  searchAttributes?: EncodedSearchAttributes;
  memo?: Record<string, RawPayload>;
  /** The run this one follows (continue-as-new, retry, cron). */
  continuedFromExecutionRunId?: string | undefined;
  cronSchedule?: string | undefined;
  /** 0 for unset. */
  executionTimeoutMs?: number;
  runTimeoutMs?: number;
  taskTimeoutMs?: number;
  /** When the whole chain times out, epoch ms; 0 for never. */
  executionExpirationTimeMs?: number;
  retryPolicy?: RetryPolicyData | undefined;
  /** The previous cron run's result. */
  lastResult?: RawPayload | undefined;
  /** Why the previous run failed (this run is its retry, or a cron run after it). */
  lastFailure?: FailureShape | undefined;
  /** Set when the run is a child workflow. */
  parent?: { workflowId: string; runId: string; namespace: string };
}

/** One workflow task's worth of work for a run. */
export interface Activation {
  /** Time of the workflow task (its WorkflowTaskStarted event): what `Date.now()` returns. */
  timestampMs: number;
  isReplaying: boolean;
  historyLength: number;
  /** History size in bytes before the task's WorkflowTaskStarted event. */
  historySizeBytes: number;
  /** The server's hint that the history grew long: time to continue as new. */
  continueAsNewSuggested: boolean;
  jobs: ActivationJob[];
}

export type ActivityResolution =
  | { status: 'completed'; result: RawPayload | undefined }
  /** `failure` is the ActivityFailure, its cause the reason (application, timeout or cancellation). */
  | { status: 'failed'; failure: FailureShape };

export type ChildWorkflowStartResolution =
  | { status: 'started'; runId: string }
  /** The workflow id was already running (StartChildWorkflowExecutionFailed). */
  | { status: 'alreadyStarted'; workflowId: string; workflowType: string }
  /** The server could not start it for another reason. */
  | { status: 'failed'; failure: FailureShape };

export type ChildWorkflowResolution =
  | { status: 'completed'; result: RawPayload | undefined }
  /** `failure` is the ChildWorkflowFailure, its cause the reason (application, cancellation, ...). */
  | { status: 'failed'; failure: FailureShape };

export type ActivationJob =
  /** Replay only, first in the activation: the history holds a marker for this patch in this task or earlier. */
  | { kind: 'notifyHasPatch'; patchId: string }
  | { kind: 'startWorkflow'; args: RawPayload[] }
  | { kind: 'resolveChildWorkflowStart'; seq: number; resolution: ChildWorkflowStartResolution }
  | { kind: 'resolveChildWorkflow'; seq: number; resolution: ChildWorkflowResolution }
  /** A signal or cancellation of another workflow was delivered (no failure) or not. */
  | { kind: 'resolveSignalExternal'; seq: number; failure: FailureShape | undefined }
  | { kind: 'resolveRequestCancelExternal'; seq: number; failure: FailureShape | undefined }
  | { kind: 'resolveActivity'; seq: number; resolution: ActivityResolution }
  | { kind: 'fireTimer'; seq: number }
  | { kind: 'signalWorkflow'; signalName: string; args: RawPayload[] }
  | { kind: 'cancelWorkflow' }
  | { kind: 'resolveLocalActivity'; seq: number; resolution: LocalActivityResolution }
  | DoUpdateJob;

/** How a local activity's execution ended, as the worker reports it and as its marker records it. */
export type LocalActivityResolution = (
  | { status: 'completed'; result: RawPayload | undefined }
  /** `failure` is the ActivityFailure, its cause the reason (application, timeout or cancellation). */
  | { status: 'failed'; failure: FailureShape }
  /** The next attempt waits longer than `localRetryThreshold`: the workflow sleeps durably, then schedules it. */
  | { status: 'backoff'; failure: FailureShape; backoffMs: number; nextAttempt: number }
) & {
  /** Attempt that ended (the last one, for `backoff`). */
  attempt: number;
  completeTimeMs: number;
};

export interface LocalActivityCommandOptions {
  cancellationType: 'TRY_CANCEL' | 'WAIT_CANCELLATION_COMPLETED' | 'ABANDON';
  startToCloseTimeoutMs: number | undefined;
  scheduleToCloseTimeoutMs: number | undefined;
  retry: RetryPolicyData | undefined;
  localRetryThresholdMs: number;
}

/** What the worker needs to run one local activity (attempts `attempt` and on). */
export interface LocalActivityRequest {
  seq: number;
  activityId: string;
  activityType: string;
  args: RawPayload[];
  attempt: number;
  /** When the first attempt was scheduled: the schedule-to-close timeout counts from here. */
  originalScheduleTimeMs: number;
  /** Workflow time of this scheduling (later than the original one after a durable backoff). */
  scheduledTimeMs: number;
  options: LocalActivityCommandOptions;
}

/**
 * An update for the workflow: validate (when `runValidator`), accept or reject, then run its handler. Replay
 * passes the updates the history accepted, with `runValidator` false: an accepted update is accepted again.
 */
export interface DoUpdateJob {
  kind: 'doUpdate';
  updateId: string;
  name: string;
  args: RawPayload[];
  runValidator: boolean;
}

/** How an accepted update ended: its handler's result, or the failure it threw. */
export type UpdateOutcomeData =
  | { status: 'success'; result: RawPayload }
  | { status: 'failure'; failure: FailureShape };

export interface ActivityCommandOptions {
  taskQueue: string | undefined;
  scheduleToCloseTimeoutMs: number | undefined;
  scheduleToStartTimeoutMs: number | undefined;
  startToCloseTimeoutMs: number | undefined;
  heartbeatTimeoutMs: number | undefined;
  retry: RetryPolicyData | undefined;
}

/** Parent close policy names, as `ParentClosePolicy` in `strata/workflow` spells them. */
export type ParentClosePolicyName = 'TERMINATE' | 'ABANDON' | 'REQUEST_CANCEL';

export interface ChildWorkflowCommandOptions {
  taskQueue: string | undefined;
  workflowExecutionTimeoutMs: number | undefined;
  workflowRunTimeoutMs: number | undefined;
  workflowTaskTimeoutMs: number | undefined;
  parentClosePolicy: ParentClosePolicyName;
  /** A policy name as `WorkflowIdReusePolicy` spells it; undefined for the server's default. */
  workflowIdReusePolicy: string | undefined;
  retry: RetryPolicyData | undefined;
  /** Empty for none. */
  cronSchedule: string;
  memo: Record<string, RawPayload> | undefined;
  searchAttributes: EncodedSearchAttributes | undefined;
}

export interface RetryPolicyData {
  initialIntervalMs: number | undefined;
  backoffCoefficient: number | undefined;
  maximumIntervalMs: number | undefined;
  maximumAttempts: number | undefined;
  nonRetryableErrorTypes: string[] | undefined;
}

/** Commands the worker handles itself; they never reach the server or the history. */
export const WORKER_COMMANDS = new Set<WorkflowCommand['kind']>([
  'scheduleLocalActivity',
  'cancelLocalActivity',
]);

/**
 * A command produced by workflow code. `seq` numbers activities, timers, child workflows and external
 * signals and cancellations per run (one sequence each) in command order; the host uses it to route the
 * matching history events back as jobs.
 */
export type WorkflowCommand =
  | {
      kind: 'scheduleActivity';
      seq: number;
      activityId: string;
      activityType: string;
      args: RawPayload[];
      options: ActivityCommandOptions;
    }
  | { kind: 'requestCancelActivity'; seq: number }
  | { kind: 'startTimer'; seq: number; timerId: string; durationMs: number }
  | { kind: 'cancelTimer'; seq: number; timerId: string }
  | {
      kind: 'recordMarker';
      markerName: string;
      details: Record<string, RawPayload[]>;
      failure?: FailureShape;
    }
  /** For the worker, not the server: run this local activity and report with a `resolveLocalActivity` job. */
  | ({ kind: 'scheduleLocalActivity' } & LocalActivityRequest)
  /**
   * For the worker, not the server: the local activity's scope was cancelled. `abort` aborts the running attempt
   * (and stops retries); `waitForOutcome` keeps the run waiting for what the attempt then reports.
   */
  | { kind: 'cancelLocalActivity'; seq: number; abort: boolean; waitForOutcome: boolean }
  /** Attributes whose value is JSON null or [] are removed. */
  | { kind: 'upsertSearchAttributes'; searchAttributes: EncodedSearchAttributes }
  /** Fields are merged into the memo; a `binary/null` or JSON null field is removed. */
  | { kind: 'upsertMemo'; memo: Record<string, RawPayload> }
  | {
      kind: 'startChildWorkflow';
      seq: number;
      workflowId: string;
      workflowType: string;
      args: RawPayload[];
      options: ChildWorkflowCommandOptions;
    }
  | {
      kind: 'signalExternalWorkflow';
      seq: number;
      workflowId: string;
      /** Empty for the workflow id's latest run. */
      runId: string;
      signalName: string;
      args: RawPayload[];
      childWorkflowOnly: boolean;
    }
  | {
      kind: 'requestCancelExternalWorkflow';
      seq: number;
      workflowId: string;
      runId: string;
      childWorkflowOnly: boolean;
    }
  | { kind: 'completeWorkflow'; result: RawPayload }
  | { kind: 'failWorkflow'; failure: FailureShape }
  | { kind: 'cancelWorkflow' }
  | ({ kind: 'continueAsNew' } & ContinueAsNewCommand)
  /** The host sends the accepted request along (it knows it from the task); replay matches the Accepted event. */
  | { kind: 'acceptUpdate'; updateId: string }
  | { kind: 'completeUpdate'; updateId: string; outcome: UpdateOutcomeData }
  /** Writes no event: the validator threw, or the workflow has no handler for the update. */
  | { kind: 'rejectUpdate'; updateId: string; failure: FailureShape };

/** What `continueAsNew` asks for; unset timeouts keep the current run's. */
export interface ContinueAsNewCommand {
  workflowType: string;
  taskQueue: string;
  args: RawPayload[];
  workflowRunTimeoutMs: number | undefined;
  workflowTaskTimeoutMs: number | undefined;
  /** Unset: the new run keeps this run's memo. */
  memo: Record<string, RawPayload> | undefined;
  /** Unset: the new run keeps this run's search attributes. */
  searchAttributes: EncodedSearchAttributes | undefined;
}

export type WorkflowLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface WorkflowLogEntry {
  level: WorkflowLogLevel;
  message: string;
  attributes: Record<string, unknown>;
  timestampMs: number;
}

/**
 * The outcome of one activation. `failed` fails the workflow task (not the workflow): the code threw an
 * error that is not a failure class, or a value could not be serialized.
 */
export type ActivationCompletion =
  | {
      kind: 'commands';
      commands: WorkflowCommand[];
      logs: WorkflowLogEntry[];
      /** Ids given to `deprecatePatch` in this replayed activation although the history has no marker for them. */
      unmarkedDeprecatedPatches?: string[];
    }
  | { kind: 'failed'; failure: FailureShape; logs: WorkflowLogEntry[] };

export type QueryOutcome =
  | { kind: 'answered'; result: RawPayload }
  | { kind: 'failed'; failure: FailureShape };

/** The name of the built-in query that lists what a run is waiting for. */
export const STACK_TRACE_QUERY = '__stack_trace';

/**
 * The global under which the worker hands Node's `AsyncLocalStorage` class to a new sandbox context; the runtime
 * takes it when it loads (the current cancellation scope follows async code through it) and removes the global.
 */
export const ASYNC_LOCAL_STORAGE_GLOBAL = '__strataAsyncLocalStorage';
