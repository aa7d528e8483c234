/** `strata workflow describe` of a parent lists its pending children; of a child, names its parent. */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '../../src/client/index.js';
import type { StrataServer } from '../../src/server/index.js';
import { Worker } from '../../src/worker/index.js';
import { runCli } from '../helpers/run-cli.js';
import { eventually, startTestServer } from '../helpers/strata-server.js';
import { awaitsWaitingChild, go } from './workflows.js';

const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));
let server: StrataServer;
let connection: Connection;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  server = await startTestServer();
  connection = await Connection.connect({ address: server.address });
  worker = await Worker.create({ connection, taskQueue: 'cli-children', workflowsPath });
  running = worker.run();
});

afterAll(async () => {
  worker.shutdown();
  await running;
  connection.close();
  await server.close();
});

describe('strata workflow describe with child workflows', () => {
  it('shows the pending child of a parent and the parent of a child, as text and JSON', async () => {
    const client = new Client({ connection });
    const handle = await client.workflow.start(awaitsWaitingChild, {
      taskQueue: 'cli-children',
      workflowId: 'cli-parent',
      args: ['cli-parent-child'],
    });
    const childRunId = await eventually(async () => (await handle.describe()).pendingChildren[0]?.runId);
    const env = { STRATA_ADDRESS: server.address };

    const parent = await runCli(['workflow', 'describe', '-w', 'cli-parent'], env);
    expect(parent.exitCode).toBe(0);
    expect(parent.stdout).toContain('Pending Child Workflows: 1');
    expect(parent.stdout).toMatch(/cli-parent-child\s+\S+\s+waitingChild\s+TERMINATE/);

    const child = await runCli(['workflow', 'describe', '-w', 'cli-parent-child', '-o', 'json'], env);
    expect(JSON.parse(child.stdout)).toMatchObject({
      workflowId: 'cli-parent-child',
      runId: childRunId,
      parentExecution: { workflowId: 'cli-parent', runId: handle.firstExecutionRunId },
    });

    await client.workflow.getHandle('cli-parent-child').signal(go, 'done');
    expect(await handle.result()).toBe('done');
  });
});
