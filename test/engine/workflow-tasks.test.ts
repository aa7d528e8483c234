import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { TimeoutType } from '../../src/gen/strata/v1/common_pb.js';
import { WorkflowTaskFailedCause } from '../../src/gen/strata/v1/history_pb.js';
import { MAX_PAYLOAD_BYTES } from '../../src/server/index.js';
import {
  command,
  completeWorkflowTask,
  eventTypes,
  history,
  pollWorkflowTask,
  startWorkflow,
  useTestServer,
} from './helpers.js';

function bigPayloads() {
  return { payloads: [{ metadata: {}, data: new Uint8Array(MAX_PAYLOAD_BYTES + 1) }] };
}

async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConnectError)) throw new Error(`expected a ConnectError, got ${String(error)}`);
  return error;
}

describe('workflow tasks', () => {
  const t = useTestServer();

  it('a workflow task that is not completed in time times out and is retried with attempt 2', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-wft-timeout', 'q-wft-timeout', { workflowTaskTimeoutMs: 150 });
    const first = await pollWorkflowTask(client, 'q-wft-timeout');
    const second = await pollWorkflowTask(client, 'q-wft-timeout');
    expect(second.attempt).toBe(2);
    const types = eventTypes(second.history?.events ?? []);
    expect(types).toContain('WORKFLOW_TASK_TIMED_OUT');
    const timedOut = second.history?.events.find(
      (event) => event.attributes.case === 'workflowTaskTimedOutEventAttributes',
    );
    expect(timedOut?.attributes.value).toMatchObject({ timeoutType: TimeoutType.START_TO_CLOSE });
    await expect(completeWorkflowTask(client, first, [])).rejects.toThrow(/\[TASK_NOT_FOUND\]/);
    await completeWorkflowTask(client, second, [command({ case: 'completeWorkflowExecution', value: {} })]);
  });

  it('R3: a failed workflow task keeps the workflow open, shows the failure in describe, and is retried', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-nde', 'q-nde');
    const first = await pollWorkflowTask(client, 'q-nde');
    await client.respondWorkflowTaskFailed({
      namespace: 'default',
      taskToken: first.taskToken,
      cause: WorkflowTaskFailedCause.NON_DETERMINISTIC_ERROR,
      failure: { message: '[NDE] event 5: expected ActivityTaskScheduled, got TimerStarted' },
    });
    const described = await client.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: 'wf-nde' },
    });
    expect(described.workflowExecutionInfo?.status).toBe(1);
    expect(described.pendingWorkflowTask?.attempt).toBe(2);
    expect(described.pendingWorkflowTask?.lastFailure?.message).toMatch(/^\[NDE\]/);
    const second = await pollWorkflowTask(client, 'q-nde');
    expect(second.attempt).toBe(2);
    expect(eventTypes(second.history?.events ?? [])).toContain('WORKFLOW_TASK_FAILED');
    await completeWorkflowTask(client, second, [command({ case: 'completeWorkflowExecution', value: {} })]);
  });

  it('an activity without timeouts fails the workflow task with BAD_COMMAND and a clear message', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-bad', 'q-bad');
    const first = await pollWorkflowTask(client, 'q-bad');
    await completeWorkflowTask(client, first, [
      command({ case: 'scheduleActivityTask', value: { activityId: '1', activityType: { name: 'work' } } }),
    ]);
    const events = await history(client, 'wf-bad');
    const failed = events.find((event) => event.attributes.case === 'workflowTaskFailedEventAttributes');
    expect(failed?.attributes.value).toMatchObject({ cause: WorkflowTaskFailedCause.BAD_COMMAND });
    if (failed?.attributes.case === 'workflowTaskFailedEventAttributes') {
      expect(failed.attributes.value.failure?.message).toMatch(
        /start_to_close_timeout_ms or schedule_to_close_timeout_ms/,
      );
    }
    const retry = await pollWorkflowTask(client, 'q-bad');
    expect(retry.attempt).toBe(2);
  });

  it('an oversized payload is rejected with ResourceExhausted; in a command it fails the workflow task instead', async () => {
    const { client } = t;
    const error = await rejection(
      client.startWorkflowExecution({
        namespace: 'default',
        workflowId: 'wf-big',
        workflowType: { name: 'W' },
        taskQueue: 'q-big',
        input: bigPayloads(),
      }),
    );
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toMatch(/^\[PAYLOAD_TOO_LARGE\] input .*limit 2 MiB/);

    await startWorkflow(client, 'wf-big-result', 'q-big');
    const task = await pollWorkflowTask(client, 'q-big');
    await completeWorkflowTask(client, task, [
      command({ case: 'completeWorkflowExecution', value: { result: bigPayloads() } }),
    ]);
    const described = await client.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: 'wf-big-result' },
    });
    expect(described.workflowExecutionInfo?.status).toBe(1);
    expect(described.pendingWorkflowTask?.lastFailure?.message).toMatch(/PAYLOAD_TOO_LARGE/);
    const info = await client.getSystemInfo({});
    expect(info.maxPayloadBytes).toBe(2 * 1024 * 1024);
  });

  it('a sticky worker gets only new events; an unclaimed sticky task moves to the normal queue with full history', async () => {
    const { client } = t;
    await startWorkflow(client, 'wf-sticky', 'q-sticky');
    const first = await pollWorkflowTask(client, 'q-sticky');
    await completeWorkflowTask(client, first, [], {
      stickyTaskQueue: 'q-sticky-worker-1',
      stickyScheduleToStartTimeoutMs: 200,
    });
    await client.signalWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'wf-sticky' },
      signalName: 's1',
    });
    const sticky = await pollWorkflowTask(client, 'q-sticky-worker-1', true);
    expect(sticky.previousStartedEventId).toBe(3);
    expect(eventTypes(sticky.history?.events ?? [])).toEqual([
      'WORKFLOW_TASK_COMPLETED',
      'WORKFLOW_EXECUTION_SIGNALED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
    ]);
    await completeWorkflowTask(client, sticky, [], {
      stickyTaskQueue: 'q-sticky-worker-1',
      stickyScheduleToStartTimeoutMs: 200,
    });
    // Nobody polls the sticky queue now: after 200 ms the task moves to the normal queue.
    await client.signalWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'wf-sticky' },
      signalName: 's2',
    });
    const normal = await pollWorkflowTask(client, 'q-sticky');
    const types = eventTypes(normal.history?.events ?? []);
    expect(types[0]).toBe('WORKFLOW_EXECUTION_STARTED');
    expect(types).toContain('WORKFLOW_TASK_TIMED_OUT');
    const timedOut = normal.history?.events.find(
      (event) => event.attributes.case === 'workflowTaskTimedOutEventAttributes',
    );
    expect(timedOut?.attributes.value).toMatchObject({ timeoutType: TimeoutType.SCHEDULE_TO_START });
    await completeWorkflowTask(client, normal, [command({ case: 'completeWorkflowExecution', value: {} })]);
  });

  it('rejects requests that miss required fields or name unknown namespaces', async () => {
    const { client } = t;
    const missingType = await rejection(
      client.startWorkflowExecution({ namespace: 'default', workflowId: 'x', taskQueue: 'q' }),
    );
    expect(missingType.code).toBe(Code.InvalidArgument);
    expect(missingType.rawMessage).toBe('[INVALID_ARGUMENT] workflow_type.name is required');
    const missingQueue = await rejection(
      client.pollActivityTaskQueue({ namespace: 'default', taskQueue: ' ' }),
    );
    expect(missingQueue.rawMessage).toBe('[INVALID_ARGUMENT] task_queue is required');
    const unknown = await rejection(
      client.describeWorkflowExecution({ namespace: 'prod', execution: { workflowId: 'x' } }),
    );
    expect(unknown.code).toBe(Code.NotFound);
    expect(unknown.rawMessage).toBe(
      '[NAMESPACE_NOT_FOUND] namespace "prod" does not exist; start the server with --namespace prod',
    );
    const badToken = await rejection(
      client.respondActivityTaskCompleted({ namespace: 'default', taskToken: new Uint8Array([1, 2, 3]) }),
    );
    expect(badToken.code).toBe(Code.InvalidArgument);
  });
});
