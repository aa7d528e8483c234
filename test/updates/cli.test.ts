/** `strata workflow update ...` against a real server and worker, as a shell user runs it. */
import { fileURLToPath } from 'node:url';
import { Client, Connection } from 'strata/client';
import { Worker } from 'strata/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StrataServer } from '../../src/server/index.js';
import { runCli } from '../helpers/run-cli.js';
import { startTestServer } from '../helpers/strata-server.js';
import * as activities from './activities.js';
import { cart, checkout } from './workflows.js';

const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));
const taskQueue = 'updates-cli';

let server: StrataServer;
let connection: Connection;
let client: Client;
let worker: Worker;
let running: Promise<void>;
let env: Record<string, string>;
beforeAll(async () => {
  server = await startTestServer();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  worker = await Worker.create({ connection, taskQueue, workflowsPath, activities });
  running = worker.run();
  env = { STRATA_ADDRESS: server.address };
});
afterAll(async () => {
  worker.shutdown();
  await running;
  connection.close();
  await server.close();
});

async function startCart(workflowId: string) {
  return client.workflow.start(cart, { taskQueue, workflowId });
}

describe('strata workflow update', () => {
  it('execute prints the result; the shorthand without "execute" and -o json give one document', async () => {
    const handle = await startCart('cli-cart-1');
    const table = await runCli(
      [
        'workflow',
        'update',
        'execute',
        '-w',
        'cli-cart-1',
        '--name',
        'addItem',
        '-i',
        '"apple"',
        '--update-id',
        'u-apple',
      ],
      env,
    );
    expect(table).toMatchObject({ exitCode: 0, stderr: '' });
    expect(table.stdout).toMatch(/^Update result:\n {2}WorkflowId +cli-cart-1\n/);
    expect(table.stdout).toMatch(/UpdateId +u-apple\n/);
    expect(table.stdout).toMatch(/Result +1\n$/);
    const json = await runCli(
      [
        'workflow',
        'update',
        '--name',
        'addItem',
        '--workflow-id',
        'cli-cart-1',
        '--input',
        '"pear"',
        '-o',
        'json',
      ],
      env,
    );
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      workflowId: 'cli-cart-1',
      name: 'addItem',
      stage: 'COMPLETED',
      result: 2,
    });
    await handle.signal(checkout);
    expect(await handle.result()).toEqual(['apple', 'pear']);
  });

  it('a rejected update exits 1 with the validator failure on stderr; -o json puts it in the document', async () => {
    const handle = await startCart('cli-cart-2');
    const result = await runCli(
      ['workflow', 'update', 'execute', '-w', 'cli-cart-2', '--name', 'addItem', '-i', '""'],
      env,
    );
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^Update failed:/);
    expect(result.stderr).toBe(
      'error: Workflow Update failed\nApplicationFailure(EmptyItem): an item needs a name\n',
    );
    const json = await runCli(
      [
        'workflow',
        'update',
        'start',
        '-w',
        'cli-cart-2',
        '--name',
        'addItem',
        '-i',
        '""',
        '--wait-for-stage',
        'accepted',
        '-o',
        'json',
      ],
      env,
    );
    expect(json.exitCode).toBe(1);
    expect(JSON.parse(json.stdout).failure).toEqual([
      { name: 'ApplicationFailure', type: 'EmptyItem', message: 'an item needs a name' },
    ]);
    await handle.signal(checkout);
    await handle.result();
  });

  it('start waits for at least ACCEPTED (this handler also finished); result and describe find the update by id', async () => {
    const handle = await startCart('cli-cart-3');
    const started = await runCli(
      [
        'workflow',
        'update',
        'start',
        '-w',
        'cli-cart-3',
        '--name',
        'addItem',
        '-i',
        '"fig"',
        '--update-id',
        'u-fig',
        '--wait-for-stage',
        'accepted',
        '-o',
        'json',
      ],
      env,
    );
    expect(started.exitCode).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ updateId: 'u-fig', stage: 'COMPLETED', result: 1 });
    const result = await runCli(
      ['workflow', 'update', 'result', '-w', 'cli-cart-3', '--update-id', 'u-fig', '-o', 'json'],
      env,
    );
    expect(JSON.parse(result.stdout)).toMatchObject({ updateId: 'u-fig', result: 1 });
    const described = await runCli(
      ['workflow', 'update', 'describe', '-w', 'cli-cart-3', '--update-id', 'u-fig'],
      env,
    );
    expect(described.exitCode).toBe(0);
    expect(described.stdout).toMatch(/Stage +COMPLETED\n/);
    expect(described.stdout).toMatch(/Result +1\n$/);
    const unknown = await runCli(
      ['workflow', 'update', 'describe', '-w', 'cli-cart-3', '--update-id', 'nope'],
      env,
    );
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/^error: \[UPDATE_NOT_FOUND\] update "nope"/);
    await handle.signal(checkout);
    await handle.result();
    const closed = await runCli(
      ['workflow', 'update', '-w', 'cli-cart-3', '--name', 'addItem', '-i', '"late"'],
      env,
    );
    expect(closed.exitCode).toBe(1);
    expect(closed.stderr).toMatch(
      /^error: \[WORKFLOW_NOT_FOUND\] workflow "cli-cart-3" .* is already closed \(COMPLETED\)/,
    );
  });

  it('a stage other than "accepted" is a usage error (exit 2), caught before any server call', async () => {
    const badStage = await runCli(
      ['workflow', 'update', 'start', '-w', 'x', '--name', 'addItem', '--wait-for-stage', 'completed'],
      env,
    );
    expect(badStage.exitCode).toBe(2);
    expect(badStage.stderr).toContain('use "accepted"');
  });
});
