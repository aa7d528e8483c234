/** Workflow id reuse and conflict policies, from the client's side. */
import { fileURLToPath } from 'node:url';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowIdReusePolicy,
} from 'strata/client';
import { TestWorkflowEnvironment } from 'strata/testing';
import { Worker } from 'strata/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declined, echo, finish, waitForFinish } from './workflows.js';

const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));
const taskQueue = 'policies';
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal();
  worker = await Worker.create({ connection: env.connection, taskQueue, workflowsPath });
  running = worker.run();
});
afterAll(async () => {
  worker.shutdown();
  await running;
  await env.teardown();
});

/** Runs `echo` under `workflowId` to completion. */
async function completed(workflowId: string): Promise<string> {
  const handle = await env.client.workflow.start(echo, { taskQueue, workflowId, args: ['done'] });
  await handle.result();
  return handle.firstExecutionRunId;
}

async function failed(workflowId: string): Promise<void> {
  const handle = await env.client.workflow.start(declined, { taskQueue, workflowId });
  await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
}

describe("workflowIdReusePolicy: a start after the id's last run closed", () => {
  it('ALLOW_DUPLICATE (the default) starts a new run after a completed one', async () => {
    const first = await completed('reuse-allow');
    const handle = await env.client.workflow.start(echo, {
      taskQueue,
      workflowId: 'reuse-allow',
      args: ['again'],
    });
    expect(handle.firstExecutionRunId).not.toBe(first);
    expect(await handle.result()).toBe('again, echoed on policies');
  });

  it('ALLOW_DUPLICATE_FAILED_ONLY refuses after a completed run and allows after a failed one', async () => {
    await completed('reuse-failed-only');
    const refused = await env.client.workflow
      .start(echo, {
        taskQueue,
        workflowId: 'reuse-failed-only',
        args: ['x'],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    expect(String(refused)).toMatch(
      /COMPLETED; workflowIdReusePolicy ALLOW_DUPLICATE_FAILED_ONLY allows a new run only after a failed/,
    );

    await failed('reuse-after-failure');
    const handle = await env.client.workflow.start(echo, {
      taskQueue,
      workflowId: 'reuse-after-failure',
      args: ['retry by hand'],
      // Temporal's proto spelling, kept as an alias.
      workflowIdReusePolicy: WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
    });
    expect(await handle.result()).toBe('retry by hand, echoed on policies');
  });

  it('REJECT_DUPLICATE refuses any new run of the id', async () => {
    await failed('reuse-reject');
    await expect(
      env.client.workflow.start(echo, {
        taskQueue,
        workflowId: 'reuse-reject',
        args: ['x'],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    ).rejects.toThrow(/REJECT_DUPLICATE forbids another run; use another workflow id/);
  });

  it('TERMINATE_IF_RUNNING terminates a running run and starts a new one', async () => {
    const old = await env.client.workflow.start(waitForFinish, { taskQueue, workflowId: 'reuse-terminate' });
    const handle = await env.client.workflow.start(waitForFinish, {
      taskQueue,
      workflowId: 'reuse-terminate',
      workflowIdReusePolicy: 'TERMINATE_IF_RUNNING',
    });
    expect(handle.firstExecutionRunId).not.toBe(old.firstExecutionRunId);
    const oldRun = env.client.workflow.getHandle('reuse-terminate', old.firstExecutionRunId);
    expect((await oldRun.describe()).status.name).toBe('TERMINATED');
    await handle.signal(finish, 'second');
    expect(await handle.result()).toBe('second');
  });
});

describe('workflowIdConflictPolicy: a start while a run with the id is running', () => {
  it('FAIL (the default) throws WorkflowExecutionAlreadyStartedError naming the fix', async () => {
    const first = await env.client.workflow.start(waitForFinish, { taskQueue, workflowId: 'conflict-fail' });
    const error = await env.client.workflow
      .start(waitForFinish, { taskQueue, workflowId: 'conflict-fail' })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    expect((error as WorkflowExecutionAlreadyStartedError).workflowId).toBe('conflict-fail');
    expect(String(error)).toMatch(/already running .*USE_EXISTING or TERMINATE_EXISTING/);
    await first.signal(finish, 'one');
    expect(await first.result()).toBe('one');
  });

  it('USE_EXISTING returns a handle to the running run; nothing new starts', async () => {
    const first = await env.client.workflow.start(waitForFinish, { taskQueue, workflowId: 'conflict-use' });
    const again = await env.client.workflow.start(waitForFinish, {
      taskQueue,
      workflowId: 'conflict-use',
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    expect(again.firstExecutionRunId).toBe(first.firstExecutionRunId);
    await again.signal(finish, 'shared');
    expect(await first.result()).toBe('shared');
    const { count } = await env.client.workflow.count('WorkflowId = "conflict-use"');
    expect(count).toBe(1);
  });

  it('TERMINATE_EXISTING terminates the running run, with the reason in its history, and starts a new one', async () => {
    const first = await env.client.workflow.start(waitForFinish, { taskQueue, workflowId: 'conflict-term' });
    const second = await env.client.workflow.start(waitForFinish, {
      taskQueue,
      workflowId: 'conflict-term',
      workflowIdConflictPolicy: 'TERMINATE_EXISTING',
    });
    const error = await first.result().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(String((error as WorkflowFailedError).cause)).toMatch(/TERMINATE_EXISTING/);
    await second.signal(finish, 'new');
    expect(await second.result()).toBe('new');
  });

  it('signalWithStart signals the running run (USE_EXISTING) or replaces it (TERMINATE_EXISTING)', async () => {
    const first = await env.client.workflow.signalWithStart(waitForFinish, {
      taskQueue,
      workflowId: 'sws',
      signal: finish,
      signalArgs: ['a'],
    });
    expect(await first.result()).toBe('a');
    const waiting = await env.client.workflow.start(waitForFinish, { taskQueue, workflowId: 'sws-running' });
    const signaled = await env.client.workflow.signalWithStart(waitForFinish, {
      taskQueue,
      workflowId: 'sws-running',
      signal: finish,
      signalArgs: ['to the running run'],
    });
    expect(signaled.signaledRunId).toBe(waiting.firstExecutionRunId);
    expect(await waiting.result()).toBe('to the running run');

    const old = await env.client.workflow.start(waitForFinish, { taskQueue, workflowId: 'sws-replace' });
    const replaced = await env.client.workflow.signalWithStart(waitForFinish, {
      taskQueue,
      workflowId: 'sws-replace',
      signal: finish,
      signalArgs: ['to a new run'],
      workflowIdConflictPolicy: 'TERMINATE_EXISTING',
    });
    expect(replaced.signaledRunId).not.toBe(old.firstExecutionRunId);
    expect(await replaced.result()).toBe('to a new run');
  });
});
