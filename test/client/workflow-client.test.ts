import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  Client,
  Connection,
  type QueryDefinition,
  QueryFailedError,
  QueryNotRegisteredError,
  type SignalDefinition,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowClient,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '../../src/client/index.js';
import { errorToFailure } from '../../src/common/failure.js';
import { toProtoFailure } from '../../src/common/failure-proto.js';
import { EventType } from '../../src/gen/strata/v1/history_pb.js';
import type { StrataServer } from '../../src/server/index.js';
import { eventually, startTestServer } from '../helpers/strata-server.js';
import {
  commands,
  type Decision,
  type TaskView,
  WorkflowTaskDriver,
} from '../helpers/workflow-task-driver.js';

const taskQueue = 'client-tests';
const activityQueue = 'client-tests-activities';
const finishSignal: SignalDefinition<[string]> = { type: 'signal', name: 'finish' };
const signalCountQuery: QueryDefinition<number> = { type: 'query', name: 'signalCount' };

/** The test workflows, by type: each decides its commands from the history alone. */
function decide(task: TaskView): Decision {
  switch (task.workflowType) {
    case 'greet':
      return { commands: [commands.complete(`Hello, ${String(task.input[0])}!`)] };
    case 'chargeCard':
      return {
        commands: [
          commands.fail(
            new ActivityFailure(
              'Activity task failed',
              'charge',
              '1',
              'MAXIMUM_ATTEMPTS_REACHED',
              'worker-1',
              ApplicationFailure.nonRetryable('card expired', 'PaymentDeclined', { last4: '4242' }),
            ),
          ),
        ],
      };
    case 'waitForFinish': {
      const finish = task.signals.find((s) => s.name === 'finish');
      if (finish) return { commands: [commands.complete(finish.args[0])] };
      if (task.cancelRequested) return { commands: [commands.cancel()] };
      return { commands: [] };
    }
    case 'withActivity':
      return {
        commands: task.events.some((e) => e.eventType === EventType.ACTIVITY_TASK_SCHEDULED)
          ? []
          : [commands.scheduleActivity('1', 'charge', activityQueue)],
      };
    case 'nonDeterministic':
      return {
        failTask: new ApplicationFailure(
          '[NDE] event 5: history has ActivityTaskScheduled "charge", the code produced StartTimer',
          'DeterminismViolationError',
        ),
      };
    default:
      return {
        commands: [commands.fail(ApplicationFailure.nonRetryable(`unknown type ${task.workflowType}`))],
      };
  }
}

function answerQuery(queryType: string, _args: unknown[], task: TaskView): unknown {
  if (queryType === 'signalCount') return task.signals.length;
  if (queryType === 'explode') throw new Error('query handler exploded');
  // The wording of strata/workflow's activator for an unknown query type.
  throw new Error(`[UNKNOWN_QUERY] workflow "${task.workflowType}" has no handler for query "${queryType}"`);
}

async function greet(name: string): Promise<string> {
  return `Hello, ${name}!`;
}

let server: StrataServer;
let driver: WorkflowTaskDriver;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  server = await startTestServer();
  driver = await WorkflowTaskDriver.start({ address: server.address, taskQueue, decide, answerQuery });
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
});

afterAll(async () => {
  connection?.close();
  await driver?.stop();
  await server?.close();
});

const newId = (prefix: string) => `${prefix}-${randomUUID()}`;

describe('starting and waiting', () => {
  it('execute(fn) starts the workflow named after the function and returns its result', async () => {
    const result: string = await client.workflow.execute(greet, {
      taskQueue,
      workflowId: newId('greet'),
      args: ['Ada'],
    });
    expect(result).toBe('Hello, Ada!');
  });

  it('a standalone WorkflowClient works like client.workflow (as in Temporal)', async () => {
    const workflows = new WorkflowClient({ connection, namespace: 'default' });
    expect(
      await workflows.execute(greet, { taskQueue, workflowId: newId('standalone'), args: ['Lin'] }),
    ).toBe('Hello, Lin!');
  });

  it('start returns a handle with the first run id; getHandle(id).result() reads the same result', async () => {
    const workflowId = newId('greet');
    const handle = await client.workflow.start('greet', { taskQueue, workflowId, args: ['Grace'] });
    expect(handle.workflowId).toBe(workflowId);
    expect(handle.firstExecutionRunId).toMatch(/\S/);
    expect(await handle.result()).toBe('Hello, Grace!');
    expect(await client.workflow.getHandle(workflowId).result()).toBe('Hello, Grace!');
    expect(await client.workflow.getHandle(workflowId, handle.firstExecutionRunId).result()).toBe(
      'Hello, Grace!',
    );
  });

  it('result() keeps long-polling across empty polls until a signal lets the workflow finish', async () => {
    const handle = await client.workflow.start('waitForFinish', { taskQueue, workflowId: newId('wait') });
    const result = handle.result();
    // Longer than the test server's long-poll timeout, so at least one poll comes back empty.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await handle.signal(finishSignal, 'done');
    expect(await result).toBe('done');
  });

  it('a second start with a running workflow id throws WorkflowExecutionAlreadyStartedError', async () => {
    const workflowId = newId('dup');
    const handle = await client.workflow.start('waitForFinish', { taskQueue, workflowId });
    const again = client.workflow.start('waitForFinish', { taskQueue, workflowId });
    await expect(again).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await expect(again).rejects.toMatchObject({ workflowId, workflowType: 'waitForFinish' });
    await handle.terminate('cleanup');
  });

  it('signalWithStart starts a workflow, then signals the running one', async () => {
    const workflowId = newId('sws');
    const first = await client.workflow.signalWithStart('waitForFinish', {
      taskQueue,
      workflowId,
      signal: 'ping',
      signalArgs: [1],
    });
    expect(first.signaledRunId).toMatch(/\S/);
    const second = await client.workflow.signalWithStart('waitForFinish', {
      taskQueue,
      workflowId,
      signal: finishSignal,
      signalArgs: ['second'],
    });
    expect(second.signaledRunId).toBe(first.signaledRunId);
    expect(await first.result()).toBe('second');
  });

  it('result() can be abandoned through the connection abort signal', async () => {
    const handle = await client.workflow.start('waitForFinish', { taskQueue, workflowId: newId('abort') });
    const controller = new AbortController();
    const waiting = connection.withAbortSignal(controller.signal, () => handle.result());
    setTimeout(() => controller.abort(), 100);
    await expect(waiting).rejects.toThrow(/cancel|abort/i);
    await handle.terminate();
  });
});

describe('result() failures: WorkflowFailedError with the typed cause chain', () => {
  it('failed: ActivityFailure whose cause is the ApplicationFailure', async () => {
    const run = client.workflow.execute('chargeCard', { taskQueue, workflowId: newId('charge') });
    const error = await run.catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).message).toBe('Workflow execution failed');
    const activity = (error as WorkflowFailedError).cause;
    expect(activity).toBeInstanceOf(ActivityFailure);
    expect(activity).toMatchObject({ activityType: 'charge', retryState: 'MAXIMUM_ATTEMPTS_REACHED' });
    const application = (activity as ActivityFailure).cause;
    expect(application).toBeInstanceOf(ApplicationFailure);
    expect(application).toMatchObject({
      message: 'card expired',
      type: 'PaymentDeclined',
      nonRetryable: true,
      details: [{ last4: '4242' }],
    });
  });

  it('cancelled: CancelledFailure', async () => {
    const handle = await client.workflow.start('waitForFinish', { taskQueue, workflowId: newId('cancel') });
    await handle.cancel('no longer needed');
    const error = await handle.result().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });

  it('terminated: TerminatedFailure carrying the reason', async () => {
    const handle = await client.workflow.start('waitForFinish', { taskQueue, workflowId: newId('term') });
    await handle.terminate('stuck on a bad deploy');
    const error = await handle.result().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(TerminatedFailure);
    expect(((error as WorkflowFailedError).cause as Error).message).toBe('stuck on a bad deploy');
  });

  it('timed out: TimeoutFailure', async () => {
    const handle = await client.workflow.start('waitForFinish', {
      taskQueue,
      workflowId: newId('timeout'),
      workflowExecutionTimeout: '500ms',
    });
    const error = await handle.result().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(TimeoutFailure);
  });
});

describe('signal, query, describe, history', () => {
  it('query answers from the workflow; a throwing handler gives QueryFailedError, an unknown type QueryNotRegisteredError', async () => {
    const handle = await client.workflow.start('waitForFinish', { taskQueue, workflowId: newId('query') });
    await handle.signal('ping');
    await handle.signal('ping');
    expect(await handle.query(signalCountQuery)).toBe(2);
    expect(await handle.query<number>('signalCount')).toBe(2);
    const failed = handle.query('explode');
    await expect(failed).rejects.toBeInstanceOf(QueryFailedError);
    await expect(failed).rejects.toThrow(/query handler exploded/);
    const unknown = handle.query('nope');
    await expect(unknown).rejects.toBeInstanceOf(QueryNotRegisteredError);
    await expect(unknown).rejects.toMatchObject({ queryType: 'nope' });
    await handle.terminate();
  });

  it('describe gives status, type, task queue, times and history length', async () => {
    const workflowId = newId('describe');
    const handle = await client.workflow.start('waitForFinish', { taskQueue, workflowId });
    const running = await eventually(async () => {
      const d = await handle.describe();
      return d.historyLength >= 4 ? d : undefined;
    });
    expect(running).toMatchObject({
      workflowId,
      runId: handle.firstExecutionRunId,
      type: 'waitForFinish',
      taskQueue,
      status: { name: 'RUNNING' },
      closeTime: undefined,
    });
    expect(running.startTime).toBeInstanceOf(Date);
    expect(Math.abs(running.startTime.getTime() - Date.now())).toBeLessThan(60_000);
    await handle.signal(finishSignal, 'ok');
    await handle.result();
    const closed = await handle.describe();
    expect(closed.status.name).toBe('COMPLETED');
    expect(closed.closeTime).toBeInstanceOf(Date);
  });

  it("describe shows the pending workflow task's last failure (how a non-determinism error is found)", async () => {
    const handle = await client.workflow.start('nonDeterministic', { taskQueue, workflowId: newId('nde') });
    const description = await eventually(async () => {
      const d = await handle.describe();
      return d.pendingWorkflowTask?.lastFailure ? d : undefined;
    });
    expect(description.status.name).toBe('RUNNING');
    expect(description.pendingWorkflowTask?.lastFailure?.message).toMatch(/^\[NDE\] event 5/);
    await handle.terminate();
  });

  it('describe lists pending activities with their attempt and last failure', async () => {
    const handle = await client.workflow.start('withActivity', { taskQueue, workflowId: newId('activity') });
    const activityTask = await connection.workflowService.pollActivityTaskQueue({
      namespace: 'default',
      taskQueue: activityQueue,
      identity: 'test',
    });
    expect(activityTask.activityType?.name).toBe('charge');
    await connection.workflowService.respondActivityTaskFailed({
      namespace: 'default',
      taskToken: activityTask.taskToken,
      failure: toProtoFailure(errorToFailure(ApplicationFailure.retryable('gateway timeout', 'Timeout'))),
    });
    const description = await eventually(async () => {
      const d = await handle.describe();
      return d.pendingActivities[0]?.lastFailure ? d : undefined;
    });
    expect(description.pendingActivities).toHaveLength(1);
    const [activity] = description.pendingActivities;
    expect(activity).toMatchObject({ activityId: '1', activityType: 'charge', attempt: 2 });
    expect(activity?.lastFailure).toBeInstanceOf(ApplicationFailure);
    expect(activity?.lastFailure).toMatchObject({ message: 'gateway timeout', type: 'Timeout' });
    await handle.terminate();
  });

  it('fetchHistory returns every event in order', async () => {
    const workflowId = newId('history');
    await client.workflow.execute(greet, { taskQueue, workflowId, args: ['Ada'] });
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    expect(history.events.map((e) => e.eventId)).toEqual([1, 2, 3, 4, 5]);
    expect(history.events.map((e) => EventType[e.eventType])).toEqual([
      'WORKFLOW_EXECUTION_STARTED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
      'WORKFLOW_TASK_COMPLETED',
      'WORKFLOW_EXECUTION_COMPLETED',
    ]);
  });

  it('an unknown workflow id gives WorkflowNotFoundError from every call', async () => {
    const handle = client.workflow.getHandle('no-such-workflow');
    await expect(handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(handle.signal('x')).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(handle.fetchHistory()).rejects.toMatchObject({ workflowId: 'no-such-workflow' });
  });
});

describe('list and count', () => {
  it('list pages through every match of a query; count agrees', async () => {
    const type = `listed${randomUUID().slice(0, 8)}`;
    const ids = await Promise.all(
      [1, 2, 3, 4, 5].map(async (i) => {
        const workflowId = newId(`list-${i}`);
        await client.workflow.start(type, { taskQueue, workflowId });
        return workflowId;
      }),
    );
    const query = `WorkflowType = "${type}"`;
    const listed = [];
    for await (const info of client.workflow.list({ query, pageSize: 2 })) listed.push(info);
    expect(listed.map((w) => w.workflowId).sort()).toEqual([...ids].sort());
    expect(listed[0]).toMatchObject({ type, taskQueue });
    expect(listed[0]?.startTime).toBeInstanceOf(Date);
    expect(await client.workflow.count(query)).toEqual({ count: 5 });
    expect((await client.workflow.count()).count).toBeGreaterThanOrEqual(5);
  });
});
