import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '../../src/client/index.js';
import { type StrataServer, startServer } from '../../src/server/index.js';
import { eventually } from '../helpers/strata-server.js';
import { commands, WorkflowTaskDriver } from '../helpers/workflow-task-driver.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-client-'));
const dbFilename = join(dir, 'strata.db');
const servers: StrataServer[] = [];

async function serve(port = 0): Promise<StrataServer> {
  const server = await startServer({
    port,
    dbFilename,
    logLevel: 'error',
    limits: { longPollTimeoutMs: 1000 },
  });
  servers.push(server);
  return server;
}

afterAll(async () => {
  for (const server of servers) await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('result() while the server restarts', () => {
  it('retries Unavailable errors and returns the result once the server is back', async () => {
    const first = await serve();
    const connection = await Connection.connect({ address: first.address });
    const client = new Client({ connection });
    const handle = await client.workflow.start('restartable', {
      taskQueue: 'restart',
      workflowId: 'restart-1',
    });
    let settled = false;
    const result = handle.result().finally(() => {
      settled = true;
    });

    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await serve(first.port);
    expect(settled).toBe(false);

    const driver = await WorkflowTaskDriver.start({
      address: second.address,
      taskQueue: 'restart',
      decide: () => ({ commands: [commands.complete('survived')] }),
    });
    try {
      expect(await result).toBe('survived');
    } finally {
      await driver.stop();
      connection.close();
    }
    await eventually(() => settled);
  });
});
