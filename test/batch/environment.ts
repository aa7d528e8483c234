/** A real server (SQLite, or PostgreSQL in the postgres project) with a worker of workflows.ts, for the batch tests. */
import { fileURLToPath } from 'node:url';
import { Client, Connection, type WorkflowHandleWithFirstExecutionRunId } from '../../src/client/index.js';
import type { StrataServer } from '../../src/server/index.js';
import { Worker } from '../../src/worker/index.js';
import { startTestServer } from '../engine/helpers.js';
import { waiter } from './workflows.js';

export const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));

export interface BatchTestEnvironment {
  server: StrataServer;
  client: Client;
  /** For `runCli`: the server's address. */
  env: Record<string, string>;
  /** Starts `count` waiters with ids `<prefix>-<n>`. */
  startWaiters(
    prefix: string,
    count: number,
  ): Promise<WorkflowHandleWithFirstExecutionRunId<typeof waiter>[]>;
  close(): Promise<void>;
}

export async function startBatchTestEnvironment(taskQueue: string): Promise<BatchTestEnvironment> {
  const { server } = await startTestServer();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const worker = await Worker.create({ connection, taskQueue, workflowsPath });
  const running = worker.run();
  return {
    server,
    client,
    env: { STRATA_ADDRESS: server.address },
    startWaiters: (prefix, count) =>
      Promise.all(
        Array.from({ length: count }, (_, n) =>
          client.workflow.start(waiter, { taskQueue, workflowId: `${prefix}-${n}` }),
        ),
      ),
    close: async () => {
      worker.shutdown();
      await running;
      connection.close();
      await server.close();
    },
  };
}
