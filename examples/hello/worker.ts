import { fileURLToPath } from 'node:url';
import { Connection } from 'strata/client';
import { Worker } from 'strata/worker';
import * as activities from './activities.js';

/** Runs a worker for the `hello` task queue until SIGINT or SIGTERM. */
const connection = await Connection.connect({ address: process.env.STRATA_ADDRESS ?? '127.0.0.1:7233' });
const worker = await Worker.create({
  connection,
  taskQueue: 'hello',
  workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
  activities,
});
console.log('worker: polling task queue "hello"');
await worker.run();
await connection.close();
console.log('worker: stopped');
