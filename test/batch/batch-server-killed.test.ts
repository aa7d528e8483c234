/**
 * A signal batch over a few hundred workflows survives its server being killed with SIGKILL midway: the
 * restarted server resumes the batch from its recorded progress and finishes it, and each workflow holds
 * exactly one signal (the change and its progress are one transaction).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '../../src/client/index.js';
import { type ChildHandle, type ServerProcess, startServerProcess } from '../faults/processes.js';
import { changedAtLeast, expectEachNudgedOnce, nudgeTargets, startTargets } from './helpers.js';

const WORKFLOWS = 300;
const dir = mkdtempSync(join(tmpdir(), 'strata-batch-killed-'));
const processes: ChildHandle[] = [];
let connection: Connection | undefined;

afterAll(async () => {
  connection?.close();
  await Promise.all(processes.map((child) => child.kill('SIGKILL')));
  rmSync(dir, { recursive: true, force: true });
});

describe('a batch operation when the server process is killed', () => {
  it(`signals each of ${WORKFLOWS} workflows exactly once across a SIGKILL and a restart`, async () => {
    const dbFilename = join(dir, 'strata.db');
    let server: ServerProcess = await startServerProcess({ port: 0, dbFilename });
    processes.push(server);
    const { address, port } = server;
    connection = await Connection.connect({ address });
    const client = new Client({ connection });
    await startTargets(client, 'killed', WORKFLOWS);
    const jobId = await nudgeTargets(client, 100);
    const doneBeforeKill = await changedAtLeast(client, jobId, WORKFLOWS / 5);
    await server.kill('SIGKILL');
    server = await startServerProcess({ port, dbFilename });
    processes.push(server);

    expect(doneBeforeKill).toBeLessThan(WORKFLOWS);
    await expectEachNudgedOnce(client, jobId, 'killed', WORKFLOWS);
  }, 120_000);
});
