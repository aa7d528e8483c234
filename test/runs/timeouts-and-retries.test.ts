/** Workflow timeouts (execution across the chain, run, task) and the retry policy of whole workflows. */
import { fileURLToPath } from 'node:url';
import { type ApplicationFailure, TimeoutFailure, WorkflowFailedError } from 'strata/client';
import { TestWorkflowEnvironment } from 'strata/testing';
import { Worker } from 'strata/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/gen/strata/v1/history_pb.js';
import { declined, flaky, forever, napper, reportInfo, slowFirstAttempt } from './workflows.js';

const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));
const taskQueue = 'timeouts';
const MINUTE_MS = 60_000;
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping();
  worker = await Worker.create({ connection: env.connection, taskQueue, workflowsPath });
  running = worker.run();
});
afterAll(async () => {
  worker.shutdown();
  await running;
  await env.teardown();
});

async function failureOf(promise: Promise<unknown>): Promise<WorkflowFailedError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return error as WorkflowFailedError;
}

/** The runs of a workflow id, oldest first. */
async function runsOf(workflowId: string) {
  const runs = [];
  for await (const run of env.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.push(run);
  return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

async function events(workflowId: string, runId: string): Promise<HistoryEvent[]> {
  return (await env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events;
}

function startedOf(history: HistoryEvent[]) {
  const a = history[0]?.attributes;
  if (a?.case !== 'workflowExecutionStartedEventAttributes') throw new Error('no started event');
  return a.value;
}

describe('workflow timeouts', () => {
  it('workflowRunTimeout: a run past it closes with WorkflowExecutionTimedOut; result() throws a TimeoutFailure', async () => {
    const handle = await env.client.workflow.start(napper, {
      taskQueue,
      workflowId: 'run-timeout',
      args: ['1 hour'],
      workflowRunTimeout: '10 minutes',
    });
    const error = await failureOf(handle.result());
    expect(error.cause).toBeInstanceOf(TimeoutFailure);
    expect(error.retryState).toBe('TIMEOUT');
    const history = await events('run-timeout', handle.firstExecutionRunId);
    const last = history.at(-1);
    expect(last?.attributes.case).toBe('workflowExecutionTimedOutEventAttributes');
    expect((last?.eventTimeMs ?? 0) - (history[0]?.eventTimeMs ?? 0)).toBeGreaterThanOrEqual(10 * MINUTE_MS);
    expect((last?.eventTimeMs ?? 0) - (history[0]?.eventTimeMs ?? 0)).toBeLessThan(11 * MINUTE_MS);
  });

  it('workflowExecutionTimeout spans the chain: the third run of a workflow continuing every 10 minutes times out at 25', async () => {
    const handle = await env.client.workflow.start(forever, {
      taskQueue,
      workflowId: 'execution-timeout',
      workflowExecutionTimeout: '25 minutes',
    });
    const error = await failureOf(handle.result());
    expect(error.cause).toBeInstanceOf(TimeoutFailure);
    const runs = await runsOf('execution-timeout');
    expect(runs.map((run) => run.status.name)).toEqual(['CONTINUED_AS_NEW', 'CONTINUED_AS_NEW', 'TIMED_OUT']);
    const closedAfter = (runs[2]?.closeTime?.getTime() ?? 0) - (runs[0]?.startTime.getTime() ?? 0);
    expect(closedAfter).toBeGreaterThanOrEqual(25 * MINUTE_MS);
    expect(closedAfter).toBeLessThan(26 * MINUTE_MS);
  });

  it('workflowTaskTimeout and the other timeouts reach the workflow and its history', async () => {
    const info = await env.client.workflow.execute(reportInfo, {
      taskQueue,
      workflowId: 'task-timeout',
      workflowTaskTimeout: '5s',
      workflowRunTimeout: '1 hour',
      workflowExecutionTimeout: '1 day',
    });
    expect(info).toEqual({
      taskTimeoutMs: 5_000,
      runTimeoutMs: 3_600_000,
      executionTimeoutMs: 86_400_000,
      hasExpiration: true,
    });
    const history = await events('task-timeout', '');
    const scheduled = history.find((e) => e.attributes.case === 'workflowTaskScheduledEventAttributes');
    expect(
      scheduled?.attributes.case === 'workflowTaskScheduledEventAttributes' &&
        scheduled.attributes.value.startToCloseTimeoutMs,
    ).toBe(5_000);
  });
});

describe('workflow retry policy', () => {
  it('a failing workflow is retried after the backoff until it succeeds; attempts count up in workflowInfo()', async () => {
    const handle = await env.client.workflow.start(flaky, {
      taskQueue,
      workflowId: 'flaky',
      args: [3],
      retry: { initialInterval: '10s', backoffCoefficient: 2, maximumAttempts: 5 },
    });
    expect(await handle.result()).toBe('attempt 3 after "attempt 2 failed"');
    const runs = await runsOf('flaky');
    expect(runs.map((run) => run.status.name)).toEqual(['FAILED', 'FAILED', 'COMPLETED']);

    const firstHistory = await events('flaky', handle.firstExecutionRunId);
    const closed = firstHistory.at(-1)?.attributes;
    expect(closed?.case).toBe('workflowExecutionFailedEventAttributes');
    if (closed?.case !== 'workflowExecutionFailedEventAttributes') return;
    expect(closed.value.retryState).toBe(1); // IN_PROGRESS
    expect(closed.value.newExecutionRunId).toBe(runs[1]?.runId);

    const second = startedOf(await events('flaky', runs[1]?.runId ?? ''));
    expect(second.attempt).toBe(2);
    expect(second.initiator).toBe(2); // RETRY
    expect(second.firstWorkflowTaskBackoffMs).toBe(10_000);
    expect(second.continuedExecutionRunId).toBe(handle.firstExecutionRunId);
    expect(second.firstExecutionRunId).toBe(handle.firstExecutionRunId);
    expect(startedOf(await events('flaky', runs[2]?.runId ?? '')).firstWorkflowTaskBackoffMs).toBe(20_000);
  });

  it('retries stop at maximumAttempts: result() throws with retryState MAXIMUM_ATTEMPTS_REACHED', async () => {
    const error = await failureOf(
      env.client.workflow.execute(flaky, {
        taskQueue,
        workflowId: 'flaky-max',
        args: [10],
        retry: { initialInterval: '1s', maximumAttempts: 2 },
      }),
    );
    expect(error.retryState).toBe('MAXIMUM_ATTEMPTS_REACHED');
    expect((error.cause as ApplicationFailure).message).toBe('attempt 2 failed');
    expect((await runsOf('flaky-max')).length).toBe(2);
  });

  it('a non-retryable failure is not retried', async () => {
    const error = await failureOf(
      env.client.workflow.execute(declined, {
        taskQueue,
        workflowId: 'declined',
        retry: { maximumAttempts: 5 },
      }),
    );
    expect(error.retryState).toBe('NON_RETRYABLE_FAILURE');
    expect((await runsOf('declined')).length).toBe(1);
  });

  it('a run timeout is retried like a failure', async () => {
    const result = await env.client.workflow.execute(slowFirstAttempt, {
      taskQueue,
      workflowId: 'slow-first',
      workflowRunTimeout: '1 minute',
      retry: { initialInterval: '1s', maximumAttempts: 3 },
    });
    expect(result).toBe('attempt 2');
    expect((await runsOf('slow-first')).map((run) => run.status.name)).toEqual(['TIMED_OUT', 'COMPLETED']);
  });
});
