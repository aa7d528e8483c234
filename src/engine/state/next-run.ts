/**
 * Runs of one workflow id chained together: continue-as-new, retries of a failed or timed-out run, and
 * the runs of a cron schedule. One place decides, when a run closes, whether a next run follows (its id
 * goes into the closing event) and builds that run's start; the engine inserts it in the same
 * transaction (`EngineCore.mutate`). Pure, like the other transitions.
 */
import { create } from '@bufbuild/protobuf';
import { cronBackoffMs, parseCronSchedule } from '../../common/cron.js';
import { decideRetry, retryFactsOf } from '../../common/retry-policy-proto.js';
import {
  ContinueAsNewInitiator,
  type Failure,
  FailureSchema,
  type Memo,
  type Payloads,
  RetryPolicySchema,
  RetryState,
  TimeoutType,
} from '../../gen/strata/v1/common_pb.js';
import type { WorkflowExecutionStartedEventAttributes } from '../../gen/strata/v1/history_pb.js';
import { newRunId, randomSeed } from '../run-id.js';
import type { CheckedSearchAttribute } from '../visibility/search-attributes.js';
import type { StartExecutionInput } from './execution.js';
import { decodeMessage, encodeMessage, type Mutation } from './mutation.js';
import { inheritedVisibility } from './search-attributes.js';
import type { ChainState, ExecutionState } from './types.js';

/** The run that follows a closing run: decided at the close, started by the engine in the same transaction. */
export interface NextRun {
  runId: string;
  initiator: ContinueAsNewInitiator;
  /** Delay before its first workflow task (retry backoff, time to the next cron time). */
  backoffMs: number;
  attempt: number;
  continuedFailure?: Failure | undefined;
  lastCompletionResult?: Payloads | undefined;
  /** Continue-as-new: what the new run runs; the rest (timeouts, retry policy, cron) is the chain's. */
  continued?: ContinuedRun;
}

export interface ContinuedRun {
  workflowType: string;
  taskQueue: string;
  input: Payloads | undefined;
  runTimeoutMs: number;
  workflowTaskTimeoutMs: number;
  memo: Memo | undefined;
  searchAttributes: ReadonlyMap<string, CheckedSearchAttribute> | undefined;
}

/** How a run continues its chain; absent for the first run of a workflow id. */
export interface RunContinuation {
  previousRunId: string;
  initiator: ContinueAsNewInitiator;
  firstExecutionRunId: string;
  attempt: number;
  executionExpirationMs: number;
  backoffMs: number;
  continuedFailure: Failure | undefined;
  lastCompletionResult: Payloads | undefined;
}

/** The chain a run belongs to (a row written before chains existed is a chain of one run). */
export function chainOf(state: ExecutionState): ChainState {
  return (
    state.chain ?? {
      firstExecutionRunId: state.runId,
      attempt: 1,
      executionExpirationMs: 0,
      executionTimeoutMs: 0,
      runTimeoutMs: 0,
      retryPolicy: '',
      cronSchedule: '',
      scheduledTimeMs: state.startTimeMs,
      backoffPending: false,
    }
  );
}

/** A new run's chain state and how long its first workflow task waits (a cron's first run waits for its time). */
export function chainOfNewRun(input: StartExecutionInput, nowMs: number): ChainState {
  const previous = input.continuation;
  const backoffMs =
    previous?.backoffMs ??
    (input.cronSchedule ? cronBackoffMs(parseCronSchedule(input.cronSchedule), nowMs, nowMs) : 0);
  return {
    firstExecutionRunId: previous?.firstExecutionRunId ?? input.runId,
    attempt: previous?.attempt ?? 1,
    executionExpirationMs: previous
      ? previous.executionExpirationMs
      : input.executionTimeoutMs > 0
        ? nowMs + input.executionTimeoutMs
        : 0,
    executionTimeoutMs: input.executionTimeoutMs,
    runTimeoutMs: input.runTimeoutMs,
    retryPolicy: encodeMessage(RetryPolicySchema, input.retryPolicy),
    cronSchedule: input.cronSchedule,
    scheduledTimeMs: nowMs + backoffMs,
    backoffPending: backoffMs > 0,
  };
}

/**
 * When the run must time out: its run timeout counts from its first workflow task (after the backoff),
 * and the chain's execution deadline bounds every run. Undefined when neither is set.
 */
export function runDeadlineMs(chain: ChainState): number | undefined {
  const deadlines = [
    chain.runTimeoutMs > 0 ? chain.scheduledTimeMs + chain.runTimeoutMs : 0,
    chain.executionExpirationMs,
  ].filter((ms) => ms > 0);
  return deadlines.length > 0 ? Math.min(...deadlines) : undefined;
}

function requestNextRun(m: Mutation, next: Omit<NextRun, 'runId'>): string {
  const runId = newRunId(m.nowMs);
  m.nextRun = { runId, ...next };
  return runId;
}

/** A cron chain goes on after every close but cancellation and termination. Returns the new run id or ''. */
function nextCronRun(
  m: Mutation,
  carried: Pick<NextRun, 'continuedFailure' | 'lastCompletionResult'>,
): string {
  const chain = chainOf(m.state);
  if (!chain.cronSchedule) return '';
  const backoffMs = cronBackoffMs(parseCronSchedule(chain.cronSchedule), chain.scheduledTimeMs, m.nowMs);
  return requestNextRun(m, {
    initiator: ContinueAsNewInitiator.CRON_SCHEDULE,
    backoffMs,
    attempt: 1,
    ...carried,
  });
}

export interface CloseOutcome {
  retryState: RetryState;
  /** The run that follows, '' when the chain ends here. */
  newExecutionRunId: string;
}

/** The run completed: a cron chain starts its next run, passing the result on. */
export function nextRunAfterCompletion(m: Mutation, result: Payloads | undefined): string {
  return nextCronRun(m, { lastCompletionResult: result });
}

/**
 * The run failed or its run timeout fired: retried while the retry policy allows (attempt + 1, after the
 * backoff), else the next cron run, else the chain ends. A cancel request stops retries, as in Temporal.
 */
export function nextRunAfterFailure(m: Mutation, failure: Failure | undefined): CloseOutcome {
  const chain = chainOf(m.state);
  if (m.state.cancelRequested) return { retryState: RetryState.CANCEL_REQUESTED, newExecutionRunId: '' };
  const policy = decodeMessage(RetryPolicySchema, chain.retryPolicy);
  let retryState = RetryState.RETRY_POLICY_NOT_SET;
  if (policy) {
    const decision = decideRetry({
      policy,
      attempt: chain.attempt,
      ...retryFactsOf(failure),
      nowMs: m.nowMs,
      deadlineMs: chain.executionExpirationMs,
    });
    if (decision.retry) {
      const newExecutionRunId = requestNextRun(m, {
        initiator: ContinueAsNewInitiator.RETRY,
        backoffMs: decision.delayMs,
        attempt: chain.attempt + 1,
        continuedFailure: failure,
      });
      return { retryState: RetryState.IN_PROGRESS, newExecutionRunId };
    }
    retryState = decision.retryState;
  }
  return { retryState, newExecutionRunId: nextCronRun(m, { continuedFailure: failure }) };
}

/**
 * The run's deadline fired. Past the chain's execution deadline the whole workflow times out; a run
 * timeout is retried (or goes on to the next cron run) like a failure.
 */
export function nextRunAfterTimeout(m: Mutation): CloseOutcome {
  const chain = chainOf(m.state);
  const executionExpired = chain.executionExpirationMs > 0 && m.nowMs >= chain.executionExpirationMs;
  if (executionExpired) return { retryState: RetryState.TIMEOUT, newExecutionRunId: '' };
  const failure = create(FailureSchema, {
    message: `workflow run timed out after ${chain.runTimeoutMs} ms (run timeout)`,
    source: 'strata-server',
    failureInfo: { case: 'timeoutFailureInfo', value: { timeoutType: TimeoutType.START_TO_CLOSE } },
  });
  const outcome = nextRunAfterFailure(m, failure);
  return outcome.retryState === RetryState.RETRY_POLICY_NOT_SET
    ? { ...outcome, retryState: RetryState.TIMEOUT }
    : outcome;
}

/** Continue-as-new: the next run starts at once, with attempt 1, keeping the chain's options. */
export function nextRunOfContinueAsNew(m: Mutation, continued: ContinuedRun): string {
  return requestNextRun(m, {
    initiator: ContinueAsNewInitiator.WORKFLOW,
    backoffMs: 0,
    attempt: 1,
    continued,
  });
}

/**
 * The start of the next run: what changed (continue-as-new) or the closing run's own type, queue and input
 * (retry, cron; the input is read from its WorkflowExecutionStarted event), and the chain's options.
 */
export function nextRunInput(
  state: ExecutionState,
  previousStart: WorkflowExecutionStartedEventAttributes | undefined,
  next: NextRun,
): StartExecutionInput {
  const chain = chainOf(state);
  const continued = next.continued;
  const override = state.versioning?.override;
  const pinnedOverride = override && override !== 'AUTO_UPGRADE' ? override : undefined;
  return {
    namespace: state.namespace,
    workflowId: state.workflowId,
    runId: next.runId,
    workflowType: continued?.workflowType ?? state.workflowType,
    taskQueue: continued?.taskQueue ?? state.taskQueue,
    input: continued ? continued.input : previousStart?.input,
    executionTimeoutMs: chain.executionTimeoutMs,
    runTimeoutMs: continued?.runTimeoutMs ?? chain.runTimeoutMs,
    workflowTaskTimeoutMs: continued?.workflowTaskTimeoutMs ?? state.workflowTaskTimeoutMs,
    identity: previousStart?.identity ?? '',
    randomnessSeed: randomSeed(),
    retryPolicy: decodeMessage(RetryPolicySchema, chain.retryPolicy),
    cronSchedule: chain.cronSchedule,
    ...(continued
      ? { memo: continued.memo, searchAttributes: continued.searchAttributes }
      : inheritedVisibility(state)),
    // A child's later runs report to the same parent.
    ...(state.parent ? { parent: state.parent } : {}),
    // As in Temporal, a pinned override follows the chain: the next run stays on that version (V5, V8).
    ...(pinnedOverride ? { versioningOverride: pinnedOverride } : {}),
    continuation: {
      previousRunId: state.runId,
      initiator: next.initiator,
      firstExecutionRunId: chain.firstExecutionRunId,
      attempt: next.attempt,
      executionExpirationMs: chain.executionExpirationMs,
      backoffMs: next.backoffMs,
      continuedFailure: next.continuedFailure,
      // A cron chain hands the last successful result on through failures and continue-as-new.
      lastCompletionResult: next.lastCompletionResult ?? previousStart?.lastCompletionResult,
    },
  };
}
