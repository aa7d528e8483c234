import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  command,
  completeWorkflowTask,
  eventTypes,
  history,
  pollWorkflowTask,
  startTestServer,
  startWorkflow,
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
});
