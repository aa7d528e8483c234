/** CLI flags of runs: --cron, --id-reuse-policy, --id-conflict-policy; result/show/describe over a chain of runs. */
import { fileURLToPath } from 'node:url';
import { Client, Connection } from 'strata/client';
import { Worker } from 'strata/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StrataServer } from '../../src/server/index.js';
import { runCli } from '../helpers/run-cli.js';
import { startTestServer } from '../helpers/strata-server.js';

const workflowsPath = fileURLToPath(new URL('../runs/workflows.ts', import.meta.url));
const taskQueue = 'cli-runs';
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
  worker = await Worker.create({ connection, taskQueue, workflowsPath });
  running = worker.run();
  env = { STRATA_ADDRESS: server.address };
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  connection?.close();
  await server?.close();
});

describe('strata workflow over a chain of runs', () => {
  it('execute follows continue-as-new to the last run; show -r lists the first run closing into the next; describe shows the current run', async () => {
    const executed = await runCli(
      [
        'workflow',
        'execute',
        '--type',
        'countdown',
        '-t',
        taskQueue,
        '-w',
        'cli-count',
        '-i',
        '3',
        '-o',
        'json',
      ],
      env,
    );
    expect(executed.exitCode).toBe(0);
    const started = JSON.parse(executed.stdout) as { runId: string; result: number };
    expect(started.result).toBe(6);

    const shown = await runCli(['workflow', 'show', '-w', 'cli-count', '-r', started.runId], env);
    expect(shown.stdout).toMatch(
      /WorkflowExecutionContinuedAsNew\s+newRunId=\S+ type=countdown taskQueue=cli-runs input=\[2,3\]/,
    );

    const described = await runCli(['workflow', 'describe', '-w', 'cli-count', '-o', 'json'], env);
    const current = JSON.parse(described.stdout) as { runId: string; status: string };
    expect(current.status).toBe('COMPLETED');
    expect(current.runId).not.toBe(started.runId);
  });

  it('--cron starts a run that waits for the schedule time (show: cron and backoff)', async () => {
    const started = await runCli(
      ['workflow', 'start', '--type', 'cronTick', '-t', taskQueue, '-w', 'cli-cron', '--cron', '@yearly'],
      env,
    );
    expect(started.exitCode).toBe(0);
    const shown = await runCli(['workflow', 'show', '-w', 'cli-cron'], env);
    expect(shown.stdout).toMatch(
      /WorkflowExecutionStarted\s+type=cronTick taskQueue=cli-runs cron=@yearly backoff=\S+/,
    );
    expect(shown.stdout).not.toMatch(/WorkflowTaskScheduled/);
    await client.workflow.getHandle('cli-cron').terminate('test over');
  });

  it('--id-conflict-policy UseExisting prints the running run; --id-reuse-policy RejectDuplicate refuses a closed id', async () => {
    const first = await client.workflow.start('waitForFinish', { taskQueue, workflowId: 'cli-conflict' });
    const again = await runCli(
      [
        'workflow',
        'start',
        '--type',
        'waitForFinish',
        '-t',
        taskQueue,
        '-w',
        'cli-conflict',
        '--id-conflict-policy',
        'UseExisting',
        '-o',
        'json',
      ],
      env,
    );
    expect(again.exitCode).toBe(0);
    expect((JSON.parse(again.stdout) as { runId: string }).runId).toBe(first.firstExecutionRunId);
    const refused = await runCli(
      ['workflow', 'start', '--type', 'waitForFinish', '-t', taskQueue, '-w', 'cli-conflict'],
      env,
    );
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(
      /error: workflow "cli-conflict" is already running .*--id-conflict-policy/,
    );
    await client.workflow.getHandle('cli-conflict').terminate('done');

    const rejected = await runCli(
      [
        'workflow',
        'start',
        '--type',
        'waitForFinish',
        '-t',
        taskQueue,
        '-w',
        'cli-conflict',
        '--id-reuse-policy',
        'RejectDuplicate',
      ],
      env,
    );
    expect(rejected.exitCode).toBe(1);
    expect(rejected.stderr).toMatch(/REJECT_DUPLICATE forbids another run; use another workflow id/);
  });

  it.each([
    [
      ['--cron', '0 25 * * *'],
      /error: option '--cron <schedule>' argument '0 25 \* \* \*' is invalid\. .*the hour field "25"/,
    ],
    [
      ['--id-reuse-policy', 'Sometimes'],
      /--id-reuse-policy "Sometimes" is not a policy; use one of ALLOW_DUPLICATE/,
    ],
  ])('a bad %s exits 2 with the fix, before contacting the server', async (flags, message) => {
    const result = await runCli(
      ['workflow', 'start', '--type', 'x', '-t', taskQueue, '--address', '127.0.0.1:1', ...flags],
      env,
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('server start-dev refuses an unknown --dynamic-config-value key', async () => {
    const result = await runCli(['server', 'start-dev', '--dynamic-config-value', 'limit.unknown=1']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /"limit.unknown" is not a dynamic config key Strata knows; use limit.historyCount.suggestContinueAsNew/,
    );
  });
});
