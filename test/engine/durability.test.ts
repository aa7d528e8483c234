import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowService } from '../../src/gen/strata/v1/service_pb.js';
import {
  command,
  completeWorkflowTask,
  eventTypes,
  history,
  pollWorkflowTask,
  startTestServer,
  startWorkflow,
  testStorage,
  waitForClose,
} from './helpers.js';

describe('durability', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('a server reopened on the same database keeps executions, histories and pending timers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-durability-'));
    dirs.push(dir);
    const dbFilename = join(dir, 'strata.db');

    const first = await startTestServer({ dbFilename });
    const runId = await startWorkflow(first.client, 'wf-durable', 'q-durable');
    const task = await pollWorkflowTask(first.client, 'q-durable');
    await completeWorkflowTask(first.client, task, [
      command({ case: 'startTimer', value: { timerId: 'nap', startToFireTimeoutMs: 400 } }),
    ]);
    await startWorkflow(first.client, 'wf-queued', 'q-durable-2');
    const before = eventTypes(await history(first.client, 'wf-durable'));
    await first.server.close();

    const second = await startTestServer({ dbFilename });
    try {
      expect(eventTypes(await history(second.client, 'wf-durable'))).toEqual(before);
      const described = await second.client.describeWorkflowExecution({
        namespace: 'default',
        execution: { workflowId: 'wf-durable' },
      });
      expect(described.workflowExecutionInfo?.execution?.runId).toBe(runId);
      // The queued task of the other workflow survived too.
      const queued = await pollWorkflowTask(second.client, 'q-durable-2');
      expect(queued.workflowExecution?.workflowId).toBe('wf-queued');
      // The timer set before the restart fires after it.
      const next = await pollWorkflowTask(second.client, 'q-durable');
      expect(eventTypes(next.history?.events ?? [])).toContain('TIMER_FIRED');
      await completeWorkflowTask(second.client, next, [
        command({ case: 'completeWorkflowExecution', value: {} }),
      ]);
      await waitForClose(second.client, 'wf-durable');
      const count = await second.client.countWorkflowExecutions({
        namespace: 'default',
        query: 'Status = "Completed"',
      });
      expect(count.count).toBe(1);
    } finally {
      await second.server.close();
    }
  });

  it('acknowledged writes survive SIGKILL of the server process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-sigkill-'));
    dirs.push(dir);
    const dbFilename = join(dir, 'strata.db');
    const script = fileURLToPath(new URL('./fixtures/strata-server-cli.ts', import.meta.url));
    const storage = (await testStorage(dbFilename)).options;
    const dbArgs = storage.db ? ['--db', storage.db] : ['--db-filename', dbFilename];
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', script, 'server', 'start-dev', '--port', '0', ...dbArgs],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const address = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /listening on (\S+)/.exec(chunk.toString());
        if (match?.[1]) resolve(`http://${match[1]}`);
      });
      child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
    });
    const client = createClient(
      WorkflowService,
      createConnectTransport({ httpVersion: '2', baseUrl: address }),
    );
    const runIds = await Promise.all(
      Array.from({ length: 20 }, (_, i) => startWorkflow(client, `wf-killed-${i}`, 'q-killed')),
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const reopened = await startTestServer({ dbFilename });
    try {
      const count = await reopened.client.countWorkflowExecutions({
        namespace: 'default',
        query: 'TaskQueue = "q-killed"',
      });
      expect(count.count).toBe(20);
      const described = await reopened.client.describeWorkflowExecution({
        namespace: 'default',
        execution: { workflowId: 'wf-killed-7' },
      });
      expect(described.workflowExecutionInfo?.execution?.runId).toBe(runIds[7]);
      const task = await pollWorkflowTask(reopened.client, 'q-killed');
      expect(task.workflowExecution?.workflowId).toMatch(/^wf-killed-/);
    } finally {
      await reopened.server.close();
    }
  });
});
