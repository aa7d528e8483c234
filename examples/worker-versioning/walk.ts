/**
 * Worker versioning end to end (`npm run worker-versioning`): builds 1.0, 1.1 and 2.0 of the `shop`
 * deployment run as separate worker processes; a Pinned `order` stays on the build it started on, an
 * AutoUpgrade `subscription` moves at each step; 1.1 is promoted with set-current-version, 2.0 is ramped to
 * 50% of new workflows first. The CLI shows each version's status, pinned workflows and drainage, and the
 * drained 1.0 is deleted at the end. The server runs in this process (`TestWorkflowEnvironment.createLocal`),
 * the CLI and the workers as processes of their own, as they would against `strata server start-dev`.
 */
import type { WorkflowHandle } from 'strata/client';
import { TestWorkflowEnvironment } from 'strata/testing';
import { deploymentCli, pause, startWorker, stopWorker, type WorkerProcess } from './processes.js';
import { builds, finish, order, step, subscription } from './workflows.js';

const deploymentName = 'shop';
const taskQueue = 'shop';
const env = await TestWorkflowEnvironment.createLocal();
const address = env.connection.address;
const cli = deploymentCli(address, deploymentName);

/** Starts a build's worker process. */
async function deploy(buildId: string): Promise<WorkerProcess> {
  console.log(`\n== build ${buildId}`);
  return startWorker('examples/worker-versioning/worker.ts', env.client, deploymentName, buildId);
}

/** Waits until the workflow's steps ran `count` times, and returns on which builds. */
async function ranOn(handle: WorkflowHandle, count: number): Promise<string[]> {
  for (;;) {
    const seen = await handle.query(builds);
    if (seen.length >= count) return seen;
    await pause(50);
  }
}

const worker10 = await deploy('1.0');
await cli.setCurrent('1.0');
const order1 = await env.client.workflow.start(order, { taskQueue, workflowId: 'order-1' });
const sub = await env.client.workflow.start(subscription, { taskQueue, workflowId: 'subscription-1' });
console.log(`order-1 started on ${(await ranOn(order1, 1))[0]} (Pinned)`);
await sub.signal(step);
console.log(`subscription-1 step 1 ran on ${(await ranOn(sub, 1))[0]} (AutoUpgrade)`);

const worker11 = await deploy('1.1');
await cli.setCurrent('1.1');
const order2 = await env.client.workflow.start(order, { taskQueue, workflowId: 'order-2' });
console.log(`order-2 started on ${(await ranOn(order2, 1))[0]}`);
await sub.signal(step);
console.log(`subscription-1 step 2 ran on ${(await ranOn(sub, 2))[1]}: it moved with the current version`);
await cli.describe();

const worker20 = await deploy('2.0');
await cli.setRamping('2.0', 50);
const ramped: WorkflowHandle<typeof order>[] = [];
for (let i = 3; i <= 8; i++) {
  const handle = await env.client.workflow.start(order, { taskQueue, workflowId: `order-${i}` });
  ramped.push(handle);
  console.log(`order-${i} started on ${(await ranOn(handle, 1))[0]}`);
}
await cli.setCurrent('2.0');
await sub.signal(step);
console.log(`subscription-1 step 3 ran on ${(await ranOn(sub, 3))[2]}`);

console.log('\n== every order finishes on the build it started on');
for (const handle of [order1, order2, ...ramped]) {
  await handle.signal(finish);
  console.log(`${handle.workflowId}: ${(await handle.result()).join(' -> ')}`);
}
await sub.signal(finish);
console.log(`subscription-1: ${(await sub.result()).join(' -> ')}`);
await cli.describe();

console.log('\n== 1.0 is drained: stop its workers and delete it');
await stopWorker(worker10);
await cli.deleteVersion('1.0');
await cli.list();

await stopWorker(worker11);
await stopWorker(worker20);
await env.teardown();
