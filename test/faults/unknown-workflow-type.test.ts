import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WorkflowTaskFailedCause } from '../../src/gen/strata/v1/history_pb.js';
import { Worker } from '../../src/worker/index.js';
import { runCli } from '../helpers/run-cli.js';
import { useTestServer } from '../worker/harness.js';
import * as activities from './fixtures/activities.js';
import { waitFor } from './processes.js';

const workflowsPath = fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url));
const otherWorkflowsPath = fileURLToPath(new URL('./fixtures/other-workflows.ts', import.meta.url));

const t = useTestServer();

describe('a workflow type no worker registers', () => {
  it('fails its workflow task with UNKNOWN_WORKFLOW_TYPE naming the registered types, stays Running, and completes once a worker registers it', async () => {
    const taskQueue = `unknown-type-${randomUUID()}`;
    const handle = await t.client.workflow.start('greet', {
      taskQueue,
      workflowId: `unknown-type-${randomUUID()}`,
      args: ['Ada'],
    });

    const wrongWorker = await Worker.create({
      connection: t.connection,
      taskQueue,
      workflowsPath: otherWorkflowsPath,
      shutdownSignals: [],
    });
    const wrongRun = wrongWorker.run();
    const failure = await waitFor('the workflow task failure in describe', async () => {
      const { pendingWorkflowTask } = await handle.describe();
      return pendingWorkflowTask?.lastFailure;
    });
    await wrongWorker.shutdown();
    await wrongRun;

    expect(failure.message).toMatch(/^\[UNKNOWN_WORKFLOW_TYPE\] workflow type "greet" is not registered/);
    expect(failure.message).toContain('exports: "alsoUnrelated", "unrelated"');
    const described = await handle.describe();
    expect(described.status.name).toBe('RUNNING');
    const history = await handle.fetchHistory();
    const causes = history.events.flatMap((e) =>
      e.attributes.case === 'workflowTaskFailedEventAttributes' ? [e.attributes.value.cause] : [],
    );
    expect(causes.length).toBeGreaterThan(0);
    expect(causes.every((cause) => cause === WorkflowTaskFailedCause.UNKNOWN_WORKFLOW_TYPE)).toBe(true);

    const cli = await runCli([
      'workflow',
      'describe',
      '--address',
      t.server.address,
      '-w',
      handle.workflowId,
    ]);
    expect(cli.exitCode).toBe(0);
    expect(cli.stdout).toMatch(/Status\s+RUNNING/);
    expect(cli.stdout).toContain('Pending Workflow Task:');
    expect(cli.stdout).toContain('[UNKNOWN_WORKFLOW_TYPE] workflow type "greet" is not registered');

    const rightWorker = await Worker.create({
      connection: t.connection,
      taskQueue,
      workflowsPath,
      activities,
      shutdownSignals: [],
    });
    expect(await rightWorker.runUntil(handle.result())).toBe('Hello, Ada!');
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  });
});
