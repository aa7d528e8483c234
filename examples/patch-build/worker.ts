/**
 * A worker process of `my-worker/prod`. Its version comes from the environment (STRATA_ADDRESS,
 * STRATA_DEPLOYMENT_NAME, STRATA_WORKER_BUILD_ID); the build id `v1.2.1-4543` runs `workflows-v1.2.1.ts`.
 */
import { fileURLToPath } from 'node:url';
import { runWorkerProcess } from '../worker-versioning/processes.js';
import * as activities from './activities.js';

const release = (process.env.STRATA_WORKER_BUILD_ID ?? '').split('-')[0];
await runWorkerProcess({
  taskQueue: 'invoices',
  workflowsPath: fileURLToPath(new URL(`./workflows-${release}.ts`, import.meta.url)),
  activities,
});
