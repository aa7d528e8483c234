/** The benchmark's worker process: forked by run.ts with an IPC channel to report its memory. */
import { fileURLToPath } from 'node:url';
import { Connection } from 'strata/client';
import { Worker } from 'strata/worker';
import * as activities from './activities.js';

const connection = await Connection.connect({ address: process.env.STRATA_ADDRESS ?? '127.0.0.1:7233' });
const worker = await Worker.create({
  connection,
  taskQueue: 'bench',
  workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
  activities,
  maxCachedWorkflows: 20_000,
  shutdownSignals: [],
});

process.on('message', (message: { cmd: string }) => {
  if (message.cmd !== 'memory') return;
  globalThis.gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  process.send?.({ heapUsed, rss, cachedRuns: worker.getStatus().numCachedWorkflows });
});
process.send?.({ ready: true });
await worker.runUntil(new Promise((resolve) => process.once('disconnect', () => resolve(undefined))));
await connection.close();
