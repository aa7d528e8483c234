import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection, type WorkflowHandle } from '../../src/client/index.js';
import { eventCount, forEachLimited } from '../helpers/load.js';
import { proceed, timerActivitySignal } from './fixtures/workflows.js';
import {
  type ChildHandle,
  type ServerProcess,
  startServerProcess,
  startWorkerProcess,
  waitFor,
} from './processes.js';

const WORKFLOWS = 200;
const dir = mkdtempSync(join(tmpdir(), 'strata-server-killed-'));
const children: ChildHandle[] = [];
let connection: Connection | undefined;

afterAll(async () => {
  connection?.close();
  await Promise.all(children.map((child) => child.kill('SIGKILL')));
  rmSync(dir, { recursive: true, force: true });
});

describe('a server process killed with SIGKILL under load', () => {
  it('restarted on the same port and database: every workflow completes exactly once, each signal recorded once, with the right result', async () => {
    const dbFilename = join(dir, 'strata.db');
    let server: ServerProcess = await startServerProcess({ port: 0, dbFilename });
    children.push(server);
    const { address, port } = server;
    const taskQueue = 'server-killed';
    children.push(await startWorkerProcess(address, taskQueue));
    connection = await Connection.connect({ address });
    const client = new Client({ connection });

    const handles: WorkflowHandle<typeof timerActivitySignal>[] = await Promise.all(
      Array.from({ length: WORKFLOWS }, (_, n) =>
        client.workflow.start(timerActivitySignal, {
          taskQueue,
          workflowId: `load-${n}`,
          args: [n],
          // A task handed out as the server died times out and is retried soon after the restart.
          workflowTaskTimeout: '2s',
        }),
      ),
    );
    const completed = async (): Promise<number> =>
      (await client.workflow.count(`TaskQueue = "${taskQueue}" AND ExecutionStatus = "Completed"`)).count;

    // handle.signal rides out the restart by retrying under one request id, so a signal whose answer was
    // lost in the kill is recorded once. The first 120 workflows are signalled before the kill, the rest
    // while it happens.
    let signalsSent = 0;
    const signal = async (handle: WorkflowHandle<typeof timerActivitySignal>): Promise<void> => {
      const n = Number(handle.workflowId.slice('load-'.length));
      await handle.signal(proceed, `token-${n}`);
      signalsSent++;
    };
    await forEachLimited(handles.slice(0, 120), 4, signal);
    const completedBeforeKill = await waitFor(
      'half of the workflows to complete',
      async () => {
        const count = await completed();
        return count >= WORKFLOWS / 2 && count;
      },
      30_000,
    );
    const signalling = forEachLimited(handles.slice(120), 4, signal);
    await waitFor('signals to flow again', () => signalsSent >= 130);
    const signalsSentBeforeKill = signalsSent;
    await server.kill('SIGKILL');
    server = await startServerProcess({ port, dbFilename });
    children.push(server);

    await signalling;
    await waitFor('every workflow to complete', async () => (await completed()) === WORKFLOWS, 40_000);
    // The kill came midway: workflows were still open and signals still to be sent.
    expect(completedBeforeKill).toBeLessThan(WORKFLOWS);
    expect(signalsSentBeforeKill).toBeLessThan(WORKFLOWS);
    expect((await client.workflow.count(`TaskQueue = "${taskQueue}"`)).count).toBe(WORKFLOWS);

    await forEachLimited(handles, 8, async (handle) => {
      const n = Number(handle.workflowId.slice('load-'.length));
      expect(await handle.result()).toEqual({ doubled: 2 * n, signals: [`token-${n}`] });
      const { events } = await handle.fetchHistory();
      expect(events.map((event) => Number(event.eventId))).toEqual(events.map((_, i) => i + 1));
      expect(eventCount(events, 'workflowExecutionSignaledEventAttributes')).toBe(1);
      expect(eventCount(events, 'workflowExecutionCompletedEventAttributes')).toBe(1);
      expect(events.at(-1)?.attributes.case).toBe('workflowExecutionCompletedEventAttributes');
    });
  }, 90_000);
});
