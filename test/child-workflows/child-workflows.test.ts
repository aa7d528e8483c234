/** Child workflows from the user's side: a real server (time skipping), a real worker, the client. */
import { fileURLToPath } from 'node:url';
import { type Client, WorkflowExecutionAlreadyStartedError } from 'strata/client';
import { TestWorkflowEnvironment } from 'strata/testing';
import { Worker } from 'strata/worker';
import { ParentClosePolicy } from 'strata/workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexedValueType } from '../../src/gen/strata/v1/common_pb.js';
import type { HistoryEvent } from '../../src/gen/strata/v1/history_pb.js';
import { eventually } from '../helpers/strata-server.js';
import * as workflows from './workflows.js';

const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));
const taskQueue = 'children';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let client: Client;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping();
  client = env.client;
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: { CustomerId: IndexedValueType.KEYWORD },
  });
  worker = await Worker.create({ connection: env.connection, taskQueue, workflowsPath });
  running = worker.run();
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await env.teardown();
});

type EventCase = NonNullable<HistoryEvent['attributes']['case']>;

async function eventCases(workflowId: string): Promise<EventCase[]> {
  const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
  return events.flatMap((event) => (event.attributes.case ? [event.attributes.case] : []));
}

async function status(workflowId: string): Promise<string> {
  return (await client.workflow.getHandle(workflowId).describe()).status.name;
}

describe('startChild / executeChild', () => {
  it('executeChild returns the child result; the child runs on the parent task queue with its own history', async () => {
    const result = await client.workflow.execute(workflows.executesChild, {
      taskQueue,
      workflowId: 'exec-1',
      args: ['Ada'],
    });
    expect(result).toBe('Hello, Ada!');
    const parentEvents = await eventCases('exec-1');
    expect(parentEvents).toEqual(
      expect.arrayContaining([
        'startChildWorkflowExecutionInitiatedEventAttributes',
        'childWorkflowExecutionStartedEventAttributes',
        'childWorkflowExecutionCompletedEventAttributes',
      ]),
    );
    const child = await client.workflow.getHandle('exec-1-child').describe();
    expect(child.status.name).toBe('COMPLETED');
    expect(child.taskQueue).toBe(taskQueue);
  });

  it("the child's WorkflowExecutionStarted, workflowInfo().parent and describe name its parent", async () => {
    const handle = await client.workflow.start(workflows.asksChildForParent, {
      taskQueue,
      workflowId: 'info-1',
    });
    const parent = await handle.result();
    expect(parent).toEqual({ workflowId: 'info-1', runId: handle.firstExecutionRunId, namespace: 'default' });
    const { events } = await client.workflow.getHandle('info-1-child').fetchHistory();
    const started = events[0]?.attributes;
    if (started?.case !== 'workflowExecutionStartedEventAttributes') throw new Error('no started event');
    expect(started.value.parentWorkflowExecution?.workflowId).toBe('info-1');
    expect(started.value.parentWorkflowNamespace).toBe('default');
    expect(started.value.parentInitiatedEventId).toBeGreaterThan(0);
    const described = await client.workflow.getHandle('info-1-child').describe();
    expect(described.parentExecution).toEqual({ workflowId: 'info-1', runId: handle.firstExecutionRunId });
  });

  it('a child without workflowId gets a uuid4 id from the parent run; describe lists pending children', async () => {
    const result = await client.workflow.execute(workflows.childWithDefaults, {
      taskQueue,
      workflowId: 'defaults-1',
    });
    expect(result.result).toBe('Hello, defaults!');
    expect(result.workflowId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );

    const handle = await client.workflow.start(workflows.awaitsWaitingChild, {
      taskQueue,
      workflowId: 'pending-1',
      args: ['pending-1-child'],
    });
    const pending = await eventually(async () => {
      const children = (await handle.describe()).pendingChildren;
      return children.length === 1 && children[0]?.runId ? children : undefined;
    });
    expect(pending[0]).toMatchObject({
      workflowId: 'pending-1-child',
      workflowType: 'waitingChild',
      parentClosePolicy: 'TERMINATE',
    });
    await client.workflow.getHandle('pending-1-child').signal(workflows.go, 'released');
    expect(await handle.result()).toBe('released');
    expect((await handle.describe()).pendingChildren).toEqual([]);
  });

  it('a child ApplicationFailure rejects with ChildWorkflowFailure whose cause is the ApplicationFailure', async () => {
    const seen = await client.workflow.execute(workflows.catchesChildFailure, {
      taskQueue,
      workflowId: 'fail-1',
    });
    expect(seen).toEqual({
      name: 'ChildWorkflowFailure',
      message: 'Child Workflow execution failed',
      causeName: 'ApplicationFailure',
      causeType: 'OutOfStock',
      causeMessage: 'out of stock',
      workflowId: 'fail-1-child',
      workflowType: 'failingChild',
    });
    expect(await eventCases('fail-1')).toContain('childWorkflowExecutionFailedEventAttributes');
  });

  it('handle.signal reaches the child', async () => {
    expect(
      await client.workflow.execute(workflows.signalsChild, { taskQueue, workflowId: 'sig-child-1' }),
    ).toBe('through the handle');
  });

  it('starting a child whose workflow id is running fails with WorkflowExecutionAlreadyStartedError', async () => {
    await client.workflow.start(workflows.waitingChild, { taskQueue, workflowId: 'taken' });
    const seen = await client.workflow.execute(workflows.startsChildWithId, {
      taskQueue,
      workflowId: 'dup-1',
      args: ['taken'],
    });
    expect(seen).toEqual({
      name: 'WorkflowExecutionAlreadyStartedError',
      message: 'Workflow execution already started',
      workflowId: 'taken',
      workflowType: 'greetChild',
    });
    expect(await eventCases('dup-1')).toContain('startChildWorkflowExecutionFailedEventAttributes');
    expect(
      new WorkflowExecutionAlreadyStartedError('x', { workflowId: 'a', workflowType: 'b' }),
    ).toBeInstanceOf(Error);
    await client.workflow.getHandle('taken').terminate();
  });
});

describe('child start options', () => {
  it('retry, memo and search attributes reach the child: a failed first run is retried, the parent sees one result', async () => {
    const result = await client.workflow.execute(workflows.childWithStartOptions, {
      taskQueue,
      workflowId: 'opts-1',
      args: ['acme'],
    });
    expect(result).toBe('attempt 2');
    const child = await client.workflow.getHandle('opts-1-child').describe();
    expect(child.memo).toEqual({ note: 'from the parent' });
    expect(child.searchAttributes).toMatchObject({ CustomerId: ['acme'] });
    expect(child.parentExecution?.workflowId).toBe('opts-1');
    expect((await client.workflow.count('WorkflowId = "opts-1-child"')).count).toBe(2);
    const parentEvents = await eventCases('opts-1');
    expect(parentEvents.filter((c) => c === 'childWorkflowExecutionStartedEventAttributes')).toHaveLength(1);
    expect(parentEvents).toContain('childWorkflowExecutionCompletedEventAttributes');
  });

  it('workflowIdReusePolicy REJECT_DUPLICATE refuses an id a closed run used', async () => {
    await client.workflow.execute(workflows.greetChild, { taskQueue, workflowId: 'used-id', args: ['once'] });
    expect(
      await client.workflow.execute(workflows.reusesChildId, {
        taskQueue,
        workflowId: 'reuse-1',
        args: ['used-id'],
      }),
    ).toMatchObject({ name: 'WorkflowExecutionAlreadyStartedError', workflowId: 'used-id' });
  });

  it('a bad option value fails the parent task with a clear error', async () => {
    const handle = await client.workflow.start('startsChildAndReturns', {
      taskQueue,
      workflowId: 'bad-policy',
      args: ['bad-policy-child', 'SOMETIMES'],
    });
    const failure = await eventually(async () => (await handle.describe()).pendingWorkflowTask?.lastFailure);
    expect(failure.message).toContain(
      '[INVALID_CHILD_WORKFLOW_OPTIONS] unknown parentClosePolicy "SOMETIMES"',
    );
    await handle.terminate();
  });
});

describe('parent close policy', () => {
  it('TERMINATE (default): the child is terminated when the parent completes', async () => {
    await client.workflow.execute(workflows.startsChildAndReturns, {
      taskQueue,
      workflowId: 'pcp-terminate',
      args: ['pcp-terminate-child', ParentClosePolicy.TERMINATE],
    });
    await eventually(async () => (await status('pcp-terminate-child')) === 'TERMINATED');
    const { events } = await client.workflow.getHandle('pcp-terminate-child').fetchHistory();
    const last = events.at(-1)?.attributes;
    expect(last?.case === 'workflowExecutionTerminatedEventAttributes' && last.value.reason).toBe(
      'by parent close policy',
    );
  });

  it('ABANDON: the child keeps running after the parent completes', async () => {
    await client.workflow.execute(workflows.startsChildAndReturns, {
      taskQueue,
      workflowId: 'pcp-abandon',
      args: ['pcp-abandon-child', ParentClosePolicy.ABANDON],
    });
    const child = client.workflow.getHandle('pcp-abandon-child');
    expect(await status('pcp-abandon-child')).toBe('RUNNING');
    await child.signal(workflows.go, 'still here');
    expect(await child.result()).toBe('still here');
  });

  it('REQUEST_CANCEL: the child sees a cancellation when the parent completes', async () => {
    await client.workflow.execute(workflows.startsChildAndReturns, {
      taskQueue,
      workflowId: 'pcp-cancel',
      args: ['pcp-cancel-child', ParentClosePolicy.REQUEST_CANCEL, 'return'],
    });
    expect(await client.workflow.getHandle('pcp-cancel-child').result()).toBe('saw cancellation');
    expect(await eventCases('pcp-cancel-child')).toContain('workflowExecutionCancelRequestedEventAttributes');
  });
});

describe('cancellation type', () => {
  it('cancelling the parent: TRY_CANCEL and WAIT_CANCELLATION_REQUESTED reject after a request, ABANDON at once without one, WAIT_CANCELLATION_COMPLETED waits for the child', async () => {
    const handle = await client.workflow.start(workflows.childrenByCancellationType, {
      taskQueue,
      workflowId: 'ct',
    });
    await eventually(
      async () => (await handle.describe()).pendingChildren.filter((c) => c.runId).length === 4,
    );
    await handle.cancel();
    const cancelRequested = async (type: string): Promise<boolean> =>
      (await eventCases(`ct-${type}`)).includes('workflowExecutionCancelRequestedEventAttributes');
    for (const type of ['TRY_CANCEL', 'WAIT_CANCELLATION_REQUESTED', 'WAIT_CANCELLATION_COMPLETED']) {
      await eventually(() => cancelRequested(type), 10_000, `${type} child to see the cancel request`);
    }
    // The parent still waits for the WAIT_CANCELLATION_COMPLETED child, which ignores the request.
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(await cancelRequested('ABANDON')).toBe(false);
    for (const type of [
      'TRY_CANCEL',
      'WAIT_CANCELLATION_REQUESTED',
      'WAIT_CANCELLATION_COMPLETED',
      'ABANDON',
    ]) {
      await client.workflow.getHandle(`ct-${type}`).signal(workflows.go, `done ${type}`);
    }
    const cancelled = {
      name: 'ChildWorkflowFailure',
      message: 'Child Workflow execution cancelled',
      causeName: 'CancelledFailure',
      causeMessage: 'Cancelled',
    };
    expect(await handle.result()).toEqual({
      TRY_CANCEL: expect.objectContaining(cancelled),
      WAIT_CANCELLATION_REQUESTED: expect.objectContaining(cancelled),
      ABANDON: expect.objectContaining(cancelled),
      WAIT_CANCELLATION_COMPLETED: 'done WAIT_CANCELLATION_COMPLETED',
    });
  });
});

describe('cancellation scopes', () => {
  it('cancelling the scope a child was started in cancels the child; the parent goes on', async () => {
    const seen = await client.workflow.execute(workflows.cancelsChildScope, {
      taskQueue,
      workflowId: 'scope-1',
    });
    expect(seen).toMatchObject({
      name: 'ChildWorkflowFailure',
      message: 'Child Workflow execution cancelled',
      causeName: 'CancelledFailure',
    });
    expect(await status('scope-1-child')).toBe('CANCELLED');
    expect(await status('scope-1')).toBe('COMPLETED');
  });
});

describe('external workflow handles', () => {
  it('signal reaches another workflow; its history names the sender', async () => {
    const target = await client.workflow.start(workflows.waitingChild, {
      taskQueue,
      workflowId: 'ext-target',
    });
    const sender = await client.workflow.execute(workflows.signalsExternal, {
      taskQueue,
      workflowId: 'ext-sender',
      args: ['ext-target'],
    });
    expect(sender).toBe('signalled');
    expect(await target.result()).toBe('from ext-sender');
    const { events } = await target.fetchHistory();
    const signaled = events.find(
      (e) => e.attributes.case === 'workflowExecutionSignaledEventAttributes',
    )?.attributes;
    expect(
      signaled?.case === 'workflowExecutionSignaledEventAttributes' &&
        signaled.value.externalWorkflowExecution?.workflowId,
    ).toBe('ext-sender');
    expect(await eventCases('ext-sender')).toEqual(
      expect.arrayContaining([
        'signalExternalWorkflowExecutionInitiatedEventAttributes',
        'externalWorkflowExecutionSignaledEventAttributes',
      ]),
    );
  });

  it('signal to a missing workflow fails with a clear error and SignalExternalWorkflowExecutionFailed', async () => {
    const seen = await client.workflow.execute(workflows.signalsExternal, {
      taskQueue,
      workflowId: 'ext-missing',
      args: ['nobody-here'],
    });
    expect(seen).toMatchObject({ name: 'ApplicationFailure', type: 'SignalExternalWorkflowExecutionFailed' });
    expect((seen as workflows.SeenError).message).toBe(
      '[EXTERNAL_WORKFLOW_NOT_FOUND] unable to signal "go" to workflow "nobody-here": it was not found in namespace "default" or has already closed',
    );
    expect(await eventCases('ext-missing')).toContain('signalExternalWorkflowExecutionFailedEventAttributes');
  });

  it('cancel asks another workflow to cancel; a missing one fails', async () => {
    const target = await client.workflow.start(workflows.waitingChild, {
      taskQueue,
      workflowId: 'ext-cancel-target',
    });
    expect(
      await client.workflow.execute(workflows.cancelsExternal, {
        taskQueue,
        workflowId: 'ext-canceller',
        args: ['ext-cancel-target'],
      }),
    ).toBe('cancel requested');
    await expect(target.result()).rejects.toMatchObject({ cause: { name: 'CancelledFailure' } });
    expect(await status('ext-cancel-target')).toBe('CANCELLED');
    const missing = await client.workflow.execute(workflows.cancelsExternal, {
      taskQueue,
      workflowId: 'ext-cancel-missing',
      args: ['nobody-here'],
    });
    expect(missing).toMatchObject({
      name: 'ApplicationFailure',
      type: 'RequestCancelExternalWorkflowExecutionFailed',
    });
  });
});
