import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection, type WorkflowHandle } from '../../src/client/index.js';
import { proceed, timerActivitySignal } from '../faults/fixtures/workflows.js';
import {
  type ChildHandle,
  type ServerProcess,
  startServerProcess,
  startWorkerProcess,
  waitFor,
} from '../faults/processes.js';
import { eventCount, forEachLimited } from '../helpers/load.js';
import { createTestDatabase } from '../helpers/postgres.js';

// 200 by default keeps the suite fast; STRATA_MULTI_SERVER_WORKFLOWS=2000 runs the full size.
const WORKFLOWS = Number(process.env.STRATA_MULTI_SERVER_WORKFLOWS ?? 200);
const children: ChildHandle[] = [];
const connections: Connection[] = [];
let dropDatabase: (() => Promise<void>) | undefined;

afterAll(async () => {
  for (const connection of connections) connection.close();
  await Promise.all(children.map((child) => child.kill('SIGKILL')));
  await dropDatabase?.();
});

async function clientOf(server: ServerProcess): Promise<Client> {
  const connection = await Connection.connect({ address: server.address });
  connections.push(connection);
  return new Client({ connection });
}

describe('two server processes on one PostgreSQL database, one killed with SIGKILL midway', () => {
  it(`${WORKFLOWS} workflows with timers, activities and signals through both servers, workers on both: every workflow completes exactly once`, async () => {
    const database = await createTestDatabase();
    dropDatabase = database.drop;
    const [a, b] = await Promise.all([
      startServerProcess({ port: 0, db: database.url }),
      startServerProcess({ port: 0, db: database.url }),
    ]);
    children.push(a, b);
    const taskQueue = 'multi-server';
    children.push(
      ...(await Promise.all([
        startWorkerProcess(a.address, taskQueue),
        startWorkerProcess(b.address, taskQueue),
      ])),
    );
    const [clientA, clientB] = await Promise.all([clientOf(a), clientOf(b)]);

    // Half the workflows start through each server.
    const handles: WorkflowHandle<typeof timerActivitySignal>[] = [];
    await forEachLimited(
      Array.from({ length: WORKFLOWS }, (_, n) => n),
      32,
      async (n) => {
        handles[n] = await (n % 2 === 0 ? clientA : clientB).workflow.start(timerActivitySignal, {
          taskQueue,
          workflowId: `multi-${n}`,
          args: [n],
          // A task handed to server A's worker as A died times out and goes to the other worker.
          workflowTaskTimeout: '2s',
        });
      },
    );
    const completed = async (): Promise<number> =>
      (await clientB.workflow.count(`TaskQueue = "${taskQueue}" AND ExecutionStatus = "Completed"`)).count;

    // Signals go through both servers until A dies, then through B.
    let serverAAlive = true;
    let signalsSent = 0;
    const signal = async (handle: WorkflowHandle<typeof timerActivitySignal>): Promise<void> => {
      const n = Number(handle.workflowId.slice('multi-'.length));
      const client = serverAAlive && n % 3 === 0 ? clientA : clientB;
      try {
        await client.workflow.getHandle(handle.workflowId).signal(proceed, `token-${n}`);
      } catch (error) {
        // Sent to A as it died: its answer is lost, so send it again through B (same token). If A had
        // recorded it, the workflow may have completed meanwhile: then the history shows it once.
        if (client !== clientA) throw error;
        const onB = clientB.workflow.getHandle(handle.workflowId);
        try {
          await onB.signal(proceed, `token-${n}`);
        } catch (resendError) {
          const { events } = await onB.fetchHistory();
          if (eventCount(events, 'workflowExecutionSignaledEventAttributes') !== 1) throw resendError;
        }
      }
      signalsSent++;
    };
    const firstHalf = Math.floor(WORKFLOWS / 2);
    await forEachLimited(handles.slice(0, firstHalf), 8, signal);
    const completedBeforeKill = await waitFor(
      'a third of the workflows to complete',
      async () => {
        const count = await completed();
        return count >= WORKFLOWS / 3 && count;
      },
      60_000,
    );
    const signalling = forEachLimited(handles.slice(firstHalf), 8, signal);
    await waitFor('signals to flow again', () => signalsSent >= firstHalf + 10);
    const signalsSentBeforeKill = signalsSent;
    serverAAlive = false;
    await a.kill('SIGKILL');

    await signalling;
    await waitFor('every workflow to complete', async () => (await completed()) === WORKFLOWS, 120_000);
    expect(completedBeforeKill).toBeLessThan(WORKFLOWS);
    expect(signalsSentBeforeKill).toBeLessThan(WORKFLOWS);
    expect((await clientB.workflow.count(`TaskQueue = "${taskQueue}"`)).count).toBe(WORKFLOWS);

    await forEachLimited(handles, 8, async (handle) => {
      const n = Number(handle.workflowId.slice('multi-'.length));
      const onB = clientB.workflow.getHandle<typeof timerActivitySignal>(handle.workflowId);
      expect(await onB.result()).toEqual({ doubled: 2 * n, signals: [`token-${n}`] });
      const { events } = await onB.fetchHistory();
      expect(events.map((event) => Number(event.eventId))).toEqual(events.map((_, i) => i + 1));
      expect(eventCount(events, 'timerFiredEventAttributes')).toBe(1);
      expect(eventCount(events, 'workflowExecutionSignaledEventAttributes')).toBe(1);
      expect(eventCount(events, 'workflowExecutionCompletedEventAttributes')).toBe(1);
      expect(events.at(-1)?.attributes.case).toBe('workflowExecutionCompletedEventAttributes');
    });
  }, 240_000);
});
