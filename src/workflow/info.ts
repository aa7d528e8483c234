/** Facts about the running workflow, and deterministic helpers that use the run's seeded generator. */
import { decodeValue } from '../common/converter.js';
import { failureToError } from '../common/failure.js';
import type { RetryPolicy } from '../common/retry-policy.js';
import type { SearchAttributes, TypedSearchAttributes } from '../common/search-attributes.js';
import type { RetryPolicyData } from './activation.js';
import { realDate, realNow } from './global-overrides.js';
import { getActivator } from './global-state.js';
import { uuid4From } from './random.js';
import { visibilityInfo } from './search-attributes.js';

/** The workflow that started this one as its child. */
export interface ParentWorkflowInfo {
  readonly workflowId: string;
  readonly runId: string;
  readonly namespace: string;
}

export interface WorkflowInfo {
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowType: string;
  readonly taskQueue: string;
  readonly namespace: string;
  /** 1 for the first attempt; grows with each retry of the workflow (its `retry` policy). */
  readonly attempt: number;
  /** When this run's WorkflowExecutionStarted was written (for the first run, when the workflow started). */
  readonly startTime: Date;
  /** When this run started. */
  readonly runStartTime: Date;
  /** Events in history up to the current workflow task. */
  readonly historyLength: number;
  /** Size of the history in bytes up to the current workflow task. */
  readonly historySize: number;
  /**
   * True once the history passed the server's suggested length or size (4,096 events or 4 MiB by
   * default): time to {@link continueAsNew}. Safe to branch on: it is recorded in history.
   */
  readonly continueAsNewSuggested: boolean;
  /** The first run of this chain of runs (continue-as-new, retries, cron). */
  readonly firstExecutionRunId: string;
  /** The run's search attributes, kept current by `upsertSearchAttributes`. */
  readonly typedSearchAttributes: TypedSearchAttributes;
  /** @deprecated Temporal's untyped form (every value an array): use `typedSearchAttributes`. */
  readonly searchAttributes: SearchAttributes;
  /** The run's memo, kept current by `upsertMemo`. */
  readonly memo: Record<string, unknown>;
  /** The run this one follows (continue-as-new, retry, cron); undefined for the first run. */
  readonly continuedFromExecutionRunId?: string;
  /** The cron schedule the workflow was started with. */
  readonly cronSchedule?: string;
  /** The workflow execution timeout (across the chain of runs), in ms. */
  readonly executionTimeoutMs?: number;
  /** When the whole chain of runs times out. */
  readonly executionExpirationTime?: Date;
  /** The run timeout, in ms. */
  readonly runTimeoutMs?: number;
  /** The workflow task timeout, in ms. */
  readonly taskTimeoutMs: number;
  /** The retry policy the workflow was started with. */
  readonly retryPolicy?: RetryPolicy;
  /** The result of the previous run of a cron schedule. */
  readonly lastResult?: unknown;
  /** Why the previous run failed: this run is its retry, or the next cron run after it. */
  readonly lastFailure?: Error;
  /** Set when this workflow is a child: its parent. */
  readonly parent: ParentWorkflowInfo | undefined;
  /** Facts that differ between a live run and its replay: do not let them change commands. */
  readonly unsafe: {
    readonly isReplaying: boolean;
    /** The machine's clock, for measuring only. */
    now(): number;
  };
}

function retryPolicyOf(data: RetryPolicyData | undefined): RetryPolicy | undefined {
  if (data === undefined) return undefined;
  return {
    initialInterval: data.initialIntervalMs,
    backoffCoefficient: data.backoffCoefficient,
    maximumInterval: data.maximumIntervalMs,
    maximumAttempts: data.maximumAttempts,
    nonRetryableErrorTypes: data.nonRetryableErrorTypes,
  };
}

/** Zero stands for "unset" in the history; the info leaves such fields out. */
function positive(ms: number | undefined): number | undefined {
  return ms !== undefined && ms > 0 ? ms : undefined;
}

export function workflowInfo(): WorkflowInfo {
  const activator = getActivator('workflowInfo()');
  const init = activator.init;
  const expirationMs = positive(init.executionExpirationTimeMs);
  return Object.freeze({
    workflowId: init.workflowId,
    runId: init.runId,
    workflowType: init.workflowType,
    taskQueue: init.taskQueue,
    namespace: init.namespace,
    attempt: init.attempt,
    startTime: realDate(init.startTimeMs),
    runStartTime: realDate(init.runStartTimeMs),
    historyLength: activator.historyLength,
    historySize: activator.historySizeBytes,
    continueAsNewSuggested: activator.continueAsNewSuggested,
    firstExecutionRunId: init.firstExecutionRunId,
    ...visibilityInfo(activator),
    continuedFromExecutionRunId: init.continuedFromExecutionRunId || undefined,
    cronSchedule: init.cronSchedule || undefined,
    executionTimeoutMs: positive(init.executionTimeoutMs),
    executionExpirationTime: expirationMs === undefined ? undefined : realDate(expirationMs),
    runTimeoutMs: positive(init.runTimeoutMs),
    taskTimeoutMs: init.taskTimeoutMs ?? 0,
    retryPolicy: retryPolicyOf(init.retryPolicy),
    lastResult: init.lastResult === undefined ? undefined : decodeValue(init.lastResult),
    lastFailure: init.lastFailure === undefined ? undefined : failureToError(init.lastFailure),
    parent: init.parent && Object.freeze({ ...init.parent }),
    unsafe: Object.freeze({ isReplaying: activator.isReplaying, now: realNow }),
  });
}

/** A random UUID (v4) from the run's seeded generator: the same value on every replay. */
export function uuid4(): string {
  return uuid4From(getActivator('uuid4()').random);
}
