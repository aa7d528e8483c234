/** Cron schedules on virtual time: runs at each schedule time, each run's close starts the next; cancel and terminate stop it. */
import { fileURLToPath } from 'node:url';
import { CancelledFailure, WorkflowFailedError } from 'strata/client';
import { TestWorkflowEnvironment } from 'strata/testing';
import { Worker } from 'strata/worker';
import { afterEach, describe, expect, it } from 'vitest';
import { type CronTick, cronTick } from './workflows.js';

const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));
const taskQueue = 'cron';
const HOUR_MS = 3_600_000;
// 30 s past midnight: the first hourly run is due at 01:00.
const START_MS = Date.UTC(2030, 0, 1, 0, 0, 30);

let env: TestWorkflowEnvironment | undefined;
afterEach(async () => {
  await env?.teardown();
  env = undefined;
});

/** Waits for one run (without following the chain) and returns its result and the run that follows. */
async function runOf(environment: TestWorkflowEnvironment, workflowId: string, runId: string) {
  const handle = environment.client.workflow.getHandle<typeof cronTick>(workflowId, runId, {
    followRuns: false,
  });
  const tick: CronTick = await handle.result();
  const closing = (await handle.fetchHistory()).events.at(-1)?.attributes;
  const next =
    closing?.case === 'workflowExecutionCompletedEventAttributes' ? closing.value.newExecutionRunId : '';
  return { tick, next };
}

async function runCount(environment: TestWorkflowEnvironment, workflowId: string): Promise<number> {
  return (await environment.client.workflow.count(`WorkflowId = "${workflowId}"`)).count;
}

describe('cronSchedule', () => {
  it('runs three times at each hour on virtual time, passing the last result on; terminate stops the schedule', async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping({ startTimeMs: START_MS });
    const testEnv = env;
    const worker = await Worker.create({ connection: env.connection, taskQueue, workflowsPath });
    await worker.runUntil(async () => {
      const handle = await testEnv.client.workflow.start(cronTick, {
        taskQueue,
        workflowId: 'hourly',
        cronSchedule: '0 * * * *',
      });
      let runId = handle.firstExecutionRunId;
      const ticks: CronTick[] = [];
      for (let i = 0; i < 3; i++) {
        const { tick, next } = await runOf(testEnv, 'hourly', runId);
        ticks.push(tick);
        expect(next).not.toBe('');
        runId = next;
      }
      // Each run's first workflow task ran at its schedule time (plus the real time the test takes).
      ticks.forEach((tick, i) => {
        const due = START_MS - 30_000 + (i + 1) * HOUR_MS;
        expect(tick.startedAtMs).toBeGreaterThanOrEqual(due);
        expect(tick.startedAtMs).toBeLessThan(due + 10_000);
        expect(tick.cronSchedule).toBe('0 * * * *');
      });
      expect(ticks[0]?.lastResult).toBeUndefined();
      expect(ticks[1]?.lastResult).toEqual(ticks[0]);
      expect(ticks[2]?.lastResult).toEqual(ticks[1]);

      // The next run waits for its time; terminating the workflow (its current run) ends the chain.
      await testEnv.client.workflow.getHandle('hourly').terminate('enough');
      const runs = await runCount(testEnv, 'hourly');
      await testEnv.sleep('1 day');
      expect(await runCount(testEnv, 'hourly')).toBe(runs);
      expect((await testEnv.client.workflow.getHandle('hourly').describe()).status.name).toBe('TERMINATED');
    });
  });

  it('the first run waits for the first schedule time (WorkflowExecutionStarted has the backoff); cancel stops the schedule', async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping({ startTimeMs: START_MS });
    const testEnv = env;
    const worker = await Worker.create({ connection: env.connection, taskQueue, workflowsPath });
    await worker.runUntil(async () => {
      const handle = await testEnv.client.workflow.start(cronTick, {
        taskQueue,
        workflowId: 'every-half-hour',
        cronSchedule: '*/30 * * * *',
        args: ['10 minutes'],
      });
      const first = (await handle.fetchHistory()).events[0];
      const started = first?.attributes;
      const backoffMs =
        started?.case === 'workflowExecutionStartedEventAttributes'
          ? started.value.firstWorkflowTaskBackoffMs
          : 0;
      expect((first?.eventTimeMs ?? 0) + backoffMs).toBe(Date.UTC(2030, 0, 1, 0, 30));
      const { next } = await runOf(testEnv, 'every-half-hour', handle.firstExecutionRunId);
      // The next run is waiting for 01:00; a cancel reaches it when it runs, and its sleep is cancelled.
      await testEnv.client.workflow.getHandle('every-half-hour').cancel();
      const error = await testEnv.client.workflow
        .getHandle('every-half-hour', next)
        .result()
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      const runs = await runCount(testEnv, 'every-half-hour');
      await testEnv.sleep('1 day');
      expect(await runCount(testEnv, 'every-half-hour')).toBe(runs);
    });
  });
});
