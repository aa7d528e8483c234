import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from 'strata/testing';
import { Worker } from 'strata/worker';
import { afterEach, describe, expect, it } from 'vitest';
import * as activities from './activities.js';
import { billingPeriodsQuery, cancelSubscription, longNap, subscription } from './workflows.js';

const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));
const DAY_MS = 86_400_000;

let env: TestWorkflowEnvironment | undefined;
afterEach(async () => {
  await env?.teardown();
  env = undefined;
});

async function workerFor(environment: TestWorkflowEnvironment, taskQueue: string): Promise<Worker> {
  return Worker.create({ connection: environment.connection, taskQueue, workflowsPath, activities });
}

describe('TestWorkflowEnvironment.createTimeSkipping', () => {
  it('completes a workflow sleeping 30 days in well under a second of real time', async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping();
    const worker = await workerFor(env, 'nap');
    const virtualStart = env.currentTimeMs();
    const realStart = performance.now();
    const slept = await worker.runUntil(
      env.client.workflow.execute(longNap, { taskQueue: 'nap', workflowId: 'nap-1' }),
    );
    // The virtual clock also flows with real time, so the workflow sees 30 days plus a few milliseconds.
    expect(slept).toBeGreaterThanOrEqual(30 * DAY_MS);
    expect(slept).toBeLessThan(30 * DAY_MS + 5_000);
    expect(performance.now() - realStart).toBeLessThan(5_000);
    expect(env.currentTimeMs() - virtualStart).toBeGreaterThanOrEqual(30 * DAY_MS);
  });

  it('runs a year of monthly billing while the test awaits the result', async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping();
    const worker = await workerFor(env, 'billing');
    const result = await worker.runUntil(
      env.client.workflow.execute(subscription, { taskQueue: 'billing', workflowId: 'sub-1', args: ['ada'] }),
    );
    expect(result).toBe('ada: 12 periods over 360 days');
  });

  it('does not skip time while nobody awaits a result, so the test can signal first', async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping();
    const worker = await workerFor(env, 'signal-first');
    const testEnv = env;
    const result = await worker.runUntil(async () => {
      const handle = await testEnv.client.workflow.start(subscription, {
        taskQueue: 'signal-first',
        workflowId: 'sub-2',
        args: ['grace'],
      });
      await expect.poll(() => handle.query(billingPeriodsQuery)).toBe(1);
      await handle.signal(cancelSubscription);
      return handle.result();
    });
    expect(result).toBe('grace: 1 periods over 0 days, cancelled');
  });

  it('env.sleep moves the clock forward and fires the timers that come due', async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping();
    const worker = await workerFor(env, 'sleep');
    const testEnv = env;
    await worker.runUntil(async () => {
      const handle = await testEnv.client.workflow.start(subscription, {
        taskQueue: 'sleep',
        workflowId: 'sub-3',
        args: ['alan'],
      });
      await expect.poll(() => handle.query(billingPeriodsQuery)).toBe(1);
      await testEnv.sleep('31 days');
      await expect.poll(() => handle.query(billingPeriodsQuery)).toBe(2);
      await handle.terminate('done');
    });
  });
});

describe('TestWorkflowEnvironment.createLocal', () => {
  it('runs workflows on real time against an in-process server', async () => {
    env = await TestWorkflowEnvironment.createLocal();
    expect(env.supportsTimeSkipping).toBe(false);
    const worker = await workerFor(env, 'local');
    const testEnv = env;
    const result = await worker.runUntil(async () => {
      const handle = await testEnv.client.workflow.start(subscription, {
        taskQueue: 'local',
        workflowId: 'sub-local',
        args: ['lin'],
      });
      await expect.poll(() => handle.query(billingPeriodsQuery)).toBe(1);
      await handle.signal(cancelSubscription);
      return handle.result();
    });
    expect(result).toBe('lin: 1 periods over 0 days, cancelled');
  });
});
