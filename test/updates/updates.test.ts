/** Workflow updates from the user's side: workflow code, a real worker, the client, time skipping. */
import { fileURLToPath } from 'node:url';
import {
  ApplicationFailure,
  type WorkflowHandle,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
} from 'strata/client';
import { TestWorkflowEnvironment } from 'strata/testing';
import { DefaultLogger, type LogEntry, Worker } from 'strata/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventName } from '../../src/worker/replay/history-events.js';
import * as activities from './activities.js';
import {
  addItem,
  cart,
  catchAll,
  checkout,
  close,
  failingUpdate,
  hastyReservations,
  introspective,
  reservations,
  reserve,
  whoAmI,
} from './workflows.js';

const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));
const taskQueue = 'updates';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const logs: LogEntry[] = [];
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping();
  worker = await Worker.create({
    connection: env.connection,
    taskQueue,
    workflowsPath,
    activities,
    logger: new DefaultLogger('WARN', (entry) => logs.push(entry)),
  });
  running = worker.run();
});
afterAll(async () => {
  worker.shutdown();
  await running;
  await env.teardown();
});

async function eventNames(handle: Pick<WorkflowHandle, 'fetchHistory'>): Promise<string[]> {
  return (await handle.fetchHistory()).events.map((event) => eventName(event));
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}

describe('executeUpdate', () => {
  it("returns the handler's value, after WorkflowExecutionUpdateAccepted and Completed were recorded", async () => {
    const handle = await env.client.workflow.start(cart, { taskQueue, workflowId: 'cart-execute' });
    expect(await handle.executeUpdate(addItem, { args: ['apple'] })).toBe(1);
    expect(await handle.executeUpdate(addItem, { args: ['pear'] })).toBe(2);
    await handle.signal(checkout);
    expect(await handle.result()).toEqual(['apple', 'pear']);
    const names = await eventNames(handle);
    expect(names.filter((name) => name.startsWith('WorkflowExecutionUpdate'))).toEqual([
      'WorkflowExecutionUpdateAccepted',
      'WorkflowExecutionUpdateCompleted',
      'WorkflowExecutionUpdateAccepted',
      'WorkflowExecutionUpdateCompleted',
    ]);
  });

  it('takes the update by name too', async () => {
    const handle = await env.client.workflow.start(cart, { taskQueue, workflowId: 'cart-by-name' });
    expect(await handle.executeUpdate<number, [string]>('addItem', { args: ['fig'] })).toBe(1);
    await handle.signal(checkout);
    await handle.result();
  });

  it('a validator rejection throws WorkflowUpdateFailedError (cause: the ApplicationFailure) and records nothing', async () => {
    const handle = await env.client.workflow.start(cart, { taskQueue, workflowId: 'cart-rejected' });
    await handle.executeUpdate(addItem, { args: ['apple'] });
    const before = (await handle.fetchHistory()).events.length;
    const err = await failureOf(handle.executeUpdate(addItem, { args: [''] }));
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ message: 'an item needs a name', type: 'EmptyItem' });
    expect((await handle.fetchHistory()).events.length).toBe(before);
    await handle.signal(checkout);
    expect(await handle.result()).toEqual(['apple']);
  });

  it('an update with no handler and no default handler is rejected, recording nothing', async () => {
    const handle = await env.client.workflow.start(cart, { taskQueue, workflowId: 'cart-unknown' });
    await handle.executeUpdate(addItem, { args: ['apple'] });
    const before = (await handle.fetchHistory()).events.length;
    const err = await failureOf(handle.executeUpdate('removeItem', { args: ['apple'] }));
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((err as Error).cause as Error).message).toContain('[UNKNOWN_UPDATE]');
    expect(((err as Error).cause as Error).message).toContain('"removeItem"');
    expect((await handle.fetchHistory()).events.length).toBe(before);
    await handle.signal(checkout);
    await handle.result();
  });

  it('a handler that throws an ApplicationFailure fails the update, not the workflow', async () => {
    const handle = await env.client.workflow.start(cart, { taskQueue, workflowId: 'cart-failing' });
    const err = await failureOf(handle.executeUpdate(failingUpdate, { args: ['no more pears'] }));
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err as Error).cause).toMatchObject({ message: 'no more pears', type: 'OutOfStock' });
    await handle.signal(checkout);
    expect(await handle.result()).toEqual([]);
  });

  it('the same update id twice runs the handler once: one Accepted event, the same result for both calls', async () => {
    const handle = await env.client.workflow.start(cart, { taskQueue, workflowId: 'cart-dedup' });
    const first = await handle.executeUpdate(addItem, { args: ['apple'], updateId: 'add-apple' });
    const again = await handle.executeUpdate(addItem, { args: ['apple'], updateId: 'add-apple' });
    expect([first, again]).toEqual([1, 1]);
    const both = await Promise.all([
      handle.executeUpdate(addItem, { args: ['kiwi'], updateId: 'add-kiwi' }),
      handle.executeUpdate(addItem, { args: ['kiwi'], updateId: 'add-kiwi' }),
    ]);
    expect(both).toEqual([2, 2]);
    await handle.signal(checkout);
    expect(await handle.result()).toEqual(['apple', 'kiwi']);
    const accepted = (await eventNames(handle)).filter((name) => name === 'WorkflowExecutionUpdateAccepted');
    expect(accepted).toHaveLength(2);
  });

  it('an update to a completed workflow throws WorkflowNotFoundError; a completed update id still answers', async () => {
    const handle = await env.client.workflow.start(cart, { taskQueue, workflowId: 'cart-closed' });
    await handle.executeUpdate(addItem, { args: ['apple'], updateId: 'before-close' });
    await handle.signal(checkout);
    await handle.result();
    const err = await failureOf(handle.executeUpdate(addItem, { args: ['late'] }));
    expect(err).toBeInstanceOf(WorkflowNotFoundError);
    expect((err as Error).message).toContain('already closed');
    expect(await handle.executeUpdate(addItem, { args: ['apple'], updateId: 'before-close' })).toBe(1);
    expect(await handle.getUpdateHandle<number>('before-close').result()).toBe(1);
  });

  it('setDefaultUpdateHandler answers updates that have no handler of their own', async () => {
    const handle = await env.client.workflow.start(catchAll, { taskQueue, workflowId: 'catch-all' });
    expect(await handle.executeUpdate('anything', { args: [1, 'two'] })).toBe('anything(1, "two")');
    expect(await handle.executeUpdate('nothing')).toBe('nothing()');
    await handle.signal(close);
    expect(await handle.result()).toBe(2);
  });
});

describe('startUpdate and update handles', () => {
  it('startUpdate returns once ACCEPTED; result() waits for the handler, which awaits a timer and an activity', async () => {
    const handle = await env.client.workflow.start(reservations, { taskQueue, workflowId: 'reserve-start' });
    const update = await handle.startUpdate(reserve, {
      args: ['sku-1'],
      updateId: 'reserve-1',
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    expect(update.updateId).toBe('reserve-1');
    expect(update.workflowId).toBe('reserve-start');
    expect(update.workflowRunId).toBe(handle.firstExecutionRunId);
    const names = await eventNames(handle);
    expect(names).toContain('WorkflowExecutionUpdateAccepted');
    expect(names).not.toContain('WorkflowExecutionUpdateCompleted');
    const id = await update.result();
    expect(id).toMatch(/^sku-1-r\d+$/);
    expect(await handle.getUpdateHandle('reserve-1').result()).toBe(id);
    expect(await env.client.workflow.getUpdateHandle('reserve-1', 'reserve-start').result()).toBe(id);
    await handle.signal(close);
    expect(await handle.result()).toEqual([id]);
    const kept = (await eventNames(handle)).filter((name) => !name.startsWith('WorkflowTask'));
    expect(kept).toEqual([
      'WorkflowExecutionStarted',
      'WorkflowExecutionUpdateAccepted',
      'TimerStarted',
      'TimerFired',
      'ActivityTaskScheduled',
      'ActivityTaskStarted',
      'ActivityTaskCompleted',
      'WorkflowExecutionUpdateCompleted',
      'WorkflowExecutionSignaled',
      'WorkflowExecutionCompleted',
    ]);
  });

  it('a rejected startUpdate returns a handle whose result() throws WorkflowUpdateFailedError', async () => {
    const handle = await env.client.workflow.start(cart, { taskQueue, workflowId: 'cart-start-rejected' });
    const update = await handle.startUpdate(addItem, {
      args: [''],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    expect(await failureOf(update.result())).toBeInstanceOf(WorkflowUpdateFailedError);
    await handle.signal(checkout);
    await handle.result();
  });

  it('allHandlersFinished: a workflow asked to close waits for its running update handler before it returns', async () => {
    const handle = await env.client.workflow.start(reservations, { taskQueue, workflowId: 'reserve-drain' });
    const update = await handle.startUpdate(reserve, {
      args: ['sku-2'],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await handle.signal(close);
    const [reserved, id] = await Promise.all([handle.result(), update.result()]);
    expect(reserved).toEqual([id]);
  });

  it('a workflow that returns while a handler runs abandons the update: its caller gets a failure, the log a warning', async () => {
    const handle = await env.client.workflow.start(hastyReservations, {
      taskQueue,
      workflowId: 'reserve-hasty',
      args: [false],
    });
    const update = await handle.startUpdate(reserve, {
      args: ['sku-3'],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await handle.signal(close);
    expect(await handle.result()).toBe('closed');
    const err = await failureOf(update.result());
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err as Error).cause).toMatchObject({ type: 'AcceptedUpdateCompletedWorkflow' });
    const warning = logs.find((entry) => entry.message.includes('[UNFINISHED_HANDLERS]'));
    expect(warning?.level).toBe('WARN');
    expect(warning?.message).toContain('"reserve"');
    expect(warning?.meta?.workflowId).toBe('reserve-hasty');
  });

  it('HandlerUnfinishedPolicy.ABANDON abandons the handler without a warning', async () => {
    const handle = await env.client.workflow.start(hastyReservations, {
      taskQueue,
      workflowId: 'reserve-quiet',
      args: [true],
    });
    await handle.startUpdate(reserve, { args: ['sku-4'], waitForStage: WorkflowUpdateStage.ACCEPTED });
    await handle.signal(close);
    await handle.result();
    expect(logs.some((entry) => entry.meta?.workflowId === 'reserve-quiet')).toBe(false);
  });

  it('currentUpdateInfo() gives each running handler (and its validator) its own update id and name, across awaits', async () => {
    const handle = await env.client.workflow.start(introspective, { taskQueue, workflowId: 'introspective' });
    const slow = await handle.startUpdate(whoAmI, {
      args: [7_200_000],
      updateId: 'slow',
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    const fast = await handle.startUpdate(whoAmI, {
      args: [3_600_000],
      updateId: 'fast',
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    expect(await Promise.all([slow.result(), fast.result()])).toEqual([
      { id: 'slow', name: 'whoAmI' },
      { id: 'fast', name: 'whoAmI' },
    ]);
    await handle.signal(close);
    expect(await handle.result()).toBeUndefined();
  });
});
