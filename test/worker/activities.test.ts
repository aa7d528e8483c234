import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '../../src/client/index.js';
import { valuesToPayloads } from '../../src/common/payload-proto.js';
import * as activities from '../fixtures/worker-activities.js';
import {
  asyncCompletionWorkflow,
  cancellableWorkflow,
  concurrentActivities,
  describeActivity,
  greetWorkflow,
  localTimeoutWorkflow,
  notSerializableWorkflow,
  resumeWorkflow,
  typeErrorWorkflow,
  unknownActivityWorkflow,
} from '../fixtures/worker-workflows.js';
import { createFixtureWorker, useTestServer, waitFor } from './harness.js';

const t = useTestServer();

/** The ApplicationFailure at the bottom of a failed workflow: workflow failure > ActivityFailure > cause. */
function activityCause(error: unknown): ApplicationFailure {
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const activityFailure = (error as WorkflowFailedError).cause;
  expect(activityFailure).toBeInstanceOf(ActivityFailure);
  const cause = (activityFailure as ActivityFailure).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('activities on a real server', () => {
  it('Context.current().info describes the attempt and its workflow', async () => {
    const taskQueue = `info-${randomUUID()}`;
    const workflowId = `info-${randomUUID()}`;
    const worker = await createFixtureWorker(t.connection, taskQueue);
    const info = await worker.runUntil(
      t.client.workflow.execute(describeActivity, { taskQueue, workflowId }),
    );
    expect(info).toMatchObject({
      activityType: 'describeSelf',
      activityNamespace: 'default',
      attempt: 1,
      isLocal: false,
      workflowType: 'describeActivity',
      workflowNamespace: 'default',
      taskQueue,
      startToCloseTimeoutMs: 10_000,
      workflowExecution: { workflowId },
    });
    expect(typeof info.activityId).toBe('string');
    expect(info.scheduledTimestampMs).toBeGreaterThan(Date.now() - 60_000);
    expect(info.heartbeatDetails).toBeUndefined();
  });

  it('heartbeat details of a failed attempt reach the next attempt', async () => {
    const taskQueue = `resume-${randomUUID()}`;
    const worker = await createFixtureWorker(t.connection, taskQueue);
    const result = await worker.runUntil(
      t.client.workflow.execute(resumeWorkflow, { taskQueue, workflowId: `resume-${randomUUID()}` }),
    );
    expect(result).toEqual({ attempt: 2, heartbeatDetails: { processed: 42 } });
  });

  it("cancelling the workflow aborts its running activity's signal", async () => {
    const taskQueue = `cancel-${randomUUID()}`;
    const worker = await createFixtureWorker(t.connection, taskQueue);
    activities.observed.cancellationReasons.length = 0;
    await worker.runUntil(async () => {
      const handle = await t.client.workflow.start(cancellableWorkflow, {
        taskQueue,
        workflowId: `cancel-${randomUUID()}`,
      });
      await waitFor(async () => (await handle.describe()).pendingActivities[0]?.state === 'STARTED');
      await handle.cancel();
      await waitFor(async () => activities.observed.cancellationReasons.length > 0);
    });
    // The workflow closes as cancelled in the same task that requests the activity's cancel, so the
    // heartbeat may find the attempt gone (NOT_FOUND) rather than see cancel_requested.
    expect(['CANCELLED', 'NOT_FOUND']).toContain(activities.observed.cancellationReasons[0]);
  });

  it('an attempt past its start-to-close timeout is aborted locally with reason TIMED_OUT', async () => {
    const taskQueue = `timeout-${randomUUID()}`;
    const worker = await createFixtureWorker(t.connection, taskQueue);
    activities.observed.cancellationReasons.length = 0;
    const error = await worker
      .runUntil(t.client.workflow.execute(localTimeoutWorkflow, { taskQueue, workflowId: taskQueue }))
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(activities.observed.cancellationReasons).toEqual(['TIMED_OUT']);
  });

  it('an unknown activity type fails with a non-retryable NotFoundError naming the registered activities', async () => {
    const taskQueue = `unknown-${randomUUID()}`;
    const worker = await createFixtureWorker(t.connection, taskQueue);
    const error = await worker
      .runUntil(
        t.client.workflow.execute(unknownActivityWorkflow, {
          taskQueue,
          workflowId: `unknown-${randomUUID()}`,
        }),
      )
      .catch((err: unknown) => err);
    const cause = activityCause(error);
    expect(cause.type).toBe('NotFoundError');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toMatch(/"notRegistered" is not registered .* available activities: \[.*"greet"/);
  });

  it('a result JSON cannot hold fails the attempt with [NOT_SERIALIZABLE]', async () => {
    const taskQueue = `serial-${randomUUID()}`;
    const worker = await createFixtureWorker(t.connection, taskQueue);
    const error = await worker
      .runUntil(
        t.client.workflow.execute(notSerializableWorkflow, {
          taskQueue,
          workflowId: `serial-${randomUUID()}`,
        }),
      )
      .catch((err: unknown) => err);
    const cause = activityCause(error);
    expect(cause.type).toBe('DataConverterError');
    expect(cause.message).toMatch(/^\[NOT_SERIALIZABLE\] the result of activity "returnsFunction"/);
  });

  it('a thrown Error travels with its name as the failure type', async () => {
    const taskQueue = `error-${randomUUID()}`;
    const worker = await createFixtureWorker(t.connection, taskQueue);
    const error = await worker
      .runUntil(
        t.client.workflow.execute(typeErrorWorkflow, { taskQueue, workflowId: `error-${randomUUID()}` }),
      )
      .catch((err: unknown) => err);
    const cause = activityCause(error);
    expect(cause.type).toBe('TypeError');
    expect(cause.message).toBe('bad input');
  });

  it('runs at most maxConcurrentActivityTaskExecutions attempts at once', async () => {
    const taskQueue = `concurrency-${randomUUID()}`;
    const worker = await createFixtureWorker(t.connection, taskQueue, {
      maxConcurrentActivityTaskExecutions: 2,
    });
    activities.observed.maxRunning = 0;
    await worker.runUntil(
      t.client.workflow.execute(concurrentActivities, { taskQueue, workflowId: taskQueue, args: [6, 100] }),
    );
    expect(activities.observed.maxRunning).toBe(2);
  });

  it('an activity that throws CompleteAsyncError is completed later with its task token', async () => {
    const taskQueue = `async-${randomUUID()}`;
    const worker = await createFixtureWorker(t.connection, taskQueue);
    activities.observed.asyncTaskTokens.length = 0;
    const result = await worker.runUntil(async () => {
      const handle = await t.client.workflow.start(asyncCompletionWorkflow, {
        taskQueue,
        workflowId: taskQueue,
      });
      await waitFor(() => activities.observed.asyncTaskTokens.length > 0);
      const taskToken = activities.observed.asyncTaskTokens[0]!;
      await t.connection.workflowService.respondActivityTaskCompleted({
        namespace: 'default',
        taskToken,
        result: valuesToPayloads(['done later']),
      });
      return handle.result();
    });
    expect(result).toBe('done later');
  });

  it('runUntil resolves with the value and leaves the worker STOPPED', async () => {
    const taskQueue = `run-until-${randomUUID()}`;
    const worker = await createFixtureWorker(t.connection, taskQueue);
    const result = await worker.runUntil(
      t.client.workflow.execute(greetWorkflow, {
        taskQueue,
        workflowId: `greet-${randomUUID()}`,
        args: ['Ada'],
      }),
    );
    expect(result).toBe('Hello, Ada!');
    expect(worker.getState()).toBe('STOPPED');
  });
});
