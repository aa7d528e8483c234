import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import {
  type DescMessage,
  fromBinary,
  fromJsonString,
  type Message,
  toBinary,
  toJsonString,
} from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { codeToHttpStatus, errorToJsonBytes } from '@connectrpc/connect/protocol-connect';
import { WorkflowService } from '../gen/strata/v1/service_pb.js';
import { toConnectError } from './errors.js';
import type { CallContext, WorkflowServiceCalls } from './service.js';

type Call = (request: Message, context: CallContext) => Promise<Message> | Message;

interface Route {
  input: DescMessage;
  output: DescMessage;
  call: Call;
  /** Long polls and queries need to learn when the caller goes away. */
  needsSignal: boolean;
}

const longCalls = new Set([
  'pollWorkflowTaskQueue',
  'pollActivityTaskQueue',
  'getWorkflowExecutionHistory',
  'queryWorkflow',
  'updateWorkflowExecution',
  'pollWorkflowExecutionUpdate',
]);
// A shared reason: aborting with no reason makes Node build a DOMException with a stack each time.
const callerGone = new Error('the caller closed the request');

/**
 * A direct path for the common case, Connect unary calls without compression: decode, call, encode.
 * The general Connect adapter costs several times more per call (it builds abort controllers, header
 * objects and async iterables per request); everything else (gRPC, gRPC-Web, compression, GET) still
 * goes to it. Same wire format and the same error JSON, so clients cannot tell the difference.
 */
export function createFastPath(
  calls: WorkflowServiceCalls,
  readMaxBytes: number,
  fallback: (request: Http2ServerRequest, response: Http2ServerResponse) => void,
): (request: Http2ServerRequest, response: Http2ServerResponse) => void {
  const routes = new Map<string, Route>();
  const byName = calls as unknown as Record<string, Call>;
  for (const method of WorkflowService.methods) {
    const call = byName[method.localName];
    if (!call) continue;
    routes.set(`/${WorkflowService.typeName}/${method.name}`, {
      input: method.input,
      output: method.output,
      call,
      needsSignal: longCalls.has(method.localName),
    });
  }
  return (request, response) => {
    const route = routes.get(request.url);
    const contentType = request.headers['content-type'];
    const binary = contentType === 'application/proto';
    const json = contentType === 'application/json' || contentType === 'application/json; charset=utf-8';
    const encoding = request.headers['content-encoding'];
    if (!route || request.method !== 'POST' || !(binary || json) || (encoding && encoding !== 'identity')) {
      fallback(request, response);
      return;
    }
    void handle(route, binary, readMaxBytes, request, response);
  };
}

async function handle(
  route: Route,
  binary: boolean,
  readMaxBytes: number,
  request: Http2ServerRequest,
  response: Http2ServerResponse,
): Promise<void> {
  try {
    const body = await readBody(request, readMaxBytes);
    let input: Message;
    try {
      input = binary
        ? fromBinary(route.input, body)
        : fromJsonString(route.input, Buffer.from(body).toString('utf8'));
    } catch (error) {
      throw new ConnectError(`cannot decode the request: ${String(error)}`, Code.InvalidArgument);
    }
    const context: CallContext = {};
    if (route.needsSignal) {
      const abort = new AbortController();
      response.once('close', () => abort.abort(callerGone));
      const timeout = Number(request.headers['connect-timeout-ms']);
      context.signal =
        Number.isFinite(timeout) && timeout > 0
          ? AbortSignal.any([abort.signal, AbortSignal.timeout(timeout)])
          : abort.signal;
    }
    const output = await route.call(input, context);
    if (response.closed || response.destroyed) return;
    const payload = binary ? toBinary(route.output, output) : Buffer.from(toJsonString(route.output, output));
    response.writeHead(200, { 'content-type': binary ? 'application/proto' : 'application/json' });
    response.end(payload);
  } catch (error) {
    const connectError = toConnectError(error);
    if (response.closed || response.destroyed || response.headersSent) return;
    response.writeHead(codeToHttpStatus(connectError.code), { 'content-type': 'application/json' });
    response.end(errorToJsonBytes(connectError, {}));
  }
}

async function readBody(request: Http2ServerRequest, readMaxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > readMaxBytes) {
      throw new ConnectError(`request of more than ${readMaxBytes} bytes`, Code.ResourceExhausted);
    }
    chunks.push(buffer);
  }
  return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks);
}
