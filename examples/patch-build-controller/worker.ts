/**
 * The worker of one release, as the controller starts it: `node --import tsx worker.ts <release>`. The
 * controller injects the server (STRATA_ADDRESS, STRATA_NAMESPACE) and the version this process serves
 * (STRATA_DEPLOYMENT_NAME, STRATA_WORKER_BUILD_ID); new workflows are pinned to it by default.
 */
import { fileURLToPath } from 'node:url';
import { Connection } from 'strata/client';
import { Worker } from 'strata/worker';
import * as activities from './activities.js';

const release = process.argv[2];
if (release === undefined) throw new Error('usage: worker.ts <release>, e.g. worker.ts v1.2.1');
const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined)
    throw new Error(`${name} is not set: run this worker through strata controller run`);
  return value;
};

const connection = await Connection.connect({ address: env('STRATA_ADDRESS') });
const worker = await Worker.create({
  connection,
  namespace: env('STRATA_NAMESPACE'),
  taskQueue: 'orders',
  workflowsPath: fileURLToPath(new URL(`./releases/${release}.ts`, import.meta.url)),
  activities,
  workerDeploymentOptions: {
    version: { deploymentName: env('STRATA_DEPLOYMENT_NAME'), buildId: env('STRATA_WORKER_BUILD_ID') },
    useWorkerVersioning: true,
    defaultVersioningBehavior: 'PINNED',
  },
});
console.log(
  `worker: ${release} polling "orders" as ${env('STRATA_DEPLOYMENT_NAME')}:${env('STRATA_WORKER_BUILD_ID')}`,
);
await worker.run();
await connection.close();
