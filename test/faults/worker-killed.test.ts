import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../worker/harness.js';
import { retryAfterWorkerDeath } from './fixtures/workflows.js';
import { type ChildHandle, startWorkerProcess, waitFor } from './processes.js';

const t = useTestServer();
const children: ChildHandle[] = [];
const markerDir = mkdtempSync(join(tmpdir(), 'strata-worker-killed-'));

// Runs before useTestServer's afterAll (vitest runs after-hooks last registered first).
afterAll(async () => {
  await Promise.all(children.map((child) => child.kill('SIGKILL')));
  rmSync(markerDir, { recursive: true, force: true });
});

describe('a worker process killed with SIGKILL', () => {
  it('mid-activity: the activity is retried after its start-to-close timeout on another worker and the workflow completes', async () => {
    const taskQueue = `worker-killed-${randomUUID()}`;
    const first = await startWorkerProcess(t.server.address, taskQueue);
    children.push(first);
    const handle = await t.client.workflow.start(retryAfterWorkerDeath, {
      taskQueue,
      workflowId: `worker-killed-${randomUUID()}`,
      args: [markerDir],
    });

    // The first attempt runs in the first worker, and the server knows it started.
    await waitFor('the first attempt to start', () => existsSync(join(markerDir, 'attempt-1')));
    expect(readFileSync(join(markerDir, 'attempt-1'), 'utf8')).toBe(String(first.child.pid));
    await waitFor('describe to show the activity started', async () => {
      const [activity] = (await handle.describe()).pendingActivities;
      return activity?.state === 'STARTED' && activity.attempt === 1;
    });

    await first.kill('SIGKILL');
    const killedAtMs = Date.now();
    const second = await startWorkerProcess(t.server.address, taskQueue);
    children.push(second);

    expect(await handle.result()).toBe(2);
    expect(readFileSync(join(markerDir, 'attempt-2'), 'utf8')).toBe(String(second.child.pid));
    // Not retried before the server's start-to-close timeout (2 s after the attempt started).
    expect(Date.now() - killedAtMs).toBeGreaterThan(1_000);

    const history = await handle.fetchHistory();
    const started = history.events.flatMap((e) =>
      e.attributes.case === 'activityTaskStartedEventAttributes' ? [e.attributes.value] : [],
    );
    expect(started).toHaveLength(1);
    expect(started[0]?.attempt).toBe(2);
    expect(started[0]?.identity).toMatch(new RegExp(`^${second.child.pid}@`));
    const types = history.events.map((e) => e.attributes.case);
    expect(types).toContain('activityTaskCompletedEventAttributes');
    expect(types).not.toContain('activityTaskTimedOutEventAttributes');
    expect(types.at(-1)).toBe('workflowExecutionCompletedEventAttributes');
  });
});
