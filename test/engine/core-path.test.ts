import { describe, expect, it } from 'vitest';
import { WorkflowExecutionStatus } from '../../src/gen/strata/v1/common_pb.js';
import {
  command,
  completeWorkflowTask,
  eventTypes,
  fromJson,
  history,
  json,
  pollActivityTask,
  pollWorkflowTask,
  startWorkflow,
  useTestServer,
  waitForClose,
} from './helpers.js';

describe('core path', () => {
  const t = useTestServer({}, 'each');

  it('runs start -> workflow task -> activity -> workflow task -> complete, with gapless history', async () => {
    const { client } = t;
    const runId = await startWorkflow(client, 'wf-core', 'q-core', { input: json({ name: 'Ada' }) });
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);

    const first = await pollWorkflowTask(client, 'q-core');
    expect(eventTypes(first.history?.events ?? [])).toEqual([
      'WORKFLOW_EXECUTION_STARTED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
    ]);
    const started = first.history?.events[0]?.attributes;
    expect(started?.case).toBe('workflowExecutionStartedEventAttributes');
    if (started?.case === 'workflowExecutionStartedEventAttributes') {
      expect(started.value.workflowId).toBe('wf-core');
      expect(Number.isSafeInteger(started.value.randomnessSeed)).toBe(true);
      expect(started.value.workflowTaskTimeoutMs).toBe(10_000);
    }
    await completeWorkflowTask(client, first, [
      command({
        case: 'scheduleActivityTask',
        value: {
          activityId: '1',
          activityType: { name: 'greet' },
          taskQueue: 'q-core',
          input: json('Ada'),
          startToCloseTimeoutMs: 5000,
        },
      }),
    ]);

    const activity = await pollActivityTask(client, 'q-core');
    expect(activity.activityType?.name).toBe('greet');
    expect(fromJson(activity.input)).toBe('Ada');
    expect(activity.attempt).toBe(1);
    await client.respondActivityTaskCompleted({
      namespace: 'default',
      taskToken: activity.taskToken,
      result: json('Hello, Ada'),
    });

    const second = await pollWorkflowTask(client, 'q-core');
    expect(eventTypes(second.history?.events ?? []).slice(-5)).toEqual([
      'ACTIVITY_TASK_SCHEDULED',
      'ACTIVITY_TASK_STARTED',
      'ACTIVITY_TASK_COMPLETED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
    ]);
    await completeWorkflowTask(client, second, [
      command({ case: 'completeWorkflowExecution', value: { result: json('Hello, Ada') } }),
    ]);

    const closed = await waitForClose(client, 'wf-core');
    expect(closed.attributes.case).toBe('workflowExecutionCompletedEventAttributes');
    const events = await history(client, 'wf-core');
    expect(events.map((event) => event.eventId)).toEqual(events.map((_, index) => index + 1));
    const described = await client.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: 'wf-core' },
    });
    expect(described.workflowExecutionInfo?.status).toBe(WorkflowExecutionStatus.COMPLETED);
    expect(described.workflowExecutionInfo?.lastBinaryChecksum).toBe('test-build');
    expect(described.workflowExecutionInfo?.historyLength).toBe(events.length);
  });
});
