/** Histories with updates replay (R1, R7); a handler whose commands changed order is caught (R2, R4). */
import { fileURLToPath } from 'node:url';
import { toJson } from '@bufbuild/protobuf';
import { WorkflowUpdateStage } from 'strata/client';
import { TestWorkflowEnvironment } from 'strata/testing';
import { DeterminismViolationError, Worker } from 'strata/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistorySchema } from '../../src/gen/strata/v1/history_pb.js';
import * as activities from './activities.js';
import { addItem, cart, checkout, close, durableReservation, reservations, reserve } from './workflows.js';

const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));
const changedWorkflowsPath = fileURLToPath(new URL('./workflows-changed.ts', import.meta.url));

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping();
});
afterAll(async () => {
  await env.teardown();
});

async function newWorker(taskQueue: string, maxCachedWorkflows?: number): Promise<Worker> {
  return Worker.create({
    connection: env.connection,
    taskQueue,
    workflowsPath,
    activities,
    maxCachedWorkflows,
  });
}

describe('replaying histories with updates', () => {
  it('R7: a live history with accepted, rejected and handler-awaited updates replays without error', async () => {
    const worker = await newWorker('replay');
    const histories = await worker.runUntil(async () => {
      const shop = await env.client.workflow.start(cart, { taskQueue: 'replay', workflowId: 'replay-cart' });
      await shop.executeUpdate(addItem, { args: ['apple'] });
      await shop.executeUpdate(addItem, { args: [''] }).catch(() => undefined);
      await shop.executeUpdate(addItem, { args: ['pear'] });
      await shop.signal(checkout);
      await shop.result();
      const stock = await env.client.workflow.start(reservations, {
        taskQueue: 'replay',
        workflowId: 'replay-stock',
      });
      const first = await stock.startUpdate(reserve, {
        args: ['a'],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      await stock.executeUpdate(reserve, { args: ['b'] });
      await first.result();
      await stock.signal(close);
      await stock.result();
      return [await shop.fetchHistory(), await stock.fetchHistory()];
    });
    for (const history of histories) {
      await Worker.runReplayHistory({ workflowsPath }, history);
      // As exported in Temporal's JSON history format.
      await Worker.runReplayHistory(
        { workflowsPath },
        toJson(HistorySchema, history) as { events: unknown[] },
      );
    }
  });

  it('R2: a handler that now sends its commands in another order is a [NDE] at the first diverging event', async () => {
    const worker = await newWorker('replay-nde');
    const history = await worker.runUntil(async () => {
      const stock = await env.client.workflow.start(reservations, {
        taskQueue: 'replay-nde',
        workflowId: 'nde-stock',
      });
      await stock.executeUpdate(reserve, { args: ['a'] });
      await stock.signal(close);
      await stock.result();
      return stock.fetchHistory();
    });
    const err = await Worker.runReplayHistory({ workflowsPath: changedWorkflowsPath }, history).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeterminismViolationError);
    expect((err as Error).message).toMatch(/^\[NDE\]/);
    expect((err as Error).message).toContain('TimerStarted');
    expect((err as Error).message).toContain('ScheduleActivityTask (activity type "reserveStock"');
  });
});

describe('durability', () => {
  it('an accepted update whose handler runs survives a worker restart: the new worker replays it from the Accepted event, without its validator', async () => {
    // No cache: like a restarted process, every task replays the history.
    const first = await newWorker('durable', 0);
    const firstRun = first.run();
    const handle = await env.client.workflow.start(durableReservation, {
      taskQueue: 'durable',
      workflowId: 'durable-1',
    });
    const update = await handle.startUpdate(reserve, {
      args: ['x'],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    first.shutdown();
    await firstRun;
    const second = await newWorker('durable');
    const [id, result] = await second.runUntil(Promise.all([update.result(), handle.result()]));
    expect(id).toMatch(/^x-r\d+$/);
    // The second worker rebuilt the run from history: the validator, run once by the first worker, did not run again.
    expect(result).toEqual({ id, validatorRuns: 0 });
    await Worker.runReplayHistory({ workflowsPath }, await handle.fetchHistory());
  });
});
