/**
 * A worker process of the `shop` deployment. Its version comes from the environment, as a process manager
 * (or the rollout controller) sets it: STRATA_ADDRESS, STRATA_DEPLOYMENT_NAME, STRATA_WORKER_BUILD_ID.
 */
import { fileURLToPath } from 'node:url';
import * as activities from './activities.js';
import { runWorkerProcess } from './processes.js';

await runWorkerProcess({
  taskQueue: 'shop',
  workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
  activities,
});
