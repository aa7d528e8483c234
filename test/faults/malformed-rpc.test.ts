import { randomUUID } from 'node:crypto';
import { connect } from 'node:http2';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import {
  type StartWorkflowExecutionRequest,
  StartWorkflowExecutionRequestSchema,
} from '../../src/gen/strata/v1/service_pb.js';
import { useTestServer } from '../worker/harness.js';

const t = useTestServer();

function startRequest(
  overrides: Omit<MessageInitShape<typeof StartWorkflowExecutionRequestSchema>, '$typeName'>,
): StartWorkflowExecutionRequest {
  return create(StartWorkflowExecutionRequestSchema, {
    namespace: 'default',
    workflowId: `rpc-${randomUUID()}`,
    workflowType: { name: 'greet' },
    taskQueue: 'malformed-rpc',
    requestId: randomUUID(),
    ...overrides,
  });
}

async function startError(request: StartWorkflowExecutionRequest): Promise<ConnectError> {
  const error = await t.connection.workflowService.startWorkflowExecution(request).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

/** POSTs `body` as Connect JSON over HTTP/2, as `curl --http2-prior-knowledge` would. */
function postJson(path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://${t.server.address}`);
    session.once('error', reject);
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/json',
    });
    let status = 0;
    let text = '';
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.once('end', () => {
      session.close();
      resolve({ status, body: text });
    });
    stream.once('error', reject);
    stream.end(body);
  });
}

const startPath = '/strata.v1.WorkflowService/StartWorkflowExecution';

describe('malformed RPC fields', () => {
  it.each([
    ['a blank workflow id', { workflowId: '   ' }, 'workflow_id is required'],
    ['a missing workflow type', { workflowType: undefined }, 'workflow_type.name is required'],
    ['a missing task queue', { taskQueue: '' }, 'task_queue is required'],
    [
      'a negative execution timeout',
      { workflowExecutionTimeoutMs: -5 },
      'workflow_execution_timeout_ms must be >= 0, got -5',
    ],
    ['a negative task timeout', { workflowTaskTimeoutMs: -1 }, 'workflow_task_timeout_ms must be >= 0'],
  ] as const)(
    'StartWorkflowExecution with %s fails with InvalidArgument naming the field',
    async (_, overrides, text) => {
      const workflowId = `rpc-${randomUUID()}`;
      const error = await startError(startRequest({ workflowId, ...overrides }));
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toContain('[INVALID_ARGUMENT]');
      expect(error.rawMessage).toContain(text);
    },
  );

  it('a signal with a blank workflow id or signal name fails with InvalidArgument naming the field', async () => {
    const noId = await t.connection.workflowService
      .signalWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId: '' },
        signalName: 's',
      })
      .catch((err: unknown) => ConnectError.from(err));
    expect(noId).toMatchObject({ code: Code.InvalidArgument });
    expect((noId as ConnectError).rawMessage).toContain('workflow_execution.workflow_id is required');
    const noName = await t.connection.workflowService
      .signalWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId: 'x' },
        signalName: ' ',
      })
      .catch((err: unknown) => ConnectError.from(err));
    expect(noName).toMatchObject({ code: Code.InvalidArgument });
    expect((noName as ConnectError).rawMessage).toContain('signal_name is required');
  });

  it('Connect JSON with a wrong-typed field gets a clear invalid_argument error, and the server keeps serving', async () => {
    const workflowId = `json-${randomUUID()}`;
    const wrongType = await postJson(
      startPath,
      JSON.stringify({
        namespace: 'default',
        workflowId,
        workflowType: { name: 'greet' },
        taskQueue: 'malformed-rpc',
        workflowExecutionTimeoutMs: 'soon',
      }),
    );
    expect(wrongType.status).toBe(400);
    const error = JSON.parse(wrongType.body) as { code: string; message: string };
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain('workflow_execution_timeout_ms');
    expect(error.message).toContain('expected number (float64), got "soon"');

    const notJson = await postJson(startPath, '{"workflowId": ');
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body)).toMatchObject({ code: 'invalid_argument' });
    expect(notJson.body).toContain('Unexpected end of JSON input');

    const valid = await postJson(
      startPath,
      JSON.stringify({
        namespace: 'default',
        workflowId,
        workflowType: { name: 'greet' },
        taskQueue: 'malformed-rpc',
      }),
    );
    expect(valid.status).toBe(200);
    expect(JSON.parse(valid.body)).toMatchObject({ started: true });
    const described = await t.connection.workflowService.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId },
    });
    expect(described.workflowExecutionInfo?.type?.name).toBe('greet');
  });
});
