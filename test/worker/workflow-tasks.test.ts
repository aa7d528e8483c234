import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { bundleWorkflowCode, DeterminismViolationError, Worker } from '../../src/worker/index.js';
import * as activities from '../fixtures/worker-activities.js';
import {
  approvalWorkflow,
  approve,
  buggyWorkflow,
  greetWorkflow,
  status,
} from '../fixtures/worker-workflows.js';
import { createFixtureWorker, useTestServer, waitFor } from './harness.js';

const workflowsPath = fileURLToPath(new URL('../fixtures/worker-workflows.ts', import.meta.url));

const t = useTestServer();

it('answers queries, delivers signals, and keeps a run on its sticky queue with the bundle hash', async () => {
  const taskQueue = `sticky-${randomUUID()}`;
  const worker = await createFixtureWorker(t.connection, taskQueue);
  expect(worker.stickyQueue).toMatch(new RegExp(`^${taskQueue}/sticky/${process.pid}@.+-[0-9a-f-]{36}$`));
  const handle = await t.client.workflow.start(approvalWorkflow, { taskQueue, workflowId: taskQueue });
  const result = await worker.runUntil(async () => {
    expect(await handle.query(status)).toBe('waiting');
    await handle.signal(approve, 'Grace');
    return handle.result();
  });
  expect(result).toBe('Hello, Grace!');

  const history = await handle.fetchHistory();
  const taskQueues = history.events.flatMap((event) =>
    event.attributes.case === 'workflowTaskScheduledEventAttributes'
      ? [event.attributes.value.taskQueue]
      : [],
  );
  expect(taskQueues[0]).toBe(taskQueue);
  expect(taskQueues.slice(1)).toContain(worker.stickyQueue);
  const description = await handle.describe();
  expect(description.raw.workflowExecutionInfo?.lastBinaryChecksum).toMatch(/^[0-9a-f]{64}$/);
});

it('with maxCachedWorkflows 0 there is no sticky queue and every task replays from the normal queue', async () => {
  const taskQueue = `no-cache-${randomUUID()}`;
  const worker = await createFixtureWorker(t.connection, taskQueue, { maxCachedWorkflows: 0 });
  expect(worker.stickyQueue).toBeUndefined();
  const handle = await t.client.workflow.start(approvalWorkflow, { taskQueue, workflowId: taskQueue });
  const result = await worker.runUntil(async () => {
    expect(await handle.query(status)).toBe('waiting');
    await handle.signal(approve, 'Linus');
    return handle.result();
  });
  expect(result).toBe('Hello, Linus!');
  const history = await handle.fetchHistory();
  for (const event of history.events) {
    if (event.attributes.case === 'workflowTaskScheduledEventAttributes') {
      expect(event.attributes.value.taskQueue).toBe(taskQueue);
    }
  }
});

it('runs a bundle built ahead of time with bundleWorkflowCode', async () => {
  const taskQueue = `bundle-${randomUUID()}`;
  const workflowBundle = await bundleWorkflowCode({ workflowsPath });
  const worker = await Worker.create({
    connection: t.connection,
    taskQueue,
    workflowBundle,
    activities,
    shutdownSignals: [],
  });
  const handle = await t.client.workflow.start(greetWorkflow, {
    taskQueue,
    workflowId: taskQueue,
    args: ['Ken'],
  });
  expect(await worker.runUntil(handle.result())).toBe('Hello, Ken!');
  const description = await handle.describe();
  expect(description.raw.workflowExecutionInfo?.lastBinaryChecksum).toBe(workflowBundle.hash);
});

it('R3: a workflow task that throws a bug is answered with RespondWorkflowTaskFailed; the workflow stays open', async () => {
  const taskQueue = `bug-${randomUUID()}`;
  const worker = await createFixtureWorker(t.connection, taskQueue);
  const handle = await t.client.workflow.start(buggyWorkflow, { taskQueue, workflowId: taskQueue });
  const description = await worker.runUntil(async () => {
    await waitFor(async () => (await handle.describe()).pendingWorkflowTask?.lastFailure !== undefined);
    return handle.describe();
  });
  expect(description.status.name).toBe('RUNNING');
  expect(description.pendingWorkflowTask?.lastFailure?.message).toContain(
    'undefined is not a function (a bug)',
  );
  await handle.terminate();
});

it('R7: Worker.runReplayHistory replays a recorded history; runReplayHistories reports a non-determinism', async () => {
  const taskQueue = `replay-${randomUUID()}`;
  const worker = await createFixtureWorker(t.connection, taskQueue);
  const handle = await t.client.workflow.start(greetWorkflow, {
    taskQueue,
    workflowId: taskQueue,
    args: ['Alan'],
  });
  await worker.runUntil(handle.result());
  const history = await handle.fetchHistory();
  await expect(Worker.runReplayHistory({ workflowsPath }, history)).resolves.toBeUndefined();

  const changedWorkflows = fileURLToPath(new URL('../fixtures/worker-workflows-changed.ts', import.meta.url));
  const results = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath: changedWorkflows }, [
    { workflowId: taskQueue, history },
  ])) {
    results.push(result);
  }
  expect(results).toHaveLength(1);
  expect(results[0]?.error).toBeInstanceOf(DeterminismViolationError);
  expect(results[0]?.error?.message).toMatch(/^\[NDE\]/);
});
