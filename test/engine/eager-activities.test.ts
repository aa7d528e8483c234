import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/gen/strata/v1/command_pb.js';
import { TimeoutType } from '../../src/gen/strata/v1/common_pb.js';
import {
  PendingActivityState,
  type PollWorkflowTaskQueueResponse,
} from '../../src/gen/strata/v1/service_pb.js';
import {
  command,
  eventTypes,
  fromJson,
  history,
  json,
  pollActivityTask,
  pollWorkflowTask,
  startWorkflow,
  useTestServer,
  type WorkflowClient,
} from './helpers.js';

function schedule(
  activityId: string,
  options: {
    eager?: boolean;
    taskQueue?: string;
    startToCloseTimeoutMs?: number;
    scheduleToStartTimeoutMs?: number;
    heartbeatTimeoutMs?: number;
    maximumAttempts?: number;
  } = {},
): Command {
  return command({
    case: 'scheduleActivityTask',
    value: {
      activityId,
      activityType: { name: 'work' },
      taskQueue: options.taskQueue ?? '',
      input: json(activityId),
      startToCloseTimeoutMs: options.startToCloseTimeoutMs ?? 5000,
      scheduleToStartTimeoutMs: options.scheduleToStartTimeoutMs ?? 0,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 0,
      retryPolicy: { initialIntervalMs: 10, maximumAttempts: options.maximumAttempts ?? 0 },
      requestEagerExecution: options.eager ?? true,
    },
  });
}

/** RespondWorkflowTaskCompleted, returning the eager activity tasks of its response. */
async function complete(
  client: WorkflowClient,
  task: PollWorkflowTaskQueueResponse,
  commands: Command[],
  extra: { stickyTaskQueue?: string } = {},
) {
  const response = await client.respondWorkflowTaskCompleted({
    namespace: 'default',
    taskToken: task.taskToken,
    commands,
    identity: 'eager-worker',
    binaryChecksum: 'test-build',
    ...extra,
  });
  return response.activityTasks;
}

/** A poll that must come back empty (the server's long poll is short here). */
async function expectNoActivityTask(client: WorkflowClient, taskQueue: string): Promise<void> {
  const response = await client.pollActivityTaskQueue({
    namespace: 'default',
    taskQueue,
    identity: 'poller',
  });
  expect(response.taskToken.length).toBe(0);
}

describe('eager activity execution', () => {
  const t = useTestServer({ limits: { longPollTimeoutMs: 300 } });

  it('starts the activities that ask for it in the completing transaction and returns them; the others stay queued', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-eager', 'q-eager');
    const task = await pollWorkflowTask(client, 'q-eager');
    const eager = await complete(client, task, [
      schedule('a1', { heartbeatTimeoutMs: 2000 }),
      schedule('a2', { taskQueue: 'q-eager' }),
      schedule('a3', { eager: false }),
    ]);
    expect(eager.map((activity) => activity.activityId)).toEqual(['a1', 'a2']);
    const [first, second] = eager;
    expect(first).toMatchObject({
      attempt: 1,
      taskQueue: 'q-eager',
      workflowNamespace: 'default',
      workflowType: { name: 'TestWorkflow' },
      workflowExecution: { workflowId: 'wf-eager' },
      activityType: { name: 'work' },
      startToCloseTimeoutMs: 5000,
      heartbeatTimeoutMs: 2000,
    });
    expect(fromJson(first?.input)).toBe('a1');
    expect(first?.taskToken.length).toBeGreaterThan(0);
    expect(first?.startedTimeMs).toBeGreaterThanOrEqual(first?.scheduledTimeMs ?? Number.NaN);

    const described = await client.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: 'wf-eager' },
    });
    const states = Object.fromEntries(
      described.pendingActivities.map((activity) => [activity.activityId, activity.state]),
    );
    expect(states).toEqual({
      a1: PendingActivityState.STARTED,
      a2: PendingActivityState.STARTED,
      a3: PendingActivityState.SCHEDULED,
    });
    // Only the activity that did not ask is on the queue.
    const polled = await pollActivityTask(client, 'q-eager');
    expect(polled.activityId).toBe('a3');
    await expectNoActivityTask(client, 'q-eager');

    // The eager tokens are as good as polled ones.
    for (const activity of [first, second, polled]) {
      await client.respondActivityTaskCompleted({
        namespace: 'default',
        taskToken: activity?.taskToken ?? new Uint8Array(),
        result: json('done'),
        identity: 'eager-worker',
      });
    }
    const events = await history(client, 'wf-eager');
    const started = events.filter((event) => event.attributes.case === 'activityTaskStartedEventAttributes');
    expect(started.map((event) => event.attributes.value)).toEqual([
      expect.objectContaining({ identity: 'eager-worker', attempt: 1 }),
      expect.objectContaining({ identity: 'eager-worker', attempt: 1 }),
      expect.objectContaining({ identity: 'test-worker', attempt: 1 }),
    ]);
    expect(eventTypes(events).filter((type) => type === 'ACTIVITY_TASK_COMPLETED')).toHaveLength(3);
  });

  it('a workflow task from the sticky queue gets eager activities too (its worker polls the normal queue)', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-eager-sticky', 'q-eager-sticky');
    const first = await pollWorkflowTask(client, 'q-eager-sticky');
    await complete(client, first, [schedule('a1', { eager: false })], {
      stickyTaskQueue: 'q-eager-sticky/sticky/w1',
    });
    const a1 = await pollActivityTask(client, 'q-eager-sticky');
    await client.respondActivityTaskCompleted({ namespace: 'default', taskToken: a1.taskToken });
    const sticky = await pollWorkflowTask(client, 'q-eager-sticky/sticky/w1', true);
    const eager = await complete(client, sticky, [schedule('a2')], {
      stickyTaskQueue: 'q-eager-sticky/sticky/w1',
    });
    expect(eager.map((activity) => [activity.activityId, activity.taskQueue])).toEqual([
      ['a2', 'q-eager-sticky'],
    ]);
    await expectNoActivityTask(client, 'q-eager-sticky');
  });

  it('an activity for another task queue is queued there, even when it asks for eager execution', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-eager-other', 'q-eager-main');
    const task = await pollWorkflowTask(client, 'q-eager-main');
    const eager = await complete(client, task, [schedule('a1', { taskQueue: 'q-eager-other' })]);
    expect(eager).toEqual([]);
    const polled = await pollActivityTask(client, 'q-eager-other');
    expect(polled.activityId).toBe('a1');
  });

  it('a completion that also closes the run starts nothing eagerly', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-eager-close', 'q-eager-close');
    const task = await pollWorkflowTask(client, 'q-eager-close');
    const eager = await complete(client, task, [
      schedule('a1'),
      command({ case: 'completeWorkflowExecution', value: {} }),
    ]);
    expect(eager).toEqual([]);
    await expectNoActivityTask(client, 'q-eager-close');
  });

  it('an eager attempt the worker never runs times out after start-to-close and is retried through the queue', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-eager-lost', 'q-eager-lost');
    const task = await pollWorkflowTask(client, 'q-eager-lost');
    const [lost] = await complete(client, task, [
      schedule('a1', { startToCloseTimeoutMs: 200, maximumAttempts: 2 }),
    ]);
    expect(lost?.attempt).toBe(1);
    // The worker "died": nobody runs the eager attempt.
    const retried = await pollActivityTask(client, 'q-eager-lost');
    expect(retried.attempt).toBe(2);
    await expect(
      client.respondActivityTaskCompleted({ namespace: 'default', taskToken: lost?.taskToken }),
    ).rejects.toThrow(/\[TASK_NOT_FOUND\]/);
    await client.respondActivityTaskCompleted({
      namespace: 'default',
      taskToken: retried.taskToken,
      identity: 'poller',
    });
    const events = await history(client, 'wf-eager-lost');
    const started = events.find((event) => event.attributes.case === 'activityTaskStartedEventAttributes');
    const value =
      started?.attributes.case === 'activityTaskStartedEventAttributes'
        ? started.attributes.value
        : undefined;
    expect(value?.attempt).toBe(2);
    const info = value?.lastFailure?.failureInfo;
    expect(info?.case === 'timeoutFailureInfo' && info.value.timeoutType).toBe(TimeoutType.START_TO_CLOSE);
  });

  it('the schedule-to-start timeout of an eager activity is satisfied at once', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-eager-s2s', 'q-eager-s2s');
    const task = await pollWorkflowTask(client, 'q-eager-s2s');
    const [eager] = await complete(client, task, [schedule('a1', { scheduleToStartTimeoutMs: 50 })]);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await client.respondActivityTaskCompleted({
      namespace: 'default',
      taskToken: eager?.taskToken,
      result: json('late but fine'),
    });
    const events = await history(client, 'wf-eager-s2s');
    expect(eventTypes(events)).toContain('ACTIVITY_TASK_COMPLETED');
    expect(eventTypes(events)).not.toContain('ACTIVITY_TASK_TIMED_OUT');
  });
});
