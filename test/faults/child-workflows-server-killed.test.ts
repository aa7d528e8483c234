/**
 * Child workflows across a server killed with SIGKILL: a child's start and its close report are transfers
 * written in the same transaction as their cause, so none is lost or applied twice whatever step the kill
 * interrupts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '../../src/client/index.js';
import { eventCount } from '../helpers/load.js';
import { parentOfChildren } from './fixtures/workflows.js';
import {
  type ChildHandle,
  type ServerProcess,
  startServerProcess,
  startWorkerProcess,
  waitFor,
} from './processes.js';

const PARENTS = 30;
const CHILDREN = 3;
const dir = mkdtempSync(join(tmpdir(), 'strata-children-killed-'));
const processes: ChildHandle[] = [];
let connection: Connection | undefined;

afterAll(async () => {
  connection?.close();
  await Promise.all(processes.map((child) => child.kill('SIGKILL')));
  rmSync(dir, { recursive: true, force: true });
});

describe('child workflows when the server process is killed', () => {
  it('every parent gets each child result once; each child runs once and names its parent', async () => {
    const dbFilename = join(dir, 'strata.db');
    let server: ServerProcess = await startServerProcess({ port: 0, dbFilename });
    processes.push(server);
    const { address, port } = server;
    const taskQueue = 'children-killed';
    processes.push(await startWorkerProcess(address, taskQueue));
    connection = await Connection.connect({ address });
    const client = new Client({ connection });

    const handles = await Promise.all(
      Array.from({ length: PARENTS }, (_, n) =>
        client.workflow.start(parentOfChildren, {
          taskQueue,
          workflowId: `parent-${n}`,
          args: [n, CHILDREN],
          // A task handed out as the server died times out and is retried soon after the restart.
          workflowTaskTimeout: '2s',
        }),
      ),
    );
    const childrenDone = async (): Promise<number> =>
      (await client.workflow.count(`WorkflowType = "doublingChild" AND ExecutionStatus = "Completed"`)).count;
    const doneBeforeKill = await waitFor(
      'a third of the children to complete',
      async () => {
        const done = await childrenDone();
        return done >= (PARENTS * CHILDREN) / 3 && done;
      },
      30_000,
    );
    await server.kill('SIGKILL');
    server = await startServerProcess({ port, dbFilename });
    processes.push(server);

    const parentsDone = async (): Promise<number> =>
      (await client.workflow.count(`WorkflowType = "parentOfChildren" AND ExecutionStatus = "Completed"`))
        .count;
    await waitFor('every parent to complete', async () => (await parentsDone()) === PARENTS, 60_000);
    expect(doneBeforeKill).toBeLessThan(PARENTS * CHILDREN);
    expect((await client.workflow.count('WorkflowType = "doublingChild"')).count).toBe(PARENTS * CHILDREN);

    for (const [n, handle] of handles.entries()) {
      expect(await handle.result()).toEqual(Array.from({ length: CHILDREN }, (_, i) => 2 * (n * 10 + i)));
      const { events } = await handle.fetchHistory();
      expect(eventCount(events, 'startChildWorkflowExecutionInitiatedEventAttributes')).toBe(CHILDREN);
      expect(eventCount(events, 'childWorkflowExecutionStartedEventAttributes')).toBe(CHILDREN);
      expect(eventCount(events, 'childWorkflowExecutionCompletedEventAttributes')).toBe(CHILDREN);
      const child = await client.workflow.getHandle(`parent-${n}-child-0`).describe();
      expect(child.parentExecution).toEqual({ workflowId: `parent-${n}`, runId: handle.firstExecutionRunId });
    }
  }, 120_000);
});
