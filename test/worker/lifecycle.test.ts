import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client, Connection } from '../../src/client/index.js';
import { IllegalStateError, Worker, WorkerPollError } from '../../src/worker/index.js';
import * as activities from '../fixtures/worker-activities.js';
import { cancellableWorkflow, greetWorkflow, slowWorkflow } from '../fixtures/worker-workflows.js';
import { createFixtureWorker, startTestServer, type TestServer, useTestServer, waitFor } from './harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('worker lifecycle on a real server', () => {
  const t = useTestServer();

  function newWorker(taskQueue: string, shutdownGraceTime: string): Promise<Worker> {
    return createFixtureWorker(t.connection, taskQueue, {
      shutdownGraceTime,
      // A stopped worker's sticky queue holds the run's next task until this passes.
      stickyQueueScheduleToStartTimeout: '200ms',
    });
  }

  it('shutdown is graceful: an in-flight activity finishes within the grace time and its result is kept', async () => {
    const taskQueue = `graceful-${randomUUID()}`;
    const label = `slow-${randomUUID()}`;
    const worker = await newWorker(taskQueue, '10s');
    const running = worker.run();
    const handle = await t.client.workflow.start(slowWorkflow, {
      taskQueue,
      workflowId: label,
      args: [700, label],
    });
    await waitFor(async () => (await handle.describe()).pendingActivities[0]?.state === 'STARTED');

    const shutdown = worker.shutdown();
    expect(worker.getState()).toBe('STOPPING');
    expect(worker.shutdown()).toBe(shutdown);
    await shutdown;
    await running;
    expect(worker.getState()).toBe('STOPPED');
    expect(activities.observed.finished).toContain(label);

    const next = await newWorker(taskQueue, '10s');
    expect(await next.runUntil(handle.result())).toBe(label);
  });

  it('past the grace time, a running activity is cancelled with reason WORKER_SHUTDOWN', async () => {
    const taskQueue = `grace-over-${randomUUID()}`;
    const worker = await newWorker(taskQueue, '100ms');
    activities.observed.cancellationReasons.length = 0;
    const running = worker.run();
    const handle = await t.client.workflow.start(cancellableWorkflow, { taskQueue, workflowId: taskQueue });
    await waitFor(async () => (await handle.describe()).pendingActivities[0]?.state === 'STARTED');
    await worker.shutdown();
    await running;
    expect(activities.observed.cancellationReasons).toEqual(['WORKER_SHUTDOWN']);
    await handle.terminate();
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s stops a worker process gracefully with exit code 0',
    async (signal) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/worker-process.ts'], {
        cwd: root,
        env: { ...process.env, STRATA_ADDRESS: t.server.address, TASK_QUEUE: `signals-${randomUUID()}` },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const output = collect(child);
      await waitFor(() => output.text.includes('worker: running'), 20_000);
      child.kill(signal);
      const [code] = await once(child, 'exit');
      expect(output.text).toContain('worker: stopped (STOPPED)');
      expect(code).toBe(0);
    },
  );
});

describe('worker failures and state', () => {
  const t = useTestServer();

  it('a workflow module that does not bundle fails Worker.create', async () => {
    const missing = fileURLToPath(new URL('../fixtures/no-such-workflows.ts', import.meta.url));
    await expect(
      Worker.create({ connection: t.connection, taskQueue: 'q', workflowsPath: missing }),
    ).rejects.toThrow(/no-such-workflows/);
  });

  it('a poll error waiting cannot fix (unknown namespace) fails run() and leaves the worker FAILED', async () => {
    const worker = await Worker.create({
      connection: t.connection,
      namespace: 'no-such-namespace',
      taskQueue: 'q',
      activities,
      shutdownSignals: [],
    });
    const error = await worker.run().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkerPollError);
    expect((error as Error).message).toMatch(
      /^\[POLL_FAILED\] polling activity task queue "q" failed: NotFound: .*no-such-namespace/,
    );
    expect(worker.getState()).toBe('FAILED');
  });

  it('installs the shutdown signal handlers only while running, and runs once', async () => {
    const before = process.listenerCount('SIGTERM');
    const worker = await Worker.create({
      connection: t.connection,
      taskQueue: `state-${randomUUID()}`,
      activities,
    });
    expect(worker.getState()).toBe('INITIALIZED');
    const value = await worker.runUntil(async () => {
      expect(worker.getState()).toBe('RUNNING');
      expect(process.listenerCount('SIGTERM')).toBe(before + 1);
      return 'done';
    });
    expect(value).toBe('done');
    expect(process.listenerCount('SIGTERM')).toBe(before);
    await expect(worker.run()).rejects.toBeInstanceOf(IllegalStateError);
  });

  it('runUntil rejects with the error of its promise after shutting the worker down', async () => {
    const worker = await Worker.create({
      connection: t.connection,
      taskQueue: `reject-${randomUUID()}`,
      activities,
    });
    await expect(worker.runUntil(Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(worker.getState()).toBe('STOPPED');
  });
});

describe('worker reconnection', () => {
  let dir: string;
  let dbPath: string;
  let server: TestServer;
  let workerConnection: Connection;
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-worker-'));
    dbPath = join(dir, 'strata.db');
    server = await startTestServer({ dbPath });
    workerConnection = await Connection.connect({ address: server.address });
    taskQueue = `reconnect-${randomUUID()}`;
    worker = await createFixtureWorker(workerConnection, taskQueue);
    running = worker.run();
  });

  afterEach(async () => {
    await worker.shutdown();
    await running;
    workerConnection.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps running across a server restart on the same port and durable database', async () => {
    const first = await runGreet(server.address, taskQueue, 'before');
    expect(first).toBe('Hello, before!');

    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    server = await startTestServer({ dbPath, port: server.port });

    expect(worker.getState()).toBe('RUNNING');
    expect(await runGreet(server.address, taskQueue, 'after')).toBe('Hello, after!');
  });

  it('an activity that finishes while the server is down reports its result once the server is back', async () => {
    const label = `outage-${randomUUID()}`;
    const clientConnection = await Connection.connect({ address: server.address });
    const handle = await new Client({ connection: clientConnection }).workflow.start(slowWorkflow, {
      taskQueue,
      workflowId: label,
      args: [500, label],
    });
    await waitFor(async () => (await handle.describe()).pendingActivities[0]?.state === 'STARTED');
    clientConnection.close();

    await server.stop();
    await waitFor(() => activities.observed.finished.includes(label));
    await new Promise((resolve) => setTimeout(resolve, 300));
    server = await startTestServer({ dbPath, port: server.port });

    const connection = await Connection.connect({ address: server.address });
    try {
      const result = await new Client({ connection }).workflow.getHandle(label).result();
      expect(result).toBe(label);
    } finally {
      connection.close();
    }
  });
});

async function runGreet(address: string, taskQueue: string, name: string): Promise<string> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    return await client.workflow.execute(greetWorkflow, {
      taskQueue,
      workflowId: `greet-${randomUUID()}`,
      args: [name],
    });
  } finally {
    connection.close();
  }
}

function collect(child: ChildProcess): { text: string } {
  const output = { text: '' };
  child.stdout?.on('data', (chunk: Buffer) => {
    output.text += chunk.toString();
  });
  return output;
}
