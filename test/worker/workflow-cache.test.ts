import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { GetWorkflowExecutionHistoryRequest } from '../../src/gen/strata/v1/service_pb.js';
import { approvalWorkflow, approve, status } from '../fixtures/worker-workflows.js';
import { createFixtureWorker, recordingConnection, useTestServer } from './harness.js';

// Three events per history page: every history the worker fetches spans several pages.
const t = useTestServer({ historyPageSize: 3 });

it('runs evicted from a small cache get their sticky tasks with the full history fetched page by page', async () => {
  const taskQueue = `cache-${randomUUID()}`;
  const recording = recordingConnection(t.server, 'GetWorkflowExecutionHistory');
  const worker = await createFixtureWorker(recording.connection, taskQueue, { maxCachedWorkflows: 2 });
  const results = await worker.runUntil(async () => {
    const handles = await Promise.all(
      ['a', 'b', 'c', 'd'].map((name) =>
        t.client.workflow.start(approvalWorkflow, { taskQueue, workflowId: `${taskQueue}-${name}` }),
      ),
    );
    for (const handle of handles) expect(await handle.query(status)).toBe('waiting');
    expect(worker.getStatus().numCachedWorkflows).toBeLessThanOrEqual(2);
    await Promise.all(handles.map((handle, i) => handle.signal(approve, `approver ${i}`)));
    return Promise.all(handles.map((handle) => handle.result()));
  });
  recording.close();
  // Pages after the first carry the token the previous page returned.
  const tokenLengths = recording.requests.map(
    ({ message }) => (message as GetWorkflowExecutionHistoryRequest).nextPageToken.length,
  );
  expect(tokenLengths.filter((length) => length === 0).length).toBeGreaterThan(0);
  expect(tokenLengths.filter((length) => length > 0).length).toBeGreaterThan(0);
  expect(results).toEqual([
    'Hello, approver 0!',
    'Hello, approver 1!',
    'Hello, approver 2!',
    'Hello, approver 3!',
  ]);
});
