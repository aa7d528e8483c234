import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { type Client, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { Command } from '../../src/gen/strata/v1/command_pb.js';
import { CommandSchema } from '../../src/gen/strata/v1/command_pb.js';
import { type Payloads, PayloadsSchema } from '../../src/gen/strata/v1/common_pb.js';
import { EventType, type HistoryEvent } from '../../src/gen/strata/v1/history_pb.js';
import {
  type PollActivityTaskQueueResponse,
  type PollWorkflowTaskQueueResponse,
  WorkflowService,
} from '../../src/gen/strata/v1/service_pb.js';
import { type ServerOptions, type StrataServer, startServer } from '../../src/server/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase } from '../helpers/postgres.js';

export type WorkflowClient = Client<typeof WorkflowService>;

export interface TestServer {
  server: StrataServer;
  client: WorkflowClient;
}

/** The store the engine suite runs on: `postgres` in the postgres Vitest project, else `sqlite`. */
export const testStore: 'sqlite' | 'postgres' =
  process.env.STRATA_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/**
 * Where a test server keeps its data: with SQLite, `dbFilename` (or memory); with PostgreSQL, a database
 * of the shared test server, the same one for the same `dbFilename` (so a test can reopen it) and a
 * fresh one, dropped by `release`, otherwise.
 */
export async function testStorage(dbFilename?: string): Promise<{
  options: Pick<ServerOptions, 'db' | 'dbFilename' | 'dbPoolSize'>;
  release: () => Promise<void>;
}> {
  if (testStore === 'sqlite') return { options: { dbFilename }, release: async () => {} };
  const database = await createTestDatabase(dbFilename);
  return {
    options: { db: database.url, dbPoolSize: 10 },
    release: dbFilename ? async () => {} : database.drop,
  };
}

/** A store for engine tests that build an Engine themselves; `close` also releases its database. */
export async function createTestStore(): Promise<Store> {
  if (testStore === 'sqlite') return new SqliteStore({});
  const storage = await testStorage();
  const store = await PostgresStore.open({ url: storage.options.db ?? '', poolSize: 4 });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await storage.release();
  };
  return store;
}

/** A real server on a free port with short long polls, and a client speaking HTTP/2 to it. */
export async function startTestServer(options: ServerOptions = {}): Promise<TestServer> {
  // A PostgreSQL URL given by the test (several servers on one database) is used as it is.
  const storage = options.db
    ? { options: {}, release: async () => {} }
    : await testStorage(options.dbFilename);
  const started = await startServer({
    port: 0,
    logLevel: 'error',
    ...options,
    ...storage.options,
    limits: { longPollTimeoutMs: 2000, queryTimeoutMs: 2000, ...options.limits },
  });
  const server: StrataServer = {
    ...started,
    close: async () => {
      await started.close();
      await storage.release();
    },
  };
  const client = createClient(
    WorkflowService,
    createConnectTransport({ httpVersion: '2', baseUrl: server.address }),
  );
  return { server, client };
}

/** Before the tests of its file or describe block (`'each'`: before each test): a server and client as `startTestServer` makes them, `options` read then; after them (after each): closes the server. */
export function useTestServer(
  options: ServerOptions | (() => ServerOptions) = {},
  scope: 'all' | 'each' = 'all',
): TestServer {
  const t = {} as TestServer;
  const [before, after] = scope === 'each' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(async () => {
    Object.assign(t, await startTestServer(typeof options === 'function' ? options() : options));
  });
  after(async () => {
    await t.server?.close();
  });
  return t;
}

export function json(value: unknown): Payloads {
  return create(PayloadsSchema, {
    payloads: [
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(value)) },
    ],
  });
}

export function fromJson(payloads: Payloads | undefined): unknown {
  const first = payloads?.payloads[0];
  return first ? JSON.parse(Buffer.from(first.data).toString('utf8')) : undefined;
}

export function command(attributes: MessageInitShape<typeof CommandSchema>['attributes']): Command {
  return create(CommandSchema, { attributes });
}

export async function pollWorkflowTask(
  client: WorkflowClient,
  taskQueue: string,
  sticky = false,
): Promise<PollWorkflowTaskQueueResponse> {
  const response = await client.pollWorkflowTaskQueue({
    namespace: 'default',
    taskQueue,
    taskQueueKind: sticky ? 2 : 1,
    identity: 'test-worker',
  });
  if (response.taskToken.length === 0) throw new Error(`no workflow task on ${taskQueue}`);
  return response;
}

export async function pollActivityTask(
  client: WorkflowClient,
  taskQueue: string,
): Promise<PollActivityTaskQueueResponse> {
  const response = await client.pollActivityTaskQueue({
    namespace: 'default',
    taskQueue,
    identity: 'test-worker',
  });
  if (response.taskToken.length === 0) throw new Error(`no activity task on ${taskQueue}`);
  return response;
}

export async function completeWorkflowTask(
  client: WorkflowClient,
  task: PollWorkflowTaskQueueResponse,
  commands: Command[],
  extra: { stickyTaskQueue?: string; stickyScheduleToStartTimeoutMs?: number } = {},
): Promise<void> {
  await client.respondWorkflowTaskCompleted({
    namespace: 'default',
    taskToken: task.taskToken,
    commands,
    identity: 'test-worker',
    binaryChecksum: 'test-build',
    ...extra,
  });
}

export async function history(
  client: WorkflowClient,
  workflowId: string,
  runId = '',
): Promise<HistoryEvent[]> {
  const response = await client.getWorkflowExecutionHistory({
    namespace: 'default',
    execution: { workflowId, runId },
  });
  return response.history?.events ?? [];
}

export function eventTypes(events: HistoryEvent[]): string[] {
  return events.map((event) => EventType[event.eventType]);
}

export async function waitForClose(client: WorkflowClient, workflowId: string): Promise<HistoryEvent> {
  for (;;) {
    const response = await client.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId },
      waitForClose: true,
    });
    const event = response.history?.events[0];
    if (event) return event;
  }
}

export async function startWorkflow(
  client: WorkflowClient,
  workflowId: string,
  taskQueue: string,
  extra: { workflowTaskTimeoutMs?: number; workflowRunTimeoutMs?: number; input?: Payloads } = {},
): Promise<string> {
  const response = await client.startWorkflowExecution({
    namespace: 'default',
    workflowId,
    workflowType: { name: 'TestWorkflow' },
    taskQueue,
    identity: 'test-client',
    requestId: `${workflowId}-request`,
    ...extra,
  });
  return response.runId;
}
