/** Workflows for the batch tests that kill servers: no worker runs them, each records what it is sent. */
import { expect } from 'vitest';
import type { Client } from '../../src/client/index.js';
import { waitFor } from '../faults/processes.js';
import { eventCount, forEachLimited } from '../helpers/load.js';

/** Starts `count` workflows `<prefix>-<n>` of type `batchTarget` on a queue no worker polls. */
export async function startTargets(client: Client, prefix: string, count: number): Promise<void> {
  await forEachLimited(
    Array.from({ length: count }, (_, n) => n),
    32,
    async (n) => {
      await client.workflow.start('batchTarget', { taskQueue: 'nobody-polls', workflowId: `${prefix}-${n}` });
    },
  );
}

/** How many signals each of the workflows `<prefix>-<n>` received, by n. */
async function signalCounts(client: Client, prefix: string, count: number): Promise<number[]> {
  const counts: number[] = [];
  await forEachLimited(
    Array.from({ length: count }, (_, n) => n),
    16,
    async (n) => {
      const { events } = await client.workflow.getHandle(`${prefix}-${n}`).fetchHistory();
      counts[n] = eventCount(events, 'workflowExecutionSignaledEventAttributes');
    },
  );
  return counts;
}

/** Starts a batch sending `nudge` to every `batchTarget` workflow, at most `perSecond` a second. */
export function nudgeTargets(client: Client, perSecond: number): Promise<string> {
  return client.batch.start(
    { type: 'signal', signal: 'nudge', args: ['once'] },
    { query: 'WorkflowType = "batchTarget"', maxOperationsPerSecond: perSecond },
  );
}

/** Waits until the batch changed at least `count` workflows, and returns how many it had then. */
export function changedAtLeast(client: Client, jobId: string, count: number): Promise<number> {
  return waitFor(
    `the batch to change ${count} workflows`,
    async () => {
      const { completeOperationCount } = await client.batch.describe(jobId);
      return completeOperationCount >= count && completeOperationCount;
    },
    30_000,
  );
}

/** Waits for the batch to end and checks it completed over all `count` workflows, each signaled once. */
export async function expectEachNudgedOnce(client: Client, jobId: string, prefix: string, count: number) {
  expect(await client.batch.waitForCompletion(jobId)).toMatchObject({
    state: 'COMPLETED',
    totalOperationCount: count,
    completeOperationCount: count,
    failureOperationCount: 0,
  });
  expect(await signalCounts(client, prefix, count)).toEqual(Array(count).fill(1));
}
