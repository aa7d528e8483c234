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
});
