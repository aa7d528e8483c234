/**
 * Updates at the protocol level, with a hand-driven worker: how speculative workflow tasks deliver update
 * requests, when their events are written and when they are not.
 */
import { describe, expect, it } from 'vitest';
import type { PollWorkflowTaskQueueResponse } from '../../src/gen/strata/v1/service_pb.js';
import {
  UpdateWorkflowExecutionLifecycleStage as Stage,
  type UpdateRequestMessage,
  type UpdateWorkflowExecutionResponse,
} from '../../src/gen/strata/v1/update_pb.js';
import {
  command,
  completeWorkflowTask,
  eventTypes,
  fromJson,
  history,
  json,
  pollWorkflowTask,
  startWorkflow,
  useTestServer,
} from './helpers.js';

const test = useTestServer();

function sendUpdate(
  workflowId: string,
  updateId: string,
  stage = Stage.COMPLETED,
): Promise<UpdateWorkflowExecutionResponse> {
  return test.client.updateWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId },
    waitPolicy: { lifecycleStage: stage },
    request: { meta: { updateId, identity: 'test' }, input: { name: 'setValue', args: json(42) } },
  });
}

/** The update's stage as PollWorkflowExecutionUpdate reports it at once, or undefined before it was admitted. */
function stageOf(workflowId: string, updateId: string): Promise<Stage | undefined> {
  return test.client
    .pollWorkflowExecutionUpdate({
      namespace: 'default',
      updateRef: { workflowExecution: { workflowId }, updateId },
    })
    .then(
      (response) => response.stage,
      () => undefined,
    );
}

/** A started workflow whose first task completed with no commands: it waits, with no task of its own. */
async function idleWorkflow(workflowId: string, taskQueue: string): Promise<number> {
  await startWorkflow(test.client, workflowId, taskQueue);
  await completeWorkflowTask(test.client, await pollWorkflowTask(test.client, taskQueue), []);
  return (await history(test.client, workflowId)).length;
}

function accept(message: UpdateRequestMessage) {
  return command({
    case: 'acceptWorkflowUpdate',
    value: {
      protocolInstanceId: message.protocolInstanceId,
      acceptedRequestMessageId: message.id,
      acceptedRequestSequencingEventId: message.eventId,
      acceptedRequest: message.request,
    },
  });
}

function complete(updateId: string, result: unknown) {
  return command({
    case: 'completeWorkflowUpdate',
    value: { meta: { updateId }, outcome: { value: { case: 'success', value: json(result) } } },
  });
}

function reject(message: UpdateRequestMessage, reason: string) {
  return command({
    case: 'rejectWorkflowUpdate',
    value: {
      protocolInstanceId: message.protocolInstanceId,
      rejectedRequestMessageId: message.id,
      rejectedRequest: message.request,
      failure: { message: reason, source: 'test' },
    },
  });
}

function onlyRequest(task: PollWorkflowTaskQueueResponse): UpdateRequestMessage {
  expect(task.updateRequests).toHaveLength(1);
  return task.updateRequests[0]!;
}

describe('speculative workflow tasks', () => {
  it('deliver an update to an idle run with a task whose events are not in history yet', async () => {
    const length = await idleWorkflow('wf-upd-shown', 'q-upd-shown');
    const pending = sendUpdate('wf-upd-shown', 'u1');
    const task = await pollWorkflowTask(test.client, 'q-upd-shown');
    expect(task.speculative).toBe(true);
    expect(task.startedEventId).toBe(length + 2);
    expect(eventTypes(task.history?.events.slice(-2) ?? [])).toEqual([
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
    ]);
    expect(onlyRequest(task).request?.input?.name).toBe('setValue');
    expect((await history(test.client, 'wf-upd-shown')).length).toBe(length);
    await completeWorkflowTask(test.client, task, [reject(onlyRequest(task), 'no')]);
    await pending;
  });

  it('answered with rejections only, write nothing; the caller gets the rejection', async () => {
    const length = await idleWorkflow('wf-upd-reject', 'q-upd-reject');
    const pending = sendUpdate('wf-upd-reject', 'u1');
    const task = await pollWorkflowTask(test.client, 'q-upd-reject');
    await completeWorkflowTask(test.client, task, [reject(onlyRequest(task), 'value too large')]);
    const response = await pending;
    expect(response.stage).toBe(Stage.COMPLETED);
    expect(response.outcome?.value.case).toBe('failure');
    expect(response.outcome?.value.value).toMatchObject({ message: 'value too large' });
    expect((await history(test.client, 'wf-upd-reject')).length).toBe(length);
  });

  it('answered with an acceptance, are written at the ids the worker saw, then the update events', async () => {
    const length = await idleWorkflow('wf-upd-accept', 'q-upd-accept');
    const pending = sendUpdate('wf-upd-accept', 'u1');
    const task = await pollWorkflowTask(test.client, 'q-upd-accept');
    const shown = task.history?.events.slice(-2) ?? [];
    await completeWorkflowTask(test.client, task, [accept(onlyRequest(task)), complete('u1', 'done')]);
    const response = await pending;
    expect(
      fromJson(response.outcome?.value.case === 'success' ? response.outcome.value.value : undefined),
    ).toBe('done');
    const events = await history(test.client, 'wf-upd-accept');
    expect(events.slice(length, length + 2)).toEqual(shown);
    expect(eventTypes(events.slice(length))).toEqual([
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
      'WORKFLOW_TASK_COMPLETED',
      'WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
      'WORKFLOW_EXECUTION_UPDATE_COMPLETED',
    ]);
  });

  it('are written first when another event arrives while a worker holds one', async () => {
    const length = await idleWorkflow('wf-upd-race', 'q-upd-race');
    const pending = sendUpdate('wf-upd-race', 'u1', Stage.ACCEPTED);
    const task = await pollWorkflowTask(test.client, 'q-upd-race');
    await test.client.signalWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'wf-upd-race' },
      signalName: 'poke',
      identity: 'test',
      requestId: 'poke-1',
    });
    // Even a rejection is now an answer to a written task.
    await completeWorkflowTask(test.client, task, [reject(onlyRequest(task), 'no')]);
    await pending;
    expect(eventTypes((await history(test.client, 'wf-upd-race')).slice(length))).toEqual([
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
      'WORKFLOW_EXECUTION_SIGNALED',
      'WORKFLOW_TASK_COMPLETED',
      'WORKFLOW_TASK_SCHEDULED',
    ]);
  });

  it('an update a worker ignores is rejected for it, so it is not sent again and again', async () => {
    const length = await idleWorkflow('wf-upd-ignored', 'q-upd-ignored');
    const pending = sendUpdate('wf-upd-ignored', 'u1');
    await completeWorkflowTask(test.client, await pollWorkflowTask(test.client, 'q-upd-ignored'), []);
    const response = await pending;
    expect(response.outcome?.value.value).toMatchObject({
      message: expect.stringContaining('[UPDATE_UNHANDLED]'),
    });
    expect((await history(test.client, 'wf-upd-ignored')).length).toBe(length);
  });

  it('that nobody answers in time go out again, still writing nothing', async () => {
    await startWorkflow(test.client, 'wf-upd-timeout', 'q-upd-timeout', { workflowTaskTimeoutMs: 300 });
    await completeWorkflowTask(test.client, await pollWorkflowTask(test.client, 'q-upd-timeout'), []);
    const length = (await history(test.client, 'wf-upd-timeout')).length;
    const pending = sendUpdate('wf-upd-timeout', 'u1');
    const lost = await pollWorkflowTask(test.client, 'q-upd-timeout');
    const retry = await pollWorkflowTask(test.client, 'q-upd-timeout');
    expect(retry.speculative).toBe(true);
    expect(retry.startedEventId).toBe(lost.startedEventId);
    await expect(
      completeWorkflowTask(test.client, lost, [reject(onlyRequest(lost), 'late')]),
    ).rejects.toThrow(/TASK_NOT_FOUND/);
    await completeWorkflowTask(test.client, retry, [reject(onlyRequest(retry), 'no')]);
    expect((await pending).outcome?.value.value).toMatchObject({ message: 'no' });
    expect((await history(test.client, 'wf-upd-timeout')).length).toBe(length);
  });

  it('that fail are written with their WorkflowTaskFailed, and the retry carries the update again', async () => {
    const length = await idleWorkflow('wf-upd-failed', 'q-upd-failed');
    const pending = sendUpdate('wf-upd-failed', 'u1');
    const task = await pollWorkflowTask(test.client, 'q-upd-failed');
    await test.client.respondWorkflowTaskFailed({
      namespace: 'default',
      taskToken: task.taskToken,
      cause: 1,
      failure: { message: 'bug in the handler', source: 'test' },
      identity: 'test-worker',
    });
    const retry = await pollWorkflowTask(test.client, 'q-upd-failed');
    expect(retry.speculative).toBe(false);
    await completeWorkflowTask(test.client, retry, [accept(onlyRequest(retry)), complete('u1', 'fixed')]);
    expect((await pending).outcome?.value.case).toBe('success');
    expect(eventTypes((await history(test.client, 'wf-upd-failed')).slice(length))).toEqual([
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
      'WORKFLOW_TASK_FAILED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
      'WORKFLOW_TASK_COMPLETED',
      'WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
      'WORKFLOW_EXECUTION_UPDATE_COMPLETED',
    ]);
  });
});

describe("updates and the run's own workflow tasks", () => {
  it('an update sent while the first task is queued goes out with that task, not a speculative one', async () => {
    await startWorkflow(test.client, 'wf-upd-queued', 'q-upd-queued');
    const pending = sendUpdate('wf-upd-queued', 'u1');
    await expect.poll(() => stageOf('wf-upd-queued', 'u1')).toBe(Stage.ADMITTED);
    const task = await pollWorkflowTask(test.client, 'q-upd-queued');
    expect(task.speculative).toBe(false);
    expect(eventTypes(task.history?.events ?? [])[0]).toBe('WORKFLOW_EXECUTION_STARTED');
    await completeWorkflowTask(test.client, task, [accept(onlyRequest(task)), complete('u1', 1)]);
    expect((await pending).stage).toBe(Stage.COMPLETED);
  });

  it('an update sent while a task runs waits for its answer, then goes out with the next task', async () => {
    await startWorkflow(test.client, 'wf-upd-running', 'q-upd-running');
    const running = await pollWorkflowTask(test.client, 'q-upd-running');
    expect(running.updateRequests).toHaveLength(0);
    const pending = sendUpdate('wf-upd-running', 'u1');
    await expect.poll(() => stageOf('wf-upd-running', 'u1')).toBe(Stage.ADMITTED);
    await completeWorkflowTask(test.client, running, []);
    const next = await pollWorkflowTask(test.client, 'q-upd-running');
    expect(next.speculative).toBe(true);
    await completeWorkflowTask(test.client, next, [accept(onlyRequest(next)), complete('u1', 2)]);
    expect((await pending).stage).toBe(Stage.COMPLETED);
  });

  it('a run terminated before accepting an update fails it with a clear NotFound', async () => {
    await idleWorkflow('wf-upd-terminated', 'q-upd-terminated');
    const pending = sendUpdate('wf-upd-terminated', 'u1').then(
      () => undefined,
      (err: unknown) => err,
    );
    await pollWorkflowTask(test.client, 'q-upd-terminated');
    await test.client.terminateWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'wf-upd-terminated' },
      reason: 'test',
    });
    expect(String(await pending)).toMatch(
      /\[WORKFLOW_NOT_FOUND\] .* is already closed \(TERMINATED\); update "u1" was not accepted/,
    );
  });
});
