/**
 * Raw engine throughput: workflows with one activity each, driven over the RPC by a hand-written
 * worker (no SDK), with a fixed number in flight. Run: npx tsx bench/engine-throughput.ts [total] [inFlight] [dbFile]
 * With STRATA_ADDRESS=http://127.0.0.1:7233 it drives an external server (e.g. `strata server start-dev`)
 * instead, so server and worker each get their own process.
 */
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { WorkflowService } from '../src/gen/strata/v1/service_pb.js';
import { startServer } from '../src/server/index.js';
import { oneActivityCommand } from './one-activity-commands.js';

const total = Number(process.argv[2] ?? 3000);
const inFlight = Number(process.argv[3] ?? 64);
const dbFilename = process.argv[4];
const queue = 'bench';

const external = process.env.STRATA_ADDRESS;
const server = external ? undefined : await startServer({ port: 0, logLevel: 'error', dbFilename });
const baseUrl = external ?? server?.address ?? '';
const client = createClient(
  WorkflowService,
  createConnectTransport({ httpVersion: '2', baseUrl, useBinaryFormat: true }),
);
let stopped = false;

async function workflowWorker(): Promise<void> {
  while (!stopped) {
    const task = await client.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: queue });
    if (task.taskToken.length === 0) continue;
    const command = oneActivityCommand(task);
    await client.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: task.taskToken,
      commands: [command],
    });
  }
}

async function activityWorker(): Promise<void> {
  while (!stopped) {
    const task = await client.pollActivityTaskQueue({ namespace: 'default', taskQueue: queue });
    if (task.taskToken.length === 0) continue;
    await client.respondActivityTaskCompleted({ namespace: 'default', taskToken: task.taskToken });
  }
}

async function runOne(i: number): Promise<void> {
  const workflowId = `bench-${i}`;
  await client.startWorkflowExecution({
    namespace: 'default',
    workflowId,
    workflowType: { name: 'W' },
    taskQueue: queue,
  });
  for (;;) {
    const r = await client.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId },
      waitForClose: true,
    });
    if ((r.history?.events.length ?? 0) > 0) return;
  }
}

// Settled from the start: polls in flight when the server closes fail, and that is expected.
const workersDone = Promise.allSettled([
  ...Array.from({ length: 16 }, workflowWorker),
  ...Array.from({ length: 16 }, activityWorker),
]);
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (next < total) await runOne(next++);
  }),
);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage();
const cpuMsPerWorkflow = (cpu.user + cpu.system) / 1000 / total;
process.stdout.write(
  `${total} workflows (1 activity each, ${inFlight} in flight, ${external ? `server at ${external}` : (dbFilename ?? 'in-memory')}): ${seconds.toFixed(2)} s = ${(total / seconds).toFixed(0)} workflows/s; CPU ${cpuMsPerWorkflow.toFixed(2)} ms per workflow (client and server together unless external)\n`,
);
stopped = true;
await server?.close();
if (external) process.exit(0);
await workersDone;
