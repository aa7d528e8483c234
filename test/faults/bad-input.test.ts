import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ActivityFailure, ServerFailure, WorkflowFailedError } from '../../src/client/index.js';
import { WorkflowTaskFailedCause } from '../../src/gen/strata/v1/history_pb.js';
import { useTestServer } from '../worker/harness.js';
import * as activities from './fixtures/activities.js';
import { callHugeResultActivity, returnBigInt, returnHugeString } from './fixtures/workflows.js';
import { waitFor } from './processes.js';

const workflowsPath = fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url));
const MiB = 1024 * 1024;

const taskQueue = `bad-input-${randomUUID()}`;
const t = useTestServer({ worker: { taskQueue, workflowsPath, activities, shutdownSignals: [] } });

async function countByWorkflowId(workflowId: string): Promise<number> {
  return (await t.client.workflow.count(`WorkflowId = "${workflowId}"`)).count;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

/** Waits for the workflow's task to fail, and returns the failure `describe` shows and the causes in history. */
async function workflowTaskFailure(workflowId: string): Promise<{ message: string; causes: number[] }> {
  const handle = t.client.workflow.getHandle(workflowId);
  const failure = await waitFor('a failed workflow task', async () => {
    return (await handle.describe()).pendingWorkflowTask?.lastFailure;
  });
  const history = await handle.fetchHistory();
  const causes = history.events.flatMap((e) =>
    e.attributes.case === 'workflowTaskFailedEventAttributes' ? [e.attributes.value.cause] : [],
  );
  expect((await handle.describe()).status.name).toBe('RUNNING');
  return { message: failure.message, causes };
}

describe('values JSON cannot hold', () => {
  it('a function argument is refused by the client with [NOT_SERIALIZABLE] naming the argument; nothing starts', async () => {
    const workflowId = `fn-arg-${randomUUID()}`;
    const error = await rejection(
      t.client.workflow.start('greet', { taskQueue, workflowId, args: ['Ada', () => 'not data'] }),
    );
    expect(error.message).toMatch(/^\[NOT_SERIALIZABLE\] workflow "greet" argument 2 cannot be converted/);
    expect(error.message).toContain('is a function');
    expect(await countByWorkflowId(workflowId)).toBe(0);
  });

  it('a BigInt argument is refused by the client with [NOT_SERIALIZABLE] naming the argument; nothing starts', async () => {
    const workflowId = `bigint-arg-${randomUUID()}`;
    const error = await rejection(t.client.workflow.start('greet', { taskQueue, workflowId, args: [12n] }));
    expect(error.message).toMatch(/^\[NOT_SERIALIZABLE\] workflow "greet" argument 1 cannot be converted/);
    expect(error.message).toMatch(/BigInt/);
    expect(await countByWorkflowId(workflowId)).toBe(0);
  });

  it('a workflow returning a BigInt fails its workflow task with [NOT_SERIALIZABLE] and stays open', async () => {
    const workflowId = `bigint-result-${randomUUID()}`;
    await t.client.workflow.start(returnBigInt, { taskQueue, workflowId });
    const { message } = await workflowTaskFailure(workflowId);
    expect(message).toMatch(/\[NOT_SERIALIZABLE\]/);
    expect(message).toMatch(/BigInt/);
    await t.client.workflow.getHandle(workflowId).terminate('test done');
  });
});

describe('payloads over the 2 MiB limit', () => {
  it('a 3 MiB argument is refused with [PAYLOAD_TOO_LARGE] naming the limit; nothing starts', async () => {
    const workflowId = `huge-arg-${randomUUID()}`;
    const error = await rejection(
      t.client.workflow.start('greet', { taskQueue, workflowId, args: ['x'.repeat(3 * MiB)] }),
    );
    expect(error.message).toContain('[PAYLOAD_TOO_LARGE]');
    expect(error.message).toContain('input');
    expect(error.message).toContain('2 MiB');
    expect(await countByWorkflowId(workflowId)).toBe(0);
  });

  it('an activity returning 3 MiB: the server fails the attempt at once, non-retryably, with a ServerFailure naming the limit', async () => {
    const key = randomUUID();
    const startedMs = Date.now();
    const error = await rejection(
      t.client.workflow.execute(callHugeResultActivity, {
        taskQueue,
        workflowId: `huge-activity-result-${key}`,
        args: [key, 3 * MiB],
      }),
    );
    // Not left to time out (start-to-close is 10 s), and not retried although the policy allows 2 attempts.
    expect(Date.now() - startedMs).toBeLessThan(5_000);
    expect(activities.attemptsSeen[key]).toEqual([1]);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (error as WorkflowFailedError).cause;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    const cause = (activityFailure as ActivityFailure).cause;
    expect(cause).toBeInstanceOf(ServerFailure);
    expect(cause?.message).toMatch(
      /^\[PAYLOAD_TOO_LARGE\] the activity result holds a payload of \d+ bytes, over the limit 2 MiB/,
    );
  });

  it('a workflow returning 3 MiB fails its workflow task with cause PAYLOAD_TOO_LARGE and stays open', async () => {
    const workflowId = `huge-result-${randomUUID()}`;
    await t.client.workflow.start(returnHugeString, { taskQueue, workflowId, args: [3 * MiB] });
    const { message, causes } = await workflowTaskFailure(workflowId);
    expect(causes).toContain(WorkflowTaskFailedCause.PAYLOAD_TOO_LARGE);
    expect(message).toContain('[PAYLOAD_TOO_LARGE]');
    expect(message).toContain('2 MiB');
    await t.client.workflow.getHandle(workflowId).terminate('test done');
  });
});
