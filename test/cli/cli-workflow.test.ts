import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '../../src/client/index.js';
import { ActivityFailure, ApplicationFailure } from '../../src/common/failure.js';
import type { StrataServer } from '../../src/server/index.js';
import { runCli } from '../helpers/run-cli.js';
import { eventually, startTestServer } from '../helpers/strata-server.js';
import {
  commands,
  type Decision,
  type TaskView,
  WorkflowTaskDriver,
} from '../helpers/workflow-task-driver.js';

const taskQueue = 'cli-tests';

function decide(task: TaskView): Decision {
  switch (task.workflowType) {
    case 'greet':
      return { commands: [commands.complete(`Hello, ${String(task.input[0])}!`)] };
    case 'chargeCard':
      return {
        commands: [
          commands.fail(
            new ActivityFailure(
              'Activity task failed',
              'charge',
              '1',
              'MAXIMUM_ATTEMPTS_REACHED',
              'worker-1',
              ApplicationFailure.nonRetryable('card expired', 'PaymentDeclined'),
            ),
          ),
        ],
      };
    case 'waitForFinish': {
      const finish = task.signals.find((s) => s.name === 'finish');
      if (finish) return { commands: [commands.complete(finish.args)] };
      if (task.cancelRequested) return { commands: [commands.cancel()] };
      return { commands: [] };
    }
    case 'nonDeterministic':
      return {
        failTask: new ApplicationFailure(
          '[NDE] event 5: expected ActivityTaskScheduled',
          'DeterminismViolationError',
        ),
      };
    default:
      return { commands: [] };
  }
}

let server: StrataServer;
let driver: WorkflowTaskDriver;
let connection: Connection;
let client: Client;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  driver = await WorkflowTaskDriver.start({
    address: server.address,
    taskQueue,
    decide,
    answerQuery: (_type, _args, task) => task.signals.map((s) => s.name),
  });
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  env = { STRATA_ADDRESS: server.address };
});

afterAll(async () => {
  connection?.close();
  await driver?.stop();
  await server?.close();
});

const newId = (prefix: string) => `${prefix}-${randomUUID()}`;

describe('strata workflow against a server', () => {
  it('execute prints the ids and the result', async () => {
    const workflowId = newId('greet');
    const { exitCode, stdout, stderr } = await runCli(
      ['workflow', 'execute', '--type', 'greet', '-t', taskQueue, '-w', workflowId, '-i', '"Ada"'],
      env,
    );
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(stdout).toContain(`WorkflowId  ${workflowId}`);
    expect(stdout).toMatch(/Status\s+COMPLETED/);
    expect(stdout).toMatch(/Result\s+"Hello, Ada!"/);
  });

  it('execute -o json prints one JSON document for scripts', async () => {
    const workflowId = newId('greet');
    const { exitCode, stdout } = await runCli(
      [
        'workflow',
        'execute',
        '--type',
        'greet',
        '--task-queue',
        taskQueue,
        '--workflow-id',
        workflowId,
        '--input',
        '"Bo"',
        '-o',
        'json',
      ],
      env,
    );
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      workflowId,
      type: 'greet',
      status: 'COMPLETED',
      result: 'Hello, Bo!',
    });
  });

  it('execute of a failing workflow exits 1 and prints the failure chain, not a stack trace', async () => {
    const { exitCode, stdout, stderr } = await runCli(
      ['workflow', 'execute', '--type', 'chargeCard', '-t', taskQueue, '-w', newId('charge')],
      env,
    );
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/Status\s+FAILED/);
    expect(stderr).toBe(
      'error: Workflow execution failed\n' +
        'ActivityFailure [activity charge]: Activity task failed\n' +
        '  caused by: ApplicationFailure(PaymentDeclined): card expired\n',
    );
  });

  it('start, signal with several inputs, query and result', async () => {
    const workflowId = newId('signal');
    const started = await runCli(
      ['workflow', 'start', '--type', 'waitForFinish', '-t', taskQueue, '-w', workflowId, '-o', 'json'],
      env,
    );
    expect(started.exitCode).toBe(0);
    const { runId } = JSON.parse(started.stdout) as { runId: string };
    expect(runId).toMatch(/\S/);

    const signalled = await runCli(['workflow', 'signal', '-w', workflowId, '--name', 'ping'], env);
    expect(signalled).toMatchObject({ exitCode: 0, stdout: `Signal "ping" sent to ${workflowId}\n` });

    const queried = await runCli(
      ['workflow', 'query', '-w', workflowId, '--name', 'signals', '-o', 'json'],
      env,
    );
    expect(queried.exitCode).toBe(0);
    expect(JSON.parse(queried.stdout)).toEqual({ queryResult: ['ping'] });

    await runCli(
      ['workflow', 'signal', '-w', workflowId, '-r', runId, '--name', 'finish', '-i', '"a"', '-i', '{"n":2}'],
      env,
    );
    const result = await runCli(['workflow', 'result', '-w', workflowId, '-o', 'json'], env);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'COMPLETED', result: ['a', { n: 2 }] });
  });

  it('describe shows the status and the pending workflow task failure of a stuck workflow', async () => {
    const workflowId = newId('nde');
    await client.workflow.start('nonDeterministic', { taskQueue, workflowId });
    await eventually(
      async () => (await client.workflow.getHandle(workflowId).describe()).pendingWorkflowTask?.lastFailure,
    );
    const { exitCode, stdout } = await runCli(['workflow', 'describe', '-w', workflowId], env);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('Execution Info:');
    expect(stdout).toMatch(/Status\s+RUNNING/);
    expect(stdout).toMatch(/Type\s+nonDeterministic/);
    expect(stdout).toContain('Pending Workflow Task:');
    expect(stdout).toMatch(/LastFailure\s+ApplicationFailure\(DeterminismViolationError\): \[NDE\] event 5/);

    const json = await runCli(['workflow', 'describe', '-w', workflowId, '-o', 'json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({
      workflowId,
      status: 'RUNNING',
      pendingWorkflowTask: {
        lastFailure: [{ name: 'ApplicationFailure', type: 'DeterminismViolationError' }],
      },
    });

    const terminated = await runCli(
      ['workflow', 'terminate', '-w', workflowId, '--reason', 'bad deploy'],
      env,
    );
    expect(terminated).toMatchObject({ exitCode: 0, stdout: `Workflow ${workflowId} terminated\n` });
    expect((await client.workflow.getHandle(workflowId).describe()).status.name).toBe('TERMINATED');
  });

  it('show prints the history in order, as a table or as JSON', async () => {
    const workflowId = newId('show');
    await client.workflow.execute('greet', { taskQueue, workflowId, args: ['Ada'] });
    const { exitCode, stdout } = await runCli(['workflow', 'show', '-w', workflowId], env);
    expect(exitCode).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Id\s+Time\s+Type\s+Details$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[2])).toEqual([
      'WorkflowExecutionStarted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'WorkflowExecutionCompleted',
    ]);
    expect(lines[1]).toContain(`type=greet taskQueue=${taskQueue} input=["Ada"]`);
    expect(lines[5]).toContain('result="Hello, Ada!"');

    const json = await runCli(['workflow', 'show', '-w', workflowId, '-o', 'json'], env);
    const history = JSON.parse(json.stdout) as { events: { eventId: number; eventType: string }[] };
    expect(history.events.map((e) => e.eventId)).toEqual([1, 2, 3, 4, 5]);
    expect(history.events[0]?.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
  });

  it('list and count with a query; --limit caps the list', async () => {
    const type = `listed${randomUUID().slice(0, 8)}`;
    for (const i of [1, 2, 3])
      await client.workflow.start(type, { taskQueue, workflowId: newId(`list-${i}`) });
    const query = `WorkflowType = "${type}"`;

    const table = await runCli(['workflow', 'list', '-q', query], env);
    expect(table.exitCode).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Status\s+WorkflowId\s+RunId\s+Type\s+TaskQueue\s+StartTime\s+CloseTime$/);
    expect(lines.slice(1)).toHaveLength(3);
    expect(lines[1]).toMatch(new RegExp(`^RUNNING\\s+list-\\d-\\S+\\s+\\S+\\s+${type}\\s+${taskQueue}`));

    const limited = await runCli(['workflow', 'list', '-q', query, '--limit', '2', '-o', 'json'], env);
    expect(JSON.parse(limited.stdout)).toHaveLength(2);

    expect(await runCli(['workflow', 'count', '-q', query], env)).toMatchObject({
      exitCode: 0,
      stdout: 'Total: 3\n',
    });
    const json = await runCli(['workflow', 'count', '--query', query, '-o', 'json'], env);
    expect(JSON.parse(json.stdout)).toEqual({ count: 3 });
  });

  it('cancel requests cancellation; the workflow closes as cancelled', async () => {
    const workflowId = newId('cancel');
    await client.workflow.start('waitForFinish', { taskQueue, workflowId });
    const cancelled = await runCli(['workflow', 'cancel', '-w', workflowId, '--reason', 'not needed'], env);
    expect(cancelled).toMatchObject({ exitCode: 0, stdout: `Cancellation requested for ${workflowId}\n` });
    const result = await runCli(['workflow', 'result', '-w', workflowId], env);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/Status\s+CANCELLED/);
    expect(result.stderr).toContain('CancelledFailure');
  });

  it('an unknown workflow id exits 1 with a clear not-found message', async () => {
    const { exitCode, stderr } = await runCli(['workflow', 'describe', '-w', 'no-such-workflow'], env);
    expect(exitCode).toBe(1);
    expect(stderr).toBe(
      'error: workflow "no-such-workflow" not found in namespace "default". Check the id with `strata workflow list`\n',
    );
  });

  it('a bad visibility query exits 2 with the server explanation', async () => {
    const { exitCode, stderr } = await runCli(['workflow', 'count', '-q', 'Nope = 1'], env);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/^error: .*unknown attribute "Nope"/);
  });
});
