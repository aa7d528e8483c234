import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from '@connectrpc/connect-node';
import { describe, expect, it } from 'vitest';
import { WorkflowService } from '../../src/gen/strata/v1/service_pb.js';
import { useTestServer } from './helpers.js';

describe('wire protocols', () => {
  const t = useTestServer();

  const transports: Array<[string, (baseUrl: string) => Transport]> = [
    ['Connect JSON', (baseUrl) => createConnectTransport({ httpVersion: '2', baseUrl })],
    [
      'Connect binary',
      (baseUrl) => createConnectTransport({ httpVersion: '2', baseUrl, useBinaryFormat: true }),
    ],
    [
      'Connect binary, gzip',
      (baseUrl) =>
        createConnectTransport({
          httpVersion: '2',
          baseUrl,
          useBinaryFormat: true,
          sendCompression: undefined,
        }),
    ],
    ['gRPC', (baseUrl) => createGrpcTransport({ baseUrl })],
    ['gRPC-Web', (baseUrl) => createGrpcWebTransport({ httpVersion: '2', baseUrl })],
  ];

  it.each(transports)('%s: calls succeed and errors keep their code and message', async (name, transport) => {
    const client = createClient(WorkflowService, transport(t.server.address));
    const workflowId = `proto-${name}`;
    const started = await client.startWorkflowExecution({
      namespace: 'default',
      workflowId,
      workflowType: { name: 'W' },
      taskQueue: 'q-protocols',
    });
    const described = await client.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId },
    });
    expect(described.workflowExecutionInfo?.execution?.runId).toBe(started.runId);
    const error = await client
      .describeWorkflowExecution({ namespace: 'default', execution: { workflowId: 'missing' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.NotFound);
    expect((error as ConnectError).rawMessage).toBe(
      '[WORKFLOW_NOT_FOUND] workflow "missing" not found in namespace "default"',
    );
    const empty = await client
      .pollActivityTaskQueue({ namespace: 'default', taskQueue: 'q-protocols-idle' }, { timeoutMs: 300 })
      .catch((e: unknown) => e);
    // A caller's deadline ends the long poll: either an empty response or DeadlineExceeded.
    if (empty instanceof ConnectError) expect(empty.code).toBe(Code.DeadlineExceeded);
    else expect((empty as { taskToken: Uint8Array }).taskToken.length).toBe(0);
  });
});
