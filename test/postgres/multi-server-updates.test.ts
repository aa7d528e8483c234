/**
 * Workflow updates across two server processes on one PostgreSQL database: the client talks to server A, the
 * only worker polls server B. The update reaches the worker through the shared tables, and its outcome
 * (accepted, rejected by the validator, completed) reaches the caller on A, or on B.
 */
import { fileURLToPath } from 'node:url';
import {
  ApplicationFailure,
  Client,
  Connection,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
} from 'strata/client';
import { DefaultLogger, Worker } from 'strata/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventName } from '../../src/worker/replay/history-events.js';
import { type ServerProcess, startServerProcess } from '../faults/processes.js';
import { createTestDatabase } from '../helpers/postgres.js';
import * as activities from '../updates/activities.js';
import { addItem, cart, checkout } from '../updates/workflows.js';

const workflowsPath = fileURLToPath(new URL('../updates/workflows.ts', import.meta.url));
const taskQueue = 'updates-across-servers';

let servers: ServerProcess[] = [];
let connections: Connection[] = [];
let dropDatabase: (() => Promise<void>) | undefined;
let worker: Worker;
let running: Promise<void>;
let clientA: Client;
let clientB: Client;

beforeAll(async () => {
  const database = await createTestDatabase();
  dropDatabase = database.drop;
  servers = await Promise.all([
    startServerProcess({ port: 0, db: database.url }),
    startServerProcess({ port: 0, db: database.url }),
  ]);
  const [a, b] = servers as [ServerProcess, ServerProcess];
  connections = await Promise.all([a, b, b].map((server) => Connection.connect({ address: server.address })));
  const [toA, toB, workerToB] = connections as [Connection, Connection, Connection];
  clientA = new Client({ connection: toA });
  clientB = new Client({ connection: toB });
  worker = await Worker.create({
    connection: workerToB,
    taskQueue,
    workflowsPath,
    activities,
    logger: new DefaultLogger('ERROR'),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  for (const connection of connections) connection.close();
  await Promise.all(servers.map((server) => server.kill('SIGKILL')));
  await dropDatabase?.();
});

async function eventNames(workflowId: string): Promise<string[]> {
  return (await clientA.workflow.getHandle(workflowId).fetchHistory()).events.map((event) =>
    eventName(event),
  );
}

describe('workflow updates with the client on one server and the worker on another', () => {
  it('executeUpdate through server A is accepted and completed by a worker polling server B', async () => {
    const handle = await clientA.workflow.start(cart, { taskQueue, workflowId: 'cart-accepted' });
    expect(await handle.executeUpdate(addItem, { args: ['apple'] })).toBe(1);
    expect(await handle.executeUpdate(addItem, { args: ['pear'] })).toBe(2);
    await handle.signal(checkout);
    expect(await handle.result()).toEqual(['apple', 'pear']);
    const names = await eventNames('cart-accepted');
    expect(names.filter((name) => name === 'WorkflowExecutionUpdateAccepted')).toHaveLength(2);
    expect(names.filter((name) => name === 'WorkflowExecutionUpdateCompleted')).toHaveLength(2);
  });

  it('an update the validator rejects fails for the caller on server A and leaves no history', async () => {
    const handle = await clientA.workflow.start(cart, { taskQueue, workflowId: 'cart-rejected' });
    expect(await handle.executeUpdate(addItem, { args: ['apple'] })).toBe(1);
    const before = await eventNames('cart-rejected');
    const failure = await handle.executeUpdate(addItem, { args: [''] }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (failure as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('EmptyItem');
    expect(await eventNames('cart-rejected')).toEqual(before);
    // The workflow goes on: a valid update after the rejection is accepted.
    expect(await handle.executeUpdate(addItem, { args: ['plum'] })).toBe(2);
    await handle.signal(checkout);
    expect(await handle.result()).toEqual(['apple', 'plum']);
  });

  it('startUpdate through server A, then getUpdateHandle(...).result() through server B', async () => {
    const handle = await clientA.workflow.start(cart, { taskQueue, workflowId: 'cart-handles' });
    const update = await handle.startUpdate(addItem, {
      args: ['fig'],
      updateId: 'add-fig',
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    expect(update.updateId).toBe('add-fig');
    const onB = clientB.workflow.getHandle('cart-handles').getUpdateHandle<number>('add-fig');
    expect(await onB.result()).toBe(1);
    // A rejected update started through B: its caller on B gets the failure.
    const rejected = await clientB.workflow
      .getHandle('cart-handles')
      .startUpdate(addItem, { args: [''], waitForStage: WorkflowUpdateStage.ACCEPTED })
      .then(
        (started) => started.result(),
        (error: unknown) => Promise.reject(error),
      )
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
    await handle.signal(checkout);
    expect(await handle.result()).toEqual(['fig']);
  });
});
