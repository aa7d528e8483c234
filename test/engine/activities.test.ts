import { describe, expect, it } from 'vitest';
import { RetryState, TimeoutType } from '../../src/gen/strata/v1/common_pb.js';
import type { HistoryEvent } from '../../src/gen/strata/v1/history_pb.js';
import {
  command,
  completeWorkflowTask,
  eventTypes,
  fromJson,
  json,
  pollActivityTask,
  pollWorkflowTask,
  startWorkflow,
  type TestServer,
  useTestServer,
} from './helpers.js';

async function scheduleOne(
  t: TestServer,
  workflowId: string,
  queue: string,
  options: {
    startToCloseTimeoutMs?: number;
    scheduleToStartTimeoutMs?: number;
    heartbeatTimeoutMs?: number;
    maximumAttempts?: number;
    initialIntervalMs?: number;
  },
): Promise<void> {
  await startWorkflow(t.client, workflowId, queue);
  const task = await pollWorkflowTask(t.client, queue);
  await completeWorkflowTask(t.client, task, [
    command({
      case: 'scheduleActivityTask',
      value: {
        activityId: 'a1',
        activityType: { name: 'work' },
        startToCloseTimeoutMs: options.startToCloseTimeoutMs ?? 5000,
        scheduleToStartTimeoutMs: options.scheduleToStartTimeoutMs ?? 0,
        heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 0,
        retryPolicy: {
          initialIntervalMs: options.initialIntervalMs ?? 50,
          backoffCoefficient: 2,
          maximumAttempts: options.maximumAttempts ?? 0,
        },
      },
    }),
  ]);
}

function last(
  events: HistoryEvent[] | undefined,
  caseName: HistoryEvent['attributes']['case'],
): HistoryEvent {
  const found = [...(events ?? [])].reverse().find((event) => event.attributes.case === caseName);
  if (!found) throw new Error(`no ${caseName} in history`);
  return found;
}

describe('activities', () => {
  const t = useTestServer();

  it('a failing activity is retried with backoff, then ActivityTaskFailed reports attempts exhausted', async () => {
    const { client } = t;
    await scheduleOne(t, 'wf-retry', 'q-retry', { maximumAttempts: 3, initialIntervalMs: 100 });
    const startedAt: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const task = await pollActivityTask(client, 'q-retry');
      startedAt.push(Date.now());
      expect(task.attempt).toBe(attempt);
      await client.respondActivityTaskFailed({
        namespace: 'default',
        taskToken: task.taskToken,
        failure: {
          message: `boom ${attempt}`,
          failureInfo: { case: 'applicationFailureInfo', value: { type: 'Boom' } },
        },
      });
    }
    // Backoff 100 ms then 200 ms.
    expect((startedAt[1] ?? 0) - (startedAt[0] ?? 0)).toBeGreaterThanOrEqual(90);
    expect((startedAt[2] ?? 0) - (startedAt[1] ?? 0)).toBeGreaterThanOrEqual(190);
    const wft = await pollWorkflowTask(client, 'q-retry');
    const types = eventTypes(wft.history?.events ?? []);
    expect(types.filter((type) => type === 'ACTIVITY_TASK_STARTED')).toHaveLength(1);
    const failed = last(wft.history?.events, 'activityTaskFailedEventAttributes');
    if (failed.attributes.case === 'activityTaskFailedEventAttributes') {
      expect(failed.attributes.value.retryState).toBe(RetryState.MAXIMUM_ATTEMPTS_REACHED);
      expect(failed.attributes.value.failure?.message).toBe('boom 3');
    }
    const started = last(wft.history?.events, 'activityTaskStartedEventAttributes');
    if (started.attributes.case === 'activityTaskStartedEventAttributes') {
      expect(started.attributes.value.attempt).toBe(3);
      expect(started.attributes.value.lastFailure?.message).toBe('boom 2');
    }
  });

  it('a non-retryable failure closes the activity on the first attempt', async () => {
    const { client } = t;
    await scheduleOne(t, 'wf-nonretry', 'q-nonretry', {});
    const task = await pollActivityTask(client, 'q-nonretry');
    await client.respondActivityTaskFailed({
      namespace: 'default',
      taskToken: task.taskToken,
      failure: {
        message: 'bad input',
        failureInfo: { case: 'applicationFailureInfo', value: { nonRetryable: true } },
      },
    });
    const wft = await pollWorkflowTask(client, 'q-nonretry');
    const failed = last(wft.history?.events, 'activityTaskFailedEventAttributes');
    expect(failed.attributes.value).toMatchObject({ retryState: RetryState.NON_RETRYABLE_FAILURE });
  });

  it('a heartbeat timeout retries the activity and hands the last heartbeat details to the next attempt', async () => {
    const { client } = t;
    await scheduleOne(t, 'wf-heartbeat', 'q-heartbeat', { heartbeatTimeoutMs: 200, maximumAttempts: 2 });
    const first = await pollActivityTask(client, 'q-heartbeat');
    const response = await client.recordActivityTaskHeartbeat({
      namespace: 'default',
      taskToken: first.taskToken,
      details: json({ progress: 42 }),
    });
    expect(response.cancelRequested).toBe(false);
    // No more heartbeats: the attempt times out and is retried.
    const second = await pollActivityTask(client, 'q-heartbeat');
    expect(second.attempt).toBe(2);
    expect(fromJson(second.heartbeatDetails)).toEqual({ progress: 42 });
    // The timed-out attempt's token is stale now.
    await expect(
      client.respondActivityTaskCompleted({ namespace: 'default', taskToken: first.taskToken }),
    ).rejects.toThrow(/\[TASK_NOT_FOUND\]/);
    const described = await client.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: 'wf-heartbeat' },
    });
    const pending = described.pendingActivities[0];
    expect(pending?.attempt).toBe(2);
    expect(pending?.lastFailure?.failureInfo.case).toBe('timeoutFailureInfo');
    // The second attempt times out too: attempts are exhausted.
    const wft = await pollWorkflowTask(client, 'q-heartbeat');
    const timedOut = last(wft.history?.events, 'activityTaskTimedOutEventAttributes');
    if (timedOut.attributes.case === 'activityTaskTimedOutEventAttributes') {
      const info = timedOut.attributes.value.failure?.failureInfo;
      expect(info?.case === 'timeoutFailureInfo' && info.value.timeoutType).toBe(TimeoutType.HEARTBEAT);
      expect(timedOut.attributes.value.retryState).toBe(RetryState.MAXIMUM_ATTEMPTS_REACHED);
    }
  });

  it('a start-to-close timeout is retried like a failure', async () => {
    const { client } = t;
    await scheduleOne(t, 'wf-stc', 'q-stc', { startToCloseTimeoutMs: 150, maximumAttempts: 2 });
    const first = await pollActivityTask(client, 'q-stc');
    const second = await pollActivityTask(client, 'q-stc');
    expect(second.attempt).toBe(2);
    await expect(
      client.respondActivityTaskCompleted({ namespace: 'default', taskToken: first.taskToken }),
    ).rejects.toThrow(/\[TASK_NOT_FOUND\]/);
    await client.respondActivityTaskCompleted({
      namespace: 'default',
      taskToken: second.taskToken,
      result: json('ok'),
    });
    const wft = await pollWorkflowTask(client, 'q-stc');
    const started = last(wft.history?.events, 'activityTaskStartedEventAttributes');
    const info =
      started.attributes.case === 'activityTaskStartedEventAttributes' ? started.attributes.value : undefined;
    expect(info?.attempt).toBe(2);
    expect(info?.lastFailure?.failureInfo.case).toBe('timeoutFailureInfo');
    expect(eventTypes(wft.history?.events ?? [])).toContain('ACTIVITY_TASK_COMPLETED');
  });

  it('a schedule-to-close timeout ends the activity for good, even mid-retry', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-s2c', 'q-s2c');
    const task = await pollWorkflowTask(client, 'q-s2c');
    await completeWorkflowTask(client, task, [
      command({
        case: 'scheduleActivityTask',
        value: {
          activityId: 'a1',
          activityType: { name: 'work' },
          scheduleToCloseTimeoutMs: 300,
          retryPolicy: { initialIntervalMs: 100, backoffCoefficient: 1 },
        },
      }),
    ]);
    const first = await pollActivityTask(client, 'q-s2c');
    expect(first.startToCloseTimeoutMs).toBe(300);
    await client.respondActivityTaskFailed({
      namespace: 'default',
      taskToken: first.taskToken,
      failure: { message: 'x' },
    });
    const wft = await pollWorkflowTask(client, 'q-s2c');
    const timedOut = last(wft.history?.events, 'activityTaskTimedOutEventAttributes');
    if (timedOut.attributes.case === 'activityTaskTimedOutEventAttributes') {
      const failureInfo = timedOut.attributes.value.failure?.failureInfo;
      expect(failureInfo?.case === 'timeoutFailureInfo' && failureInfo.value.timeoutType).toBe(
        TimeoutType.SCHEDULE_TO_CLOSE,
      );
    }
  });

  it('a schedule-to-start timeout is final and not retried', async () => {
    const { client } = t;
    await scheduleOne(t, 'wf-s2s', 'q-s2s', { scheduleToStartTimeoutMs: 100 });
    const wft = await pollWorkflowTask(client, 'q-s2s');
    const types = eventTypes(wft.history?.events ?? []);
    expect(types).not.toContain('ACTIVITY_TASK_STARTED');
    const timedOut = last(wft.history?.events, 'activityTaskTimedOutEventAttributes');
    if (timedOut.attributes.case === 'activityTaskTimedOutEventAttributes') {
      const info = timedOut.attributes.value.failure?.failureInfo;
      expect(info?.case === 'timeoutFailureInfo' && info.value.timeoutType).toBe(
        TimeoutType.SCHEDULE_TO_START,
      );
    }
    const described = await client.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: 'wf-s2s' },
    });
    expect(described.pendingActivities).toHaveLength(0);
  });

  it('cancel of a running activity is reported through heartbeats; the activity then reports canceled', async () => {
    const { client } = t;
    await scheduleOne(t, 'wf-act-cancel', 'q-act-cancel', {});
    const activity = await pollActivityTask(client, 'q-act-cancel');
    await client.signalWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'wf-act-cancel' },
      signalName: 'stop',
    });
    const wft = await pollWorkflowTask(client, 'q-act-cancel');
    const scheduled = last(wft.history?.events, 'activityTaskScheduledEventAttributes');
    await completeWorkflowTask(client, wft, [
      command({ case: 'requestCancelActivityTask', value: { scheduledEventId: scheduled.eventId } }),
    ]);
    const heartbeat = await client.recordActivityTaskHeartbeat({
      namespace: 'default',
      taskToken: activity.taskToken,
    });
    expect(heartbeat.cancelRequested).toBe(true);
    await client.respondActivityTaskCanceled({ namespace: 'default', taskToken: activity.taskToken });
    const next = await pollWorkflowTask(client, 'q-act-cancel');
    expect(eventTypes(next.history?.events ?? []).slice(-5)).toEqual([
      'ACTIVITY_TASK_CANCEL_REQUESTED',
      'ACTIVITY_TASK_STARTED',
      'ACTIVITY_TASK_CANCELED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
    ]);
  });

  it('cancel of an activity no worker has picked up cancels it at once', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-act-cancel-now', 'q-act-cancel-now');
    const task = await pollWorkflowTask(client, 'q-act-cancel-now');
    await completeWorkflowTask(client, task, [
      command({
        case: 'scheduleActivityTask',
        value: {
          activityId: 'x',
          activityType: { name: 'work' },
          taskQueue: 'q-nobody-polls',
          startToCloseTimeoutMs: 1000,
        },
      }),
    ]);
    await client.signalWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'wf-act-cancel-now' },
      signalName: 'stop',
    });
    const second = await pollWorkflowTask(client, 'q-act-cancel-now');
    const scheduled = last(second.history?.events, 'activityTaskScheduledEventAttributes');
    await completeWorkflowTask(client, second, [
      command({ case: 'requestCancelActivityTask', value: { scheduledEventId: scheduled.eventId } }),
    ]);
    const next = await pollWorkflowTask(client, 'q-act-cancel-now');
    expect(eventTypes(next.history?.events ?? []).slice(-5)).toEqual([
      'WORKFLOW_TASK_COMPLETED',
      'ACTIVITY_TASK_CANCEL_REQUESTED',
      'ACTIVITY_TASK_CANCELED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
    ]);
  });
});
