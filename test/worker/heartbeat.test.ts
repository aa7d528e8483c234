import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { payloadsToValue } from '../../src/common/payload-proto.js';
import type { RecordActivityTaskHeartbeatRequest } from '../../src/gen/strata/v1/service_pb.js';
import { heartbeatBurstWorkflow } from '../fixtures/worker-workflows.js';
import { createFixtureWorker, recordingConnection, useTestServer } from './harness.js';

const t = useTestServer();

it('heartbeats are throttled to one RPC per 80% of the heartbeat timeout, and the latest details go out', async () => {
  // The worker talks to the real server through a connection that records every heartbeat it sends.
  const recording = recordingConnection(t.server, 'RecordActivityTaskHeartbeat');
  const taskQueue = `heartbeat-${randomUUID()}`;
  const worker = await createFixtureWorker(recording.connection, taskQueue);
  try {
    // 100 heartbeats over ~1.1 s, heartbeat timeout 1 s: an RPC at once, then at most one per 800 ms.
    const result = await worker.runUntil(
      t.client.workflow.execute(heartbeatBurstWorkflow, {
        taskQueue,
        workflowId: taskQueue,
        args: [100, 1200],
      }),
    );
    expect(result).toBe(100);
  } finally {
    recording.close();
  }
  const sent = recording.requests.map(({ atMs, message }) => ({
    atMs,
    details: payloadsToValue((message as RecordActivityTaskHeartbeatRequest).details),
  }));
  expect(sent.length).toBeGreaterThanOrEqual(2);
  expect(sent.length).toBeLessThanOrEqual(4);
  expect(sent[0]?.details).toBe(1);
  expect(sent.at(-1)?.details).toBe(100);
  for (let i = 1; i < sent.length; i++) {
    expect(sent[i]!.atMs - sent[i - 1]!.atMs).toBeGreaterThanOrEqual(780);
  }
});
