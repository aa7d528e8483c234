import { create } from '@bufbuild/protobuf';
import { afterEach, describe, expect, it } from 'vitest';
import { VERSION_REPLAY_QUERY_TYPE } from '../../src/common/version-replay.js';
import { PayloadsSchema } from '../../src/gen/strata/v1/common_pb.js';
import { VersioningBehavior, WorkerDeploymentOptionsSchema } from '../../src/gen/strata/v1/deployment_pb.js';
import { UpdateWorkflowExecutionLifecycleStage as UpdateStage } from '../../src/gen/strata/v1/update_pb.js';
import { startServer } from '../../src/server/index.js';
import {
  command,
  completeWorkflowTask,
  eventTypes,
  fromJson,
  history,
  json,
  pollWorkflowTask,
  startTestServer,
  startWorkflow,
  type TestServer,
  type WorkflowClient,
} from '../engine/helpers.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { eventually } from '../helpers/strata-server.js';

const longPollTimeoutMs = 30_000;
const started: TestServer[] = [];
const drops: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.server.close()));
  for (const drop of drops.splice(0)) await drop();
});

/** `count` servers on one fresh database, with long polls far longer than any test waits. */
async function serversOnOneDatabase(count: number): Promise<{ url: string; servers: TestServer[] }> {
  const database = await createTestDatabase();
  drops.push(database.drop);
  const servers: TestServer[] = [];
  for (let i = 0; i < count; i++) {
    const t = await startTestServer({ db: database.url, dbPoolSize: 4, limits: { longPollTimeoutMs } });
    started.push(t);
    servers.push(t);
  }
  return { url: database.url, servers };
}

describe('several server processes on one PostgreSQL database', () => {
  it('a task queued through one server reaches a poll waiting on another at once (NOTIFY, no polling)', async () => {
    const [a, b] = (await serversOnOneDatabase(2)).servers as [TestServer, TestServer];
    const waiting = pollWorkflowTask(b.client, 'q-notify');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = Date.now();
    await startWorkflow(a.client, 'wf-notify', 'q-notify');
    const task = await waiting;
    expect(task.workflowExecution?.workflowId).toBe('wf-notify');
    expect(Date.now() - before).toBeLessThan(longPollTimeoutMs / 10);
  });

  it('a result waiter on one server wakes when the run closes through another', async () => {
    const [a, b] = (await serversOnOneDatabase(2)).servers as [TestServer, TestServer];
    await startWorkflow(a.client, 'wf-close', 'q-close');
    const task = await pollWorkflowTask(a.client, 'q-close');
    const closed = b.client.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId: 'wf-close' },
      waitForClose: true,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = Date.now();
    await completeWorkflowTask(a.client, task, [
      command({ case: 'completeWorkflowExecution', value: { result: json('done') } }),
    ]);
    const response = await closed;
    expect(eventTypes(response.history?.events ?? [])).toEqual(['WORKFLOW_EXECUTION_COMPLETED']);
    expect(Date.now() - before).toBeLessThan(longPollTimeoutMs / 10);
  });

  it('a query sent to one server is answered by a worker polling another', async () => {
    const [a, b] = (await serversOnOneDatabase(2)).servers as [TestServer, TestServer];
    await startWorkflow(a.client, 'wf-query', 'q-query');
    await completeWorkflowTask(a.client, await pollWorkflowTask(a.client, 'q-query'), []);
    // The worker waits on server B; nobody polls server A.
    const polled = pollWorkflowTask(b.client, 'q-query');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const answer = a.client.queryWorkflow({
      namespace: 'default',
      execution: { workflowId: 'wf-query' },
      query: { queryType: 'status', queryArgs: json('detail') },
    });
    const task = await polled;
    expect(task.query?.queryType).toBe('status');
    expect(fromJson(task.query?.queryArgs)).toBe('detail');
    expect(eventTypes(task.history?.events ?? [])).toContain('WORKFLOW_TASK_COMPLETED');
    await b.client.respondQueryTaskCompleted({
      namespace: 'default',
      taskToken: task.taskToken,
      queryResult: create(PayloadsSchema, json({ state: 'waiting' })),
    });
    expect(fromJson((await answer).queryResult)).toEqual({ state: 'waiting' });
    // The answer was taken: a second answer to the same task is refused.
    await expect(
      b.client.respondQueryTaskCompleted({ namespace: 'default', taskToken: task.taskToken }),
    ).rejects.toThrow(/\[TASK_NOT_FOUND\]/);
  });

  it("a replay for a version sent to one server reaches that version's worker polling another, not another version's", async () => {
    const [a, b] = (await serversOnOneDatabase(2)).servers as [TestServer, TestServer];
    await startWorkflow(a.client, 'wf-replay', 'q-replay');
    await completeWorkflowTask(a.client, await pollWorkflowTask(a.client, 'q-replay'), []);
    // On server B: an unversioned worker and a worker of my-worker/prod:v2 wait; nobody polls server A.
    const unversioned = b.client.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: 'q-replay',
      taskQueueKind: 1,
      identity: 'unversioned-worker',
    });
    const versioned = b.client.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: 'q-replay',
      taskQueueKind: 1,
      identity: 'v2-worker',
      deploymentOptions: {
        useWorkerVersioning: true,
        version: { deploymentName: 'my-worker/prod', buildId: 'v2' },
        defaultVersioningBehavior: VersioningBehavior.PINNED,
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const replayed = a.client.replayWorkflowsOnVersion({
      namespace: 'default',
      version: { deploymentName: 'my-worker/prod', buildId: 'v2' },
      executions: [{ workflowId: 'wf-replay' }],
    });
    const task = await versioned;
    expect(task.query?.queryType).toBe(VERSION_REPLAY_QUERY_TYPE);
    expect(task.history?.events[0]?.eventId).toBe(1);
    await b.client.respondQueryTaskCompleted({
      namespace: 'default',
      taskToken: task.taskToken,
      queryResult: create(
        PayloadsSchema,
        json({
          ok: false,
          identity: 'v2-worker',
          errorType: 'DeterminismViolationError',
          message: '[NDE] differs',
          eventId: 3,
        }),
      ),
    });
    const { results } = await replayed;
    expect(
      results.map((r) => [r.execution?.workflowId, r.ok, r.errorType, r.eventId, r.workerIdentity]),
    ).toEqual([['wf-replay', false, 'DeterminismViolationError', 3, 'v2-worker']]);
    // The unversioned worker was never handed the replay; its poll is still waiting.
    const answered = await Promise.race([
      unversioned.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300)),
    ]);
    expect(answered).toBe(false);
  });

  it('each due timer fires exactly once while several servers race for it', async () => {
    const { url, servers } = await serversOnOneDatabase(1);
    const [a] = servers as [TestServer];
    const workflows = Array.from({ length: 30 }, (_, i) => `wf-timer-${i}`);
    for (const id of workflows) await startWorkflow(a.client, id, 'q-timers');
    for (const _ of workflows) {
      await completeWorkflowTask(a.client, await pollWorkflowTask(a.client, 'q-timers'), [
        command({ case: 'startTimer', value: { timerId: 't', startToFireTimeoutMs: 300 } }),
      ]);
    }
    // Two more servers start as the timers come due: their first look at the timer table races the
    // first server's timer queue for the same rows.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const others = await Promise.all(
      [0, 1].map(() => startServer({ port: 0, logLevel: 'error', db: url, dbPoolSize: 4 })),
    );
    try {
      for (const _ of workflows) {
        await completeWorkflowTask(a.client, await pollWorkflowTask(a.client, 'q-timers'), [
          command({ case: 'completeWorkflowExecution', value: {} }),
        ]);
      }
    } finally {
      await Promise.all(others.map((server) => server.close()));
    }
    for (const id of workflows) {
      expect(eventTypes(await history(a.client, id)).filter((type) => type === 'TIMER_FIRED')).toHaveLength(
        1,
      );
    }
  });

  it('an update sent through one server while a worker of another holds the workflow task goes out right after that task, and its caller gets the result', async () => {
    const [a, b] = (await serversOnOneDatabase(2)).servers as [TestServer, TestServer];
    await startWorkflow(a.client, 'wf-update-race', 'q-update-race');
    // Server B's worker holds the run's first workflow task while the update arrives through server A.
    const held = await pollWorkflowTask(b.client, 'q-update-race');
    expect(held.updateRequests).toEqual([]);
    const outcome = a.client.updateWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'wf-update-race' },
      waitPolicy: { lifecycleStage: UpdateStage.COMPLETED },
      request: { meta: { updateId: 'u-race', identity: 'test' }, input: { name: 'setValue', args: json(7) } },
    });
    // Admitted (not found before that): it waits for the task B's worker holds.
    await eventually(() =>
      a.client
        .pollWorkflowExecutionUpdate({
          namespace: 'default',
          updateRef: { workflowExecution: { workflowId: 'wf-update-race' }, updateId: 'u-race' },
        })
        .then(
          (response) => response.stage === UpdateStage.ADMITTED,
          () => false,
        ),
    );
    await completeWorkflowTask(b.client, held, []);
    // No other task of the run exists: the update comes in a speculative task, to a poller of server B.
    const task = await pollWorkflowTask(b.client, 'q-update-race');
    const [request] = task.updateRequests;
    expect(request?.request?.meta?.updateId).toBe('u-race');
    await completeWorkflowTask(b.client, task, [
      command({
        case: 'acceptWorkflowUpdate',
        value: {
          protocolInstanceId: request?.protocolInstanceId ?? '',
          acceptedRequestMessageId: request?.id ?? '',
          acceptedRequestSequencingEventId: request?.eventId ?? 0,
          acceptedRequest: request?.request,
        },
      }),
      command({
        case: 'completeWorkflowUpdate',
        value: { meta: { updateId: 'u-race' }, outcome: { value: { case: 'success', value: json('done') } } },
      }),
    ]);
    const response = await outcome;
    expect(response.stage).toBe(UpdateStage.COMPLETED);
    const result = response.outcome?.value;
    expect(result?.case === 'success' && fromJson(result.value)).toBe('done');
  });
});

const deploymentName = 'multi/prod';

function poll(client: WorkflowClient, taskQueue: string, buildId: string, signal?: AbortSignal) {
  return client.pollWorkflowTaskQueue(
    {
      namespace: 'default',
      taskQueue,
      identity: `worker-${buildId}`,
      deploymentOptions: create(WorkerDeploymentOptionsSchema, {
        version: { deploymentName, buildId },
        useWorkerVersioning: true,
        defaultVersioningBehavior: VersioningBehavior.PINNED,
      }),
    },
    { signal },
  );
}

describe('worker versioning with several server processes on one PostgreSQL database', () => {
  it('V2: tasks a routing change moves reach the new version polling another server at once', async () => {
    const [a, b] = (await serversOnOneDatabase(2)).servers as [TestServer, TestServer];
    const queue = 'q-versioned';
    // Both versions register on their first polls (through server a); then they stop polling there.
    const registering = new AbortController();
    const polls = ['1', '2'].map((buildId) =>
      poll(a.client, queue, buildId, registering.signal).catch(() => undefined),
    );
    await eventually(async () => {
      const { pollers } = await a.client.describeTaskQueue({ namespace: 'default', taskQueue: queue });
      return pollers.length === 2 ? true : undefined;
    });
    registering.abort();
    await Promise.all(polls);
    await a.client.setWorkerDeploymentCurrentVersion({ namespace: 'default', deploymentName, buildId: '1' });
    await startWorkflow(a.client, 'wf-moved', queue);

    const waiting = poll(b.client, queue, '2');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = Date.now();
    await a.client.setWorkerDeploymentCurrentVersion({ namespace: 'default', deploymentName, buildId: '2' });
    const task = await waiting;
    expect(task.workflowExecution?.workflowId).toBe('wf-moved');
    expect(Date.now() - before).toBeLessThan(longPollTimeoutMs / 10);
  });
});
