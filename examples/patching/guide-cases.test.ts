/**
 * The guide's other cases, on a time-skipping server with real workers: the added `sleep` (a non-determinism error,
 * R4), the added signal handler (no patch needed, R5), and the two alternatives to patching (a new task queue, a new
 * workflow name), where old runs finish on old code while new runs use the new code.
 */
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from 'strata/client';
import { TestWorkflowEnvironment } from 'strata/testing';
import { DeterminismViolationError, Worker, type WorkerOptions } from 'strata/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { History } from '../../src/gen/strata/v1/history_pb.js';
import { eventually } from '../../test/helpers/strata-server.js';
import * as activities from './activities.js';
import { updateValueSignal } from './guide-cases/added-signal-v2.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping();
});
afterAll(async () => {
  await env?.teardown();
});

const path = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** A worker as a fresh deployment (no cached runs): every task replays the history on this code. */
function workerFor(taskQueue: string, file: string, options: Partial<WorkerOptions> = {}): Promise<Worker> {
  return Worker.create({
    connection: env.connection,
    taskQueue,
    workflowsPath: path(file),
    activities,
    maxCachedWorkflows: 0,
    ...options,
  });
}

async function until(
  handle: WorkflowHandle,
  has: (history: History) => boolean,
  what: string,
): Promise<History> {
  return eventually(
    async () => {
      const history = await handle.fetchHistory();
      return has(history) ? history : undefined;
    },
    10_000,
    what,
  );
}

/** Starts a workflow and runs `worker` until the workflow's history has an event of `kind`. */
async function startUntil(
  worker: Worker,
  kind: NonNullable<History['events'][number]['attributes']['case']>,
  workflowType: string,
  options: { taskQueue: string; workflowId: string; args?: unknown[] },
): Promise<WorkflowHandle> {
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start(workflowType, options);
    await until(handle, hasEvent(kind), `${options.workflowId} to record ${kind}`);
    return handle;
  });
}

const hasEvent = (kind: NonNullable<History['events'][number]['attributes']['case']>) => (history: History) =>
  history.events.some((e) => e.attributes.case === kind);

function activityTypes(history: History): string[] {
  return history.events.flatMap((e) =>
    e.attributes.case === 'activityTaskScheduledEventAttributes'
      ? [e.attributes.value.activityType?.name ?? '']
      : [],
  );
}

describe('the guide: do I need to patch?', () => {
  it('R4: the added sleep(): a workflow on the runActivity step fails its workflow task on v2, stays open, v1 resumes it', async () => {
    // v1 runs only workflows here, so the workflow waits on its runActivity step.
    const v1 = await workerFor('sleep', 'guide-cases/added-sleep-v1.ts', { activities: undefined });
    const handle = await startUntil(v1, 'activityTaskScheduledEventAttributes', 'yourWorkflow', {
      taskQueue: 'sleep',
      workflowId: 'sleep-1',
      args: [1],
    });
    const history = await handle.fetchHistory();
    const replayed = await Worker.runReplayHistory(
      { workflowsPath: path('guide-cases/added-sleep-v2.ts') },
      history,
    ).catch((err: unknown) => err);
    expect(replayed).toBeInstanceOf(DeterminismViolationError);

    // Deployed anyway: the activity completes, and v2 replays the history when the next task comes.
    const v2 = await workerFor('sleep', 'guide-cases/added-sleep-v2.ts');
    await v2.runUntil(
      until(handle, hasEvent('workflowTaskFailedEventAttributes'), 'the workflow task to fail on v2'),
    );
    const described = await handle.describe();
    expect(described.status.name).toBe('RUNNING');
    expect(described.pendingWorkflowTask?.lastFailure?.message).toMatch(
      /^\[NDE\] workflow "sleep-1" .*: at event 5 the history has ActivityTaskScheduled \(activity type "runActivity", activity id "1"\) but the code produced StartTimer \(timer id "1", 86400000 ms\)/,
    );

    expect(await (await workerFor('sleep', 'guide-cases/added-sleep-v1.ts')).runUntil(handle.result())).toBe(
      7,
    );
  });

  it('R5: the added signal handler needs no patch: a v1 workflow continues on v2 and handles the new signal', async () => {
    const v1 = await workerFor('signal', 'guide-cases/added-signal-v1.ts');
    const handle = await startUntil(v1, 'timerStartedEventAttributes', 'yourWorkflow', {
      taskQueue: 'signal',
      workflowId: 'signal-1',
      args: [1],
    });
    await expect(
      Worker.runReplayHistory(
        { workflowsPath: path('guide-cases/added-signal-v2.ts') },
        await handle.fetchHistory(),
      ),
    ).resolves.toBeUndefined();
    const v2 = await workerFor('signal', 'guide-cases/added-signal-v2.ts');
    const result = await v2.runUntil(async () => {
      await handle.signal(updateValueSignal, 42);
      return handle.result();
    });
    expect(result).toBe(42);
  });
});

describe('the guide: alternatives to patching', () => {
  it('a new task queue: v1 runs finish on v1 workers of queue1 while new runs use vFinal on queue2', async () => {
    const v1 = await workerFor('queue1', 'workflows-v1.ts');
    const old = await startUntil(v1, 'timerStartedEventAttributes', 'myWorkflow', {
      taskQueue: 'queue1',
      workflowId: 'queue1-old',
    });
    // Both deployments run side by side; clients now start workflows on queue2 only.
    const v1Again = await workerFor('queue1', 'workflows-v1.ts');
    const vFinal = await workerFor('queue2', 'workflows-vFinal.ts');
    const fresh = await env.client.workflow.start('myWorkflow', {
      taskQueue: 'queue2',
      workflowId: 'queue2-new',
    });
    await Promise.all([v1Again.runUntil(old.result()), vFinal.runUntil(fresh.result())]);
    expect(activityTypes(await old.fetchHistory())).toEqual(['activityA', 'activityThatMustRunAfterA']);
    expect(activityTypes(await fresh.fetchHistory())).toEqual(['activityB']);
  });

  it('a new workflow name: running myWorkflow runs finish on their code while new runs start myWorkflow2', async () => {
    const v1 = await workerFor('names', 'workflows-v1.ts');
    const old = await startUntil(v1, 'timerStartedEventAttributes', 'myWorkflow', {
      taskQueue: 'names',
      workflowId: 'name-old',
    });
    const both = await workerFor('names', 'guide-cases/workflow-name-v2.ts');
    const result = await both.runUntil(async () => {
      const fresh = await env.client.workflow.start('myWorkflow2', {
        taskQueue: 'names',
        workflowId: 'name-new',
      });
      await Promise.all([old.result(), fresh.result()]);
      return fresh;
    });
    expect(activityTypes(await old.fetchHistory())).toEqual(['activityA', 'activityThatMustRunAfterA']);
    expect(activityTypes(await result.fetchHistory())).toEqual(['activityB']);
  });
});
