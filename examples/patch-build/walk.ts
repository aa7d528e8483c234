/**
 * The patch-build runbook by hand (`npm run patch-build`), without the rollout controller: invoices pinned to
 * `my-worker/prod:v1.2.0-dsf7` wait for approval; a patch build `v1.2.1-4543` starts as a second worker and is
 * never promoted; the runbook's batch override moves the waiting invoices to it; the patch version is reported
 * Draining (it never became current, yet the server counts its pinned workflows exactly); the invoices finish
 * on the patch; the patch version is Drained, with the time it drained. The server runs in this process, the
 * workers and the CLI as processes of their own.
 */
import { TestWorkflowEnvironment } from 'strata/testing';
import { deploymentCli, pause, startWorker, stopWorker, strata } from '../worker-versioning/processes.js';
import { approve, invoice } from './workflows-v1.2.0.js';

const deploymentName = 'my-worker/prod';
const broken = 'v1.2.0-dsf7';
const patch = 'v1.2.1-4543';
const taskQueue = 'invoices';
const runbookQuery = `TemporalWorkerDeploymentVersion = "${deploymentName}:${broken}" and TemporalWorkerVersioningBehavior = "Pinned" and Status = "Running"`;

const env = await TestWorkflowEnvironment.createLocal();
const address = env.connection.address;
const cli = deploymentCli(address, deploymentName);

console.log(`== ${broken} is the current version`);
const v120 = await startWorker('examples/patch-build/worker.ts', env.client, deploymentName, broken);
await cli.setCurrent(broken);

const early = await env.client.workflow.start(invoice, {
  taskQueue,
  workflowId: 'invoice-0',
  args: [[10, 40]],
});
await early.signal(approve);
console.log(`invoice-0 (approved at once): ${await early.result()}   <- the bug`);

const waiting = [];
for (let i = 1; i <= 3; i++) {
  waiting.push(
    await env.client.workflow.start(invoice, { taskQueue, workflowId: `invoice-${i}`, args: [[10, 20 * i]] }),
  );
}
for (const handle of waiting) {
  while ((await handle.describe()).versioningInfo?.pinnedVersion?.buildId !== broken) await pause(50);
}
console.log(`invoice-1..3 started on ${broken}, pinned to it, waiting for approval`);

console.log(`\n== the patch build ${patch} starts as a second worker; it is never made current`);
const v121 = await startWorker('examples/patch-build/worker.ts', env.client, deploymentName, patch);
await cli.describe();

console.log("\n== move the pinned invoices to the patch: the runbook's batch override");
await strata(address, ['workflow', 'list', '--query', runbookQuery]);
await strata(address, [
  'workflow',
  'update-options',
  '--versioning-override-behavior',
  'pinned',
  '--versioning-override-build-id',
  patch,
  '--versioning-override-deployment-name',
  deploymentName,
  '--query',
  runbookQuery,
]);
await cli.describe();

console.log('\n== approve: the invoices finish on the patch');
for (const handle of waiting) {
  await handle.signal(approve);
  console.log(`${handle.workflowId}: ${await handle.result()}`);
}
await cli.describeVersion(patch);

await stopWorker(v121);
await stopWorker(v120);
await env.teardown();
