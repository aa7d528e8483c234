/** Workflows of the runs tests: continue-as-new, retries, cron, timeouts. */
import {
  ApplicationFailure,
  condition,
  continueAsNew,
  defineSearchAttributeKey,
  defineSignal,
  makeContinueAsNewFunc,
  SearchAttributeType,
  setHandler,
  sleep,
  workflowInfo,
} from 'strata/workflow';

/** Adds up n..1, one run per step, and returns the sum from the last run. */
export async function countdown(n: number, total = 0): Promise<number> {
  if (n === 0) return total;
  return continueAsNew<typeof countdown>(n - 1, total + n);
}

export interface RunFacts {
  runId: string;
  firstExecutionRunId: string;
  continuedFromExecutionRunId: string | undefined;
  attempt: number;
  historyLength: number;
  historySize: number;
  continueAsNewSuggested: boolean;
  round: number;
}

/** Sleeps one second per workflow task until the server suggests continue-as-new; does so `rounds` times. */
export async function untilSuggested(
  rounds: number,
  round = 1,
  earlier: RunFacts[] = [],
): Promise<RunFacts[]> {
  while (!workflowInfo().continueAsNewSuggested) await sleep('1 second');
  const info = workflowInfo();
  const facts: RunFacts[] = [
    ...earlier,
    {
      runId: info.runId,
      firstExecutionRunId: info.firstExecutionRunId,
      continuedFromExecutionRunId: info.continuedFromExecutionRunId,
      attempt: info.attempt,
      historyLength: info.historyLength,
      historySize: info.historySize,
      continueAsNewSuggested: info.continueAsNewSuggested,
      round,
    },
  ];
  if (round === rounds) return facts;
  return continueAsNew<typeof untilSuggested>(rounds, round + 1, facts);
}

/** Continues as new into another workflow type on another task queue. */
export async function handOver(message: string): Promise<string> {
  const toEcho = makeContinueAsNewFunc<typeof echo>({ workflowType: 'echo', taskQueue: 'runs-other' });
  return toEcho(`${message} (handed over by ${workflowInfo().workflowType})`);
}

export async function echo(message: string): Promise<string> {
  return `${message}, echoed on ${workflowInfo().taskQueue}`;
}

/** Fails until `succeedOn`, then reports the attempt and the failure of the previous one. */
export async function flaky(succeedOn: number): Promise<string> {
  const info = workflowInfo();
  if (info.attempt < succeedOn) {
    throw ApplicationFailure.retryable(`attempt ${info.attempt} failed`, 'Flaky');
  }
  return `attempt ${info.attempt} after "${info.lastFailure?.message}"`;
}

export async function declined(): Promise<string> {
  throw ApplicationFailure.nonRetryable('card declined', 'Declined');
}

/** Sleeps `duration`, then reports its attempt. */
export async function napper(duration: string): Promise<string> {
  await sleep(duration);
  return `attempt ${workflowInfo().attempt} slept ${duration}`;
}

/** The first attempt sleeps past any run timeout; the retry answers at once. */
export async function slowFirstAttempt(): Promise<string> {
  if (workflowInfo().attempt === 1) await sleep('1 day');
  return `attempt ${workflowInfo().attempt}`;
}

/** Sleeps ten minutes per run and continues as new, forever: an execution timeout must end it. */
export async function forever(round = 1): Promise<never> {
  await sleep('10 minutes');
  return continueAsNew<typeof forever>(round + 1);
}

export interface CronTick {
  runId: string;
  startedAtMs: number;
  cronSchedule: string | undefined;
  lastResult: unknown;
}

/** One cron run: when its first workflow task ran (after the schedule's backoff), and what the previous run returned. */
export async function cronTick(napFor = '0'): Promise<CronTick> {
  const startedAtMs = Date.now();
  if (napFor !== '0') await sleep(napFor);
  const info = workflowInfo();
  return {
    runId: info.runId,
    startedAtMs,
    cronSchedule: info.cronSchedule,
    lastResult: info.lastResult,
  };
}

export const finish = defineSignal<[string]>('finish');

/** Waits for the `finish` signal and returns its argument. */
export async function waitForFinish(): Promise<string> {
  let message: string | undefined;
  setHandler(finish, (text) => {
    message = text;
  });
  await condition(() => message !== undefined);
  return message as string;
}

/** Reports the timeouts and options the run sees. */
export async function reportInfo(): Promise<Record<string, unknown>> {
  const info = workflowInfo();
  return {
    taskTimeoutMs: info.taskTimeoutMs,
    runTimeoutMs: info.runTimeoutMs,
    executionTimeoutMs: info.executionTimeoutMs,
    hasExpiration: info.executionExpirationTime instanceof Date,
    retryPolicy: info.retryPolicy,
  };
}

export const stageKey = defineSearchAttributeKey('RunStage', SearchAttributeType.KEYWORD);

export interface Carried {
  memo: Record<string, unknown>;
  stage: string | undefined;
}

/** Round 2 inherits memo and search attributes through continueAsNew; round 3 gets new ones. */
export async function carryOver(round = 1, seen: Carried[] = []): Promise<Carried[]> {
  const info = workflowInfo();
  const now = [...seen, { memo: info.memo, stage: info.typedSearchAttributes.get(stageKey) }];
  if (round === 1) return continueAsNew<typeof carryOver>(2, now);
  if (round === 2) {
    const next = makeContinueAsNewFunc<typeof carryOver>({
      memo: { step: 'three' },
      typedSearchAttributes: [{ key: stageKey, value: 'third' }],
    });
    return next(3, now);
  }
  return now;
}
