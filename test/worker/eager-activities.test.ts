import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { createClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/gen/strata/v1/command_pb.js';
import {
  type PollActivityTaskQueueResponse,
  PollActivityTaskQueueResponseSchema,
  type RespondWorkflowTaskCompletedRequest,
  type RespondWorkflowTaskCompletedResponse,
  WorkflowService,
} from '../../src/gen/strata/v1/service_pb.js';
import { ActivityPoller } from '../../src/worker/activity-poller.js';
import { Worker, type WorkerOptions } from '../../src/worker/index.js';
import { compileWorkerOptions } from '../../src/worker/worker-options.js';
import { greetMany, greetOnQueue, greetWorkflow } from '../fixtures/eager-workflows.js';
import * as activities from '../fixtures/worker-activities.js';
import { useTestServer } from './harness.js';

const workflowsPath = fileURLToPath(new URL('../fixtures/eager-workflows.ts', import.meta.url));

const t = useTestServer();

/** Every RPC a worker made that returned, with its request and response. */
interface CallLog {
  connection: WorkerOptions['connection'];
  calls: { method: string; request: unknown; response: unknown }[];
  close(): void;
}

function loggingConnection(): CallLog {
  const calls: CallLog['calls'] = [];
  const log: Interceptor = (next) => async (request) => {
    const response = await next(request);
    if (!response.stream) {
      calls.push({ method: request.method.name, request: request.message, response: response.message });
    }
    return response;
  };
  const baseUrl = `http://${t.server.address}`;
  const sessionManager = new Http2SessionManager(baseUrl);
  const workflowService = createClient(
    WorkflowService,
    createConnectTransport({ httpVersion: '2', baseUrl, sessionManager, interceptors: [log] }),
  );
  return { connection: { workflowService }, calls, close: () => sessionManager.abort() };
}

function completions(log: CallLog) {
  return log.calls
    .filter((call) => call.method === 'RespondWorkflowTaskCompleted')
    .map((call) => ({
      request: call.request as RespondWorkflowTaskCompletedRequest,
      response: call.response as RespondWorkflowTaskCompletedResponse,
    }));
}

/** Activity tasks the worker's activity polls received. */
function polledActivities(log: CallLog): PollActivityTaskQueueResponse[] {
  return log.calls
    .filter((call) => call.method === 'PollActivityTaskQueue')
    .map((call) => call.response as PollActivityTaskQueueResponse)
    .filter((task) => task.taskToken.length > 0);
}

function eagerFlags(commands: Command[]): boolean[] {
  return commands.flatMap((command) =>
    command.attributes.case === 'scheduleActivityTask'
      ? [command.attributes.value.requestEagerExecution]
      : [],
  );
}

async function runWorkflow<R>(
  log: CallLog,
  options: Partial<WorkerOptions>,
  start: (taskQueue: string) => Promise<R>,
): Promise<R> {
  const taskQueue = `eager-${randomUUID()}`;
  const worker = await Worker.create({
    connection: log.connection,
    taskQueue,
    workflowsPath,
    activities,
    shutdownSignals: [],
    ...options,
  });
  try {
    return await worker.runUntil(start(taskQueue));
  } finally {
    log.close();
  }
}

describe('eager activity execution', () => {
  it('the activity comes back with the workflow task completion: the activity polls receive nothing', async () => {
    const log = loggingConnection();
    const result = await runWorkflow(log, {}, (taskQueue) =>
      t.client.workflow.execute(greetWorkflow, {
        taskQueue,
        workflowId: `eager-${randomUUID()}`,
        args: ['Ada'],
      }),
    );
    expect(result).toBe('Hello, Ada!');
    const [first, second] = completions(log);
    expect(eagerFlags(first?.request.commands ?? [])).toEqual([true]);
    expect(first?.response.activityTasks.map((task) => task.activityType?.name)).toEqual(['greet']);
    expect(second?.response.activityTasks).toEqual([]);
    expect(polledActivities(log)).toEqual([]);
    // Worker RPCs of the run: poll + complete, activity completed, poll + complete (no activity poll), then
    // the worker's ShutdownWorker as it stops.
    const counted = log.calls.filter((call) => {
      if (call.method === 'PollWorkflowTaskQueue' || call.method === 'PollActivityTaskQueue') {
        return (call.response as { taskToken: Uint8Array }).taskToken.length > 0;
      }
      return true;
    });
    expect(counted.map((call) => call.method)).toEqual([
      'PollWorkflowTaskQueue',
      'RespondWorkflowTaskCompleted',
      'RespondActivityTaskCompleted',
      'PollWorkflowTaskQueue',
      'RespondWorkflowTaskCompleted',
      'ShutdownWorker',
    ]);
  });

  it('asks for at most 3 per completion; the others are polled', async () => {
    const log = loggingConnection();
    const result = await runWorkflow(log, {}, (taskQueue) =>
      t.client.workflow.execute(greetMany, { taskQueue, workflowId: `eager-${randomUUID()}`, args: [5] }),
    );
    expect(result).toEqual(['0', '1', '2', '3', '4'].map((name) => `Hello, ${name}!`));
    const [first] = completions(log);
    expect(eagerFlags(first?.request.commands ?? [])).toEqual([true, true, true, false, false]);
    expect(first?.response.activityTasks).toHaveLength(3);
    expect(polledActivities(log)).toHaveLength(2);
  });

  it('disableEagerActivityExecution: the activity is polled', async () => {
    const log = loggingConnection();
    const result = await runWorkflow(log, { disableEagerActivityExecution: true }, (taskQueue) =>
      t.client.workflow.execute(greetWorkflow, {
        taskQueue,
        workflowId: `eager-${randomUUID()}`,
        args: ['Bo'],
      }),
    );
    expect(result).toBe('Hello, Bo!');
    const [first] = completions(log);
    expect(eagerFlags(first?.request.commands ?? [])).toEqual([false]);
    expect(first?.response.activityTasks).toEqual([]);
    expect(polledActivities(log)).toHaveLength(1);
  });

  it('no free activity slot (the only one is held by the open poll): not asked for, polled', async () => {
    const log = loggingConnection();
    const result = await runWorkflow(log, { maxConcurrentActivityTaskExecutions: 1 }, (taskQueue) =>
      t.client.workflow.execute(greetWorkflow, {
        taskQueue,
        workflowId: `eager-${randomUUID()}`,
        args: ['Cy'],
      }),
    );
    expect(result).toBe('Hello, Cy!');
    const [first] = completions(log);
    expect(eagerFlags(first?.request.commands ?? [])).toEqual([false]);
    expect(polledActivities(log)).toHaveLength(1);
  });

  it('an activity on another task queue is not asked for; the worker polling that queue runs it', async () => {
    const log = loggingConnection();
    const otherQueue = `eager-other-${randomUUID()}`;
    const other = await Worker.create({
      connection: t.connection,
      taskQueue: otherQueue,
      activities,
      shutdownSignals: [],
    });
    const result = await other.runUntil(
      runWorkflow(log, {}, (taskQueue) =>
        t.client.workflow.execute(greetOnQueue, {
          taskQueue,
          workflowId: `eager-${randomUUID()}`,
          args: [otherQueue, 'Di'],
        }),
      ),
    );
    expect(result).toBe('Hello, Di!');
    const [first] = completions(log);
    expect(eagerFlags(first?.request.commands ?? [])).toEqual([false]);
    expect(first?.response.activityTasks).toEqual([]);
  });

  it('a workflow-only worker (no activities) never asks', async () => {
    const log = loggingConnection();
    const activityWorkerQueue = `eager-${randomUUID()}`;
    const activityWorker = await Worker.create({
      connection: t.connection,
      taskQueue: activityWorkerQueue,
      activities,
      shutdownSignals: [],
    });
    const workflowWorker = await Worker.create({
      connection: log.connection,
      taskQueue: activityWorkerQueue,
      workflowsPath,
      shutdownSignals: [],
    });
    const result = await activityWorker.runUntil(
      workflowWorker.runUntil(
        t.client.workflow.execute(greetWorkflow, {
          taskQueue: activityWorkerQueue,
          workflowId: `eager-${randomUUID()}`,
          args: ['Ed'],
        }),
      ),
    );
    log.close();
    expect(result).toBe('Hello, Ed!');
    const [first] = completions(log);
    expect(eagerFlags(first?.request.commands ?? [])).toEqual([false]);
  });
});

describe('ActivityPoller eager reservations', () => {
  it('reserves only free slots, releases the unreturned ones, and holds a slot per returned task until it ends', async () => {
    const stop = new AbortController();
    let finishActivity: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => {
      finishActivity = resolve;
    });
    const completed: unknown[] = [];
    const workflowService = {
      // Long polls that never return a task, until the test stops them.
      pollActivityTaskQueue: (_request: unknown, options: { signal: AbortSignal }) =>
        new Promise((_resolve, reject) =>
          AbortSignal.any([options.signal, stop.signal]).addEventListener('abort', () =>
            reject(new Error('aborted')),
          ),
        ),
      respondActivityTaskCompleted: async (request: unknown) => {
        completed.push(request);
        return {};
      },
    };
    const options = compileWorkerOptions({
      connection: { workflowService } as unknown as WorkerOptions['connection'],
      taskQueue: 'q',
      activities: { blockedActivity: () => blocked },
      maxConcurrentActivityTaskExecutions: 4,
      maxConcurrentActivityTaskPolls: 1,
      shutdownSignals: [],
    });
    const poller = new ActivityPoller(options);
    expect(poller.reserveEager(3).count).toBe(0); // not started
    const running = poller.start();
    await new Promise((resolve) => setImmediate(resolve));

    // 4 slots, 1 held by the open poll.
    const first = poller.reserveEager(5);
    expect(first.count).toBe(3);
    expect(poller.reserveEager(1).count).toBe(0);
    const task = create(PollActivityTaskQueueResponseSchema, {
      taskToken: new Uint8Array([1]),
      activityType: { name: 'blockedActivity' },
      activityId: '1',
      attempt: 1,
      startToCloseTimeoutMs: 10_000,
    });
    first.settle([task]);
    expect(poller.runningCount).toBe(1);
    const second = poller.reserveEager(5);
    expect(second.count).toBe(2);
    second.settle([]);
    finishActivity();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(completed).toHaveLength(1);
    expect(poller.runningCount).toBe(0);
    const third = poller.reserveEager(5);
    expect(third.count).toBe(3);
    third.settle([]);

    stop.abort();
    await poller.shutdown(100);
    await running.catch(() => undefined);
    expect(poller.reserveEager(3).count).toBe(0); // stopping
  });
});
