/**
 * Two server processes on one PostgreSQL database: the server that holds a batch's lease runs it; when
 * that server is killed with SIGKILL, the other takes the batch over once the lease expires and finishes
 * it, each workflow signaled exactly once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '../../src/client/index.js';
import { type ChildHandle, startServerProcess } from '../faults/processes.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { changedAtLeast, expectEachNudgedOnce, nudgeTargets, startTargets } from './helpers.js';

const WORKFLOWS = 200;
const LEASE_MS = 3000;
const processes: ChildHandle[] = [];
const connections: Connection[] = [];
let dropDatabase: (() => Promise<void>) | undefined;

afterAll(async () => {
  for (const connection of connections) connection.close();
  await Promise.all(processes.map((child) => child.kill('SIGKILL')));
  await dropDatabase?.();
});

describe('a batch operation with two servers on PostgreSQL', () => {
  it('is taken over by the other server when the one running it is killed, and changes each workflow once', async () => {
    const database = await createTestDatabase();
    dropDatabase = database.drop;
    const extraArgs = ['--dynamic-config-value', `strata.batchLeaseMs=${LEASE_MS}`];
    const [a, b] = await Promise.all([
      startServerProcess({ port: 0, db: database.url, extraArgs }),
      startServerProcess({ port: 0, db: database.url, extraArgs }),
    ]);
    processes.push(a, b);
    const [clientA, clientB] = await Promise.all(
      [a, b].map(async (server) => {
        const connection = await Connection.connect({ address: server.address });
        connections.push(connection);
        return new Client({ connection });
      }),
    );
    if (!clientA || !clientB) throw new Error('two clients expected');
    await startTargets(clientA, 'leased', WORKFLOWS);

    const jobId = await nudgeTargets(clientA, 50);
    const doneBeforeKill = await changedAtLeast(clientB, jobId, WORKFLOWS / 5);
    await a.kill('SIGKILL');
    const killedAt = Date.now();

    expect(doneBeforeKill).toBeLessThan(WORKFLOWS);
    await expectEachNudgedOnce(clientB, jobId, 'leased', WORKFLOWS);
    // B waited for A's lease to lapse, then finished the rest at the batch's pace.
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + 4000 + (WORKFLOWS / 50) * 1000);
  }, 120_000);
});
