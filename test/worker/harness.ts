import { fileURLToPath } from 'node:url';
import { createClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { afterAll, beforeAll } from 'vitest';
import { Client, Connection } from '../../src/client/index.js';
import { WorkflowService } from '../../src/gen/strata/v1/service_pb.js';
import { type StrataServer, startServer } from '../../src/server/index.js';
import { Worker, type WorkerConnection, type WorkerOptions } from '../../src/worker/index.js';
import * as fixtureActivities from '../fixtures/worker-activities.js';

const fixtureWorkflowsPath = fileURLToPath(new URL('../fixtures/worker-workflows.ts', import.meta.url));

/** A real server for worker tests, on a free port, optionally on a durable SQLite file. */
export interface TestServer {
  /** `host:port`, what `Connection.connect({ address })` takes. */
  readonly address: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** 0 picks a free port. */
  port?: number;
  /** A SQLite file, so a restarted server finds its workflows again. */
  dbPath?: string;
  /** Events per page of GetWorkflowExecutionHistory; small values make the worker page. */
  historyPageSize?: number;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const server: StrataServer = await startServer({
    port: options.port ?? 0,
    dbFilename: options.dbPath,
    logLevel: 'error',
    // Short long polls keep shutdowns and restarts quick.
    limits: {
      longPollTimeoutMs: 2000,
      ...(options.historyPageSize === undefined ? {} : { historyPageSize: options.historyPageSize }),
    },
  });
  return {
    address: `127.0.0.1:${server.port}`,
    port: server.port,
    stop: () => server.close(),
  };
}

/** What `useTestServer` sets up; the fields are filled in once its `beforeAll` has run. */
export interface ConnectedServer {
  server: TestServer;
  connection: Connection;
  client: Client;
}

export interface UseTestServerOptions extends TestServerOptions {
  /** A worker on the shared connection that runs for all the tests. */
  worker?: Omit<WorkerOptions, 'connection'>;
}

/** Before the tests of its file or describe block: a test server, a Connection, a Client and, with `worker`, a running Worker; after them: shuts that worker down, closes the connection, stops the server. */
export function useTestServer(options: UseTestServerOptions = {}): ConnectedServer {
  const { worker: workerOptions, ...serverOptions } = options;
  const t = {} as ConnectedServer;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    t.server = await startTestServer(serverOptions);
    t.connection = await Connection.connect({ address: t.server.address });
    t.client = new Client({ connection: t.connection });
    if (workerOptions) {
      worker = await Worker.create({ connection: t.connection, ...workerOptions });
      running = worker.run();
    }
  });
  afterAll(async () => {
    await worker?.shutdown();
    await running;
    t.connection?.close();
    await t.server?.stop();
  });
  return t;
}

/** Creates, but does not run, a Worker of test/fixtures/worker-workflows.ts and worker-activities.ts with no signal handlers, `options` on top; the test runs it and shuts it down (`runUntil` does both). */
export function createFixtureWorker(
  connection: WorkerConnection,
  taskQueue: string,
  options: Partial<WorkerOptions> = {},
): Promise<Worker> {
  return Worker.create({
    connection,
    taskQueue,
    workflowsPath: fixtureWorkflowsPath,
    activities: fixtureActivities,
    shutdownSignals: [],
    ...options,
  });
}

/** Polls `condition` every 50 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A worker connection to the real server that records the requests of one RPC method as they are sent,
 * to check how often the worker calls it. `close()` ends its HTTP/2 session.
 */
export function recordingConnection(
  server: TestServer,
  methodName: string,
): { connection: WorkerConnection; requests: { atMs: number; message: unknown }[]; close(): void } {
  const requests: { atMs: number; message: unknown }[] = [];
  const record: Interceptor = (next) => async (request) => {
    if (request.method.name === methodName) requests.push({ atMs: Date.now(), message: request.message });
    return next(request);
  };
  const baseUrl = `http://${server.address}`;
  const sessionManager = new Http2SessionManager(baseUrl);
  const workflowService = createClient(
    WorkflowService,
    createConnectTransport({ httpVersion: '2', baseUrl, sessionManager, interceptors: [record] }),
  );
  return { connection: { workflowService }, requests, close: () => sessionManager.abort() };
}
