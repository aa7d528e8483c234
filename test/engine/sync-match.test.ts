import { create } from '@bufbuild/protobuf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { CommandSchema } from '../../src/gen/strata/v1/command_pb.js';
import * as S from '../../src/gen/strata/v1/service_pb.js';
import type { Store, StoreTransaction } from '../../src/store/store.js';
import { createTestStore, eventTypes } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('sync match: a task scheduled while a poll waits in this process', () => {
  let store: Store;
  let engine: Engine;
  let transactions = 0;
  let afterEachTransaction: (() => void) | undefined;

  beforeEach(async () => {
    store = await createTestStore();
    const transaction = store.transaction.bind(store);
    transactions = 0;
    afterEachTransaction = undefined;
    store.transaction = <T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> => {
      transactions += 1;
      return transaction(async (tx) => {
        const value = await fn(tx);
        afterEachTransaction?.();
        return value;
      });
    };
    engine = new Engine({ store, limits: { longPollTimeoutMs: 5_000 } });
  });

  afterEach(async () => {
    await engine.close();
    await store.close();
  });

  const start = (workflowId: string, taskQueue: string, workflowTaskTimeoutMs?: number) =>
    engine.startWorkflowExecution(
      create(S.StartWorkflowExecutionRequestSchema, {
        namespace: 'default',
        workflowId,
        workflowType: { name: 'W' },
        taskQueue,
        requestId: `${workflowId}-request`,
        ...(workflowTaskTimeoutMs ? { workflowTaskTimeoutMs } : {}),
      }),
    );
  const poll = (taskQueue: string, signal?: AbortSignal) =>
    engine.pollWorkflowTaskQueue(
      create(S.PollWorkflowTaskQueueRequestSchema, { namespace: 'default', taskQueue, identity: 'poller' }),
      { signal },
    );

  it('starts the task in the scheduling transaction: no claim transaction after it', async () => {
    const polled = poll('q-sync');
    await sleep(30); // the poll found nothing and waits
    const before = transactions;
    await start('wf-sync', 'q-sync');
    const task = await polled;
    expect(transactions - before).toBe(1);
    expect(task.attempt).toBe(1);
    expect(eventTypes(task.history?.events ?? [])).toEqual([
      'WORKFLOW_EXECUTION_STARTED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
    ]);
    // The activity task goes the same way to a waiting activity poll.
    const activityPoll = engine.pollActivityTaskQueue(
      create(S.PollActivityTaskQueueRequestSchema, {
        namespace: 'default',
        taskQueue: 'q-sync',
        identity: 'a',
      }),
    );
    await sleep(30);
    const beforeCompletion = transactions;
    await engine.respondWorkflowTaskCompleted(
      create(S.RespondWorkflowTaskCompletedRequestSchema, {
        namespace: 'default',
        taskToken: task.taskToken,
        commands: [
          create(CommandSchema, {
            attributes: {
              case: 'scheduleActivityTask',
              value: { activityId: '1', activityType: { name: 'a' }, startToCloseTimeoutMs: 10_000 },
            },
          }),
        ],
      }),
    );
    const activity = await activityPoll;
    expect(transactions - beforeCompletion).toBe(1);
    expect(activity.activityId).toBe('1');
  });

  it('a poll that went away before the task was scheduled leaves it in the queue', async () => {
    const controller = new AbortController();
    const gone = poll('q-gone', controller.signal);
    await sleep(30);
    controller.abort();
    expect((await gone).taskToken.length).toBe(0);
    await start('wf-gone', 'q-gone');
    const task = await poll('q-gone');
    expect(task.attempt).toBe(1);
    expect(task.taskToken.length).toBeGreaterThan(0);
  });

  it('a poll that goes away once taken: the started task times out and is retried', async () => {
    const controller = new AbortController();
    const taken = poll('q-lost', controller.signal);
    await sleep(30);
    afterEachTransaction = () => controller.abort();
    await start('wf-lost', 'q-lost', 150);
    afterEachTransaction = undefined;
    // The engine answered the poll (its caller is gone, so the answer is lost) ...
    expect((await taken).attempt).toBe(1);
    // ... and the start times out and the task is retried.
    const retried = await poll('q-lost');
    expect(retried.attempt).toBe(2);
    expect(eventTypes(retried.history?.events ?? [])).toContain('WORKFLOW_TASK_TIMED_OUT');
  });

  it('a sticky poll gets only the new events', async () => {
    await start('wf-sticky', 'q-normal');
    const first = await poll('q-normal');
    await engine.respondWorkflowTaskCompleted(
      create(S.RespondWorkflowTaskCompletedRequestSchema, {
        namespace: 'default',
        taskToken: first.taskToken,
        commands: [],
        stickyTaskQueue: 'q-sticky',
        stickyScheduleToStartTimeoutMs: 5_000,
      }),
    );
    const sticky = poll('q-sticky');
    await sleep(30);
    const before = transactions;
    await engine.signalWorkflowExecution(
      create(S.SignalWorkflowExecutionRequestSchema, {
        namespace: 'default',
        workflowExecution: { workflowId: 'wf-sticky' },
        signalName: 's',
        requestId: 'signal-1',
      }),
    );
    const task = await sticky;
    expect(transactions - before).toBe(1);
    expect(eventTypes(task.history?.events ?? [])).toEqual([
      'WORKFLOW_TASK_COMPLETED',
      'WORKFLOW_EXECUTION_SIGNALED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
    ]);
  });
});
