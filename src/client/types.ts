/**
 * The types that tie a workflow function to its client calls, so `client.workflow.execute(greet, { args })`
 * checks `args` against `greet`'s parameters and types the result, as in Temporal's SDK.
 */
import type { Duration } from '../common/duration.js';
import type { RetryPolicy } from '../common/retry-policy.js';
import type {
  SearchAttributePair,
  SearchAttributes,
  TypedSearchAttributes,
} from '../common/search-attributes.js';
import type { VersioningOverride } from '../common/versioning.js';
import type { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '../common/workflow-id-policies.js';
import type { UntypedWorkflow, WithWorkflowArgs, Workflow } from '../common/workflow-types.js';

export type {
  UntypedWorkflow,
  WithWorkflowArgs,
  Workflow,
  WorkflowResultType,
} from '../common/workflow-types.js';

/** Options shared by every way of starting a workflow. */
export interface WorkflowOptions {
  /** Task queue the workflow's tasks go to; a worker must poll it. */
  taskQueue: string;
  /** Business id of the workflow, unique among the namespace's open workflows. */
  workflowId: string;
  /**
   * Longest time the workflow may run, across retries and continue-as-new.
   * @default unlimited
   */
  workflowExecutionTimeout?: Duration;
  /**
   * Longest time one run may take.
   * @default unlimited
   */
  workflowRunTimeout?: Duration;
  /**
   * Longest time one workflow task may take on a worker before it is retried; at most 120 seconds.
   * @default the server's default (10 seconds)
   */
  workflowTaskTimeout?: Duration;
  /**
   * Search attributes to start with, typed. Each must be registered in the namespace
   * (`strata operator search-attribute create`); list and count queries filter on them.
   * @example new TypedSearchAttributes([{ key: defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD), value: 'acme' }])
   */
  typedSearchAttributes?: TypedSearchAttributes | SearchAttributePair[];
  /**
   * @deprecated Temporal's untyped form, every value an array: `{ CustomerId: ['acme'] }`. Use `typedSearchAttributes`.
   */
  searchAttributes?: SearchAttributes;
  /** Data shown with the workflow by describe and list, not indexed: `{ requestedBy: 'ada' }`. */
  memo?: Record<string, unknown>;
  /**
   * Whether a new run may start when the id's last run is closed: `'ALLOW_DUPLICATE'`,
   * `'ALLOW_DUPLICATE_FAILED_ONLY'` (only after a failed, cancelled, terminated or timed-out run),
   * `'REJECT_DUPLICATE'`. The legacy `'TERMINATE_IF_RUNNING'` also terminates a running run.
   * @default 'ALLOW_DUPLICATE'
   */
  workflowIdReusePolicy?: WorkflowIdReusePolicy;
  /**
   * What happens when a run with this id is running: `'FAIL'` (the start throws
   * `WorkflowExecutionAlreadyStartedError`), `'USE_EXISTING'` (the handle points at the running run),
   * `'TERMINATE_EXISTING'` (it is terminated and a new run starts).
   * @default 'FAIL' for `start` and `execute`, `'USE_EXISTING'` for `signalWithStart` (which refuses `'FAIL'`)
   */
  workflowIdConflictPolicy?: WorkflowIdConflictPolicy;
  /**
   * Retries of the whole workflow: a run that fails (or hits its run timeout) is followed by a new run
   * after the backoff, `workflowInfo().attempt` counting up, until `maximumAttempts` or the execution
   * timeout. Failures thrown with `nonRetryable` or a type in `nonRetryableErrorTypes` end it at once.
   * @default no retries
   */
  retry?: RetryPolicy;
  /**
   * Runs the workflow on a cron schedule, in UTC: five fields (`'0 * * * *'`) or `@hourly`, `@daily`,
   * `@weekly`, `@monthly`, `@yearly`, `'@every 10m'`. The first run starts at the next schedule time, each
   * run's close schedules the next one; cancelling or terminating the workflow stops the schedule.
   */
  cronSchedule?: string;
  /**
   * Runs the workflow pinned to a worker deployment version, `{ pinnedTo: { deploymentName, buildId } }`,
   * or auto-upgrading (`'AUTO_UPGRADE'`), whatever behavior its code declares (V5); recorded in its
   * WorkflowExecutionStarted event. Change it later with `handle.updateOptions`.
   * @default none: the workflow's own behavior (docs/worker-versioning.md)
   */
  versioningOverride?: VersioningOverride;
  /**
   * Whether `result()` of the handle follows the chain of runs (continue-as-new, retries, cron) to the
   * last one.
   * @default true
   */
  followRuns?: boolean;
}

/** Options of `client.workflow.start` and `execute`; `args` is typed from the workflow function. */
export type WorkflowStartOptions<W extends Workflow = UntypedWorkflow> = WithWorkflowArgs<W, WorkflowOptions>;

/** Options of `client.workflow.signalWithStart`. */
export type WorkflowSignalWithStartOptions<
  W extends Workflow = UntypedWorkflow,
  SignalArgs extends unknown[] = unknown[],
> = WithWorkflowArgs<W, WorkflowOptions> & {
  /** The signal to send, as a definition from `defineSignal` or a name. */
  signal: SignalDefinition<SignalArgs> | string;
  /** Arguments of the signal. */
  signalArgs?: SignalArgs | Readonly<SignalArgs>;
};

/**
 * A signal definition as `defineSignal` from `strata/workflow` returns it. Only its shape matters here,
 * so definitions from any copy of the workflow package are accepted.
 */
export interface SignalDefinition<Args extends unknown[] = [], Name extends string = string> {
  type: 'signal';
  name: Name;
  /** Type-only brand that keeps signals with different arguments apart (same name as in `strata/workflow`). */
  readonly __args?: Args;
}

/** A query definition as `defineQuery` from `strata/workflow` returns it. */
export interface QueryDefinition<Ret = unknown, Args extends unknown[] = [], Name extends string = string> {
  type: 'query';
  name: Name;
  /** Type-only brand for the result (same name as in `strata/workflow`). */
  readonly __ret?: Ret;
  /** Type-only brand for the arguments. */
  readonly __args?: Args;
}

/** An update definition as `defineUpdate` from `strata/workflow` returns it. */
export interface UpdateDefinition<Ret = unknown, Args extends unknown[] = [], Name extends string = string> {
  type: 'update';
  name: Name;
  /** Type-only brand for the result (same name as in `strata/workflow`). */
  readonly __ret?: Ret;
  /** Type-only brand for the arguments. */
  readonly __args?: Args;
}
