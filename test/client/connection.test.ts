import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { Connection, ConnectionError } from '../../src/client/connection.js';
import {
  isTransient,
  ServiceError,
  toClientError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '../../src/client/errors.js';
import { freePort } from '../helpers/free-port.js';

describe('Connection.connect', () => {
  it('says which address is unreachable and how to start a server', async () => {
    const port = await freePort();
    const attempt = Connection.connect({ address: `http://127.0.0.1:${port}` });
    await expect(attempt).rejects.toBeInstanceOf(ConnectionError);
    await expect(attempt).rejects.toThrow(
      `[CONNECTION] cannot reach a Strata server at 127.0.0.1:${port}: connect ECONNREFUSED. ` +
        'Start one with `strata server start-dev`',
    );
  });
});

describe('toClientError', () => {
  it("maps NotFound on a workflow to WorkflowNotFoundError, keeping the server's message", () => {
    const serverMessage = '[WORKFLOW_NOT_FOUND] workflow "w1" run "r1" not found in namespace "default"';
    const err = toClientError(new ConnectError(serverMessage, Code.NotFound), {
      workflowId: 'w1',
      runId: 'r1',
    });
    expect(err).toBeInstanceOf(WorkflowNotFoundError);
    expect(err).toMatchObject({ workflowId: 'w1', runId: 'r1', message: serverMessage });
    const bare = toClientError(new ConnectError('', Code.NotFound), { workflowId: 'w2' });
    expect(bare).toMatchObject({ message: 'workflow "w2" not found' });
  });

  it('maps AlreadyExists on a start to WorkflowExecutionAlreadyStartedError', () => {
    const err = toClientError(new ConnectError('running', Code.AlreadyExists), {
      workflowId: 'w1',
      workflowType: 'greet',
    });
    expect(err).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    expect(err).toMatchObject({ workflowId: 'w1', workflowType: 'greet' });
  });

  it("keeps the Connect code and the server's message in a ServiceError otherwise", () => {
    const err = toClientError(new ConnectError('bad query: unknown field Foo', Code.InvalidArgument));
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ code: Code.InvalidArgument });
    expect((err as Error).message).toContain('bad query: unknown field Foo');
  });

  it('passes other errors through untouched', () => {
    const original = new TypeError('x');
    expect(toClientError(original)).toBe(original);
  });
});

describe('isTransient: what result() retries', () => {
  it('retries an unavailable server and a stream refused while it shut down, nothing else', () => {
    expect(isTransient(new ConnectError('connect ECONNREFUSED', Code.Unavailable))).toBe(true);
    const refused = new ConnectError('Stream closed with error code NGHTTP2_REFUSED_STREAM', Code.Internal);
    expect(isTransient(refused)).toBe(true);
    expect(isTransient(new ConnectError('[INTERNAL] bug', Code.Internal))).toBe(false);
    expect(isTransient(new ConnectError('no such workflow', Code.NotFound))).toBe(false);
    expect(isTransient(new Error('Unavailable'))).toBe(false);
  });

  it('retries a call whose connection died under it (a server killed with SIGKILL), not one the caller aborted', () => {
    expect(isTransient(new ConnectError('read ECONNRESET', Code.Aborted))).toBe(true);
    const cancelled = new ConnectError('http/2 stream closed with error code CANCEL (0x8)', Code.Canceled);
    expect(isTransient(cancelled)).toBe(true);
    expect(isTransient(new ConnectError('This operation was aborted', Code.Canceled))).toBe(false);
    expect(isTransient(new ConnectError('[CONFLICT] try again', Code.Aborted))).toBe(false);
  });
});
