import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  command,
  completeWorkflowTask,
  eventTypes,
  history,
  pollWorkflowTask,
  startTestServer,
  startWorkflow,
  type TestServer,
  waitForClose,
} from '../engine/helpers.js';
import { type PostgresServer, startPostgres } from '../helpers/postgres.js';
import { eventually } from '../helpers/strata-server.js';

// Its own PostgreSQL server: the test stops and restarts it, which the shared one must not see.
let postgres: PostgresServer;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  postgres = await startPostgres();
  const url = await postgres.createDatabase('strata');
  a = await startTestServer({ db: url, dbPoolSize: 4, limits: { longPollTimeoutMs: 30_000 } });
  b = await startTestServer({ db: url, dbPoolSize: 4, limits: { longPollTimeoutMs: 30_000 } });
});

afterAll(async () => {
  await a?.server.close();
  await b?.server.close();
  await postgres?.destroy();
});

describe('PostgreSQL restarting under running servers', () => {
  it('requests fail as Unavailable [STORE_UNAVAILABLE] meanwhile; then the servers reconnect by themselves and nothing is lost', async () => {
    await startWorkflow(a.client, 'wf-before', 'q-restart');
    const task = await pollWorkflowTask(a.client, 'q-restart');
    await completeWorkflowTask(a.client, task, [
      command({ case: 'startTimer', value: { timerId: 'nap', startToFireTimeoutMs: 1500 } }),
    ]);

    await postgres.stop('fast');
    const failure = await startWorkflow(a.client, 'wf-during', 'q-restart').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConnectError);
    expect((failure as ConnectError).code).toBe(Code.Unavailable);
    expect((failure as ConnectError).rawMessage).toMatch(
      /^\[STORE_UNAVAILABLE\] the PostgreSQL database is unreachable/,
    );
    await postgres.start();

    // The same request succeeds once the database is back, with no restart of the servers.
    await eventually(
      () =>
        startWorkflow(a.client, 'wf-during', 'q-restart').then(
          () => true,
          () => false,
        ),
      20_000,
      'the server to reach PostgreSQL again',
    );
    // The timer armed before the outage fires after it; its workflow task reaches a poll on server B,
    // woken through the reconnected notification connection.
    const next = await pollWorkflowTask(b.client, 'q-restart');
    const resumed =
      next.workflowExecution?.workflowId === 'wf-before'
        ? next
        : await pollWorkflowTask(b.client, 'q-restart');
    expect(eventTypes(resumed.history?.events ?? [])).toContain('TIMER_FIRED');
    await completeWorkflowTask(b.client, resumed, [
      command({ case: 'completeWorkflowExecution', value: {} }),
    ]);
    await waitForClose(a.client, 'wf-before');
    expect(eventTypes(await history(a.client, 'wf-before'))).toEqual([
      'WORKFLOW_EXECUTION_STARTED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
      'WORKFLOW_TASK_COMPLETED',
      'TIMER_STARTED',
      'TIMER_FIRED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
      'WORKFLOW_TASK_COMPLETED',
      'WORKFLOW_EXECUTION_COMPLETED',
    ]);

    // Cross-server wake-ups work again: a task queued through A reaches a poll waiting on B at once.
    await eventually(
      async () => {
        const waiting = b.client.pollWorkflowTaskQueue({
          namespace: 'default',
          taskQueue: 'q-after',
          identity: 't',
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        const before = Date.now();
        await startWorkflow(a.client, `wf-after-${before}`, 'q-after');
        const polled = await waiting;
        return polled.taskToken.length > 0 && Date.now() - before < 3000;
      },
      20_000,
      'a task through A to wake a poll on B',
    );
  }, 60_000);
});
