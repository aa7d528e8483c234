import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, Connection } from '../../src/client/index.js';
import { payloadsToValue } from '../../src/common/payload-proto.js';
import {
  type RecordActivityTaskHeartbeatRequest,
  WorkflowService,
} from '../../src/gen/strata/v1/service_pb.js';
import { Worker } from '../../src/worker/index.js';
import * as activities from '../fixtures/worker-activities.js';
import { heartbeatBurstWorkflow } from '../fixtures/worker-workflows.js';
import { startTestServer, type TestServer } from './harness.js';

const workflowsPath = fileURLToPath(new URL('../fixtures/worker-workflows.ts', import.meta.url));

let server: TestServer;
let connection: Connection;

beforeAll(async () => {
  server = await startTestServer();
  connection = await Connection.connect({ address: server.address });
});

afterAll(async () => {
  connection?.close();
  await server?.stop();
});

it('heartbeats are throttled to one RPC per 80% of the heartbeat timeout, and the latest details go out', async () => {
  // The worker talks to the real server through a connection that records every heartbeat RPC it sends.
  const sent: { atMs: number; details: unknown }[] = [];
  const recordHeartbeats: Interceptor = (next) => async (request) => {
    if (request.method.name === 'RecordActivityTaskHeartbeat') {
      const message = request.message as RecordActivityTaskHeartbeatRequest;
      sent.push({ atMs: Date.now(), details: payloadsToValue(message.details) });
    }
    return next(request);
  };
  const baseUrl = `http://${server.address}`;
  const sessionManager = new Http2SessionManager(baseUrl);
  const workflowService = createClient(
    WorkflowService,
    createConnectTransport({ httpVersion: '2', baseUrl, sessionManager, interceptors: [recordHeartbeats] }),
  );
  const taskQueue = `heartbeat-${randomUUID()}`;
  const worker = await Worker.create({
    connection: { workflowService },
    taskQueue,
    workflowsPath,
    activities,
    shutdownSignals: [],
  });
  const client = new Client({ connection });
  try {
    // 100 heartbeats over ~1.1 s, heartbeat timeout 1 s: an RPC at once, then at most one per 800 ms.
    const result = await worker.runUntil(
      client.workflow.execute(heartbeatBurstWorkflow, {
        taskQueue,
        workflowId: taskQueue,
        args: [100, 1200],
      }),
    );
    expect(result).toBe(100);
  } finally {
    sessionManager.abort();
  }
  expect(sent.length).toBeGreaterThanOrEqual(2);
  expect(sent.length).toBeLessThanOrEqual(4);
  expect(sent[0]?.details).toBe(1);
  expect(sent.at(-1)?.details).toBe(100);
  for (let i = 1; i < sent.length; i++) {
    expect(sent[i]!.atMs - sent[i - 1]!.atMs).toBeGreaterThanOrEqual(780);
  }
});
