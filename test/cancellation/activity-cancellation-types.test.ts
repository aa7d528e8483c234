/**
 * Activity cancellation types from the user's side: what the workflow sees and what the history records for
 * TRY_CANCEL, WAIT_CANCELLATION_COMPLETED and ABANDON, with a real worker running the activities.
 */
import type { WorkflowHandle } from 'strata/client';
import { Worker } from 'strata/worker';
import { ActivityCancellationType } from 'strata/workflow';
import { describe, expect, it } from 'vitest';
import * as activities from './activities.js';
import { eventNames, nondeterminismWithChangedCode, useWorker, workflowsPaths } from './helpers.js';
import { cancelActivity, cancelActivityWith } from './workflows.js';

const workflowsPath = workflowsPaths.workflows;
const taskQueue = 'activity-cancellation-types';
const t = useWorker({ taskQueue, workflowsPath });

/** Starts the workflow, waits for its activity to run, then has the workflow cancel the activity's scope. */
async function cancelRunningActivity(
  workflowId: string,
  type: ActivityCancellationType,
  activity: 'heartbeatUntilCancelled' | 'ignoresCancellation',
): Promise<WorkflowHandle<typeof cancelActivityWith>> {
  const handle = await t.env.client.workflow.start(cancelActivityWith, {
    taskQueue,
    workflowId,
    args: [type, activity],
  });
  await expect.poll(async () => (await handle.describe()).pendingActivities[0]?.state).toBe('STARTED');
  await handle.signal(cancelActivity);
  return handle;
}

/** The events of the workflow task that handled the signal and after it. */
function afterSignal(names: string[]): string[] {
  return names.slice(names.indexOf('WorkflowExecutionSignaled') + 1);
}

const REJECTED_AS_CANCELLED =
  'rejected: ActivityFailure (CancelledFailure: Activity cancelled), isCancellation=true';

describe('ActivityCancellationType', () => {
  it('TRY_CANCEL (default) rejects at once and sends RequestCancelActivityTask; the activity still learns of it', async () => {
    const before = activities.calls.get('heartbeatUntilCancelled cancelled') ?? 0;
    const handle = await cancelRunningActivity(
      'try-cancel',
      ActivityCancellationType.TRY_CANCEL,
      'heartbeatUntilCancelled',
    );
    expect(await handle.result()).toBe(REJECTED_AS_CANCELLED);
    const history = await handle.fetchHistory();
    // The workflow completed in the very task that requested the cancellation.
    expect(afterSignal(eventNames(history)).slice(0, 2)).toEqual([
      'ActivityTaskCancelRequested',
      'WorkflowExecutionCompleted',
    ]);
    // The heartbeating activity was told (through its heartbeat) and stopped.
    await expect
      .poll(() => activities.calls.get('heartbeatUntilCancelled cancelled') ?? 0, { timeout: 5000 })
      .toBe(before + 1);
    await Worker.runReplayHistory({ workflowsPath }, history);
  });

  it('WAIT_CANCELLATION_COMPLETED waits for the activity to report its cancellation (ActivityTaskCanceled)', async () => {
    const handle = await cancelRunningActivity(
      'wait-cancel',
      ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      'heartbeatUntilCancelled',
    );
    expect(await handle.result()).toBe(
      'rejected: ActivityFailure (CancelledFailure: Activity cancelled), isCancellation=true',
    );
    const history = await handle.fetchHistory();
    expect(afterSignal(eventNames(history))).toEqual([
      'ActivityTaskCancelRequested',
      'ActivityTaskStarted',
      'ActivityTaskCanceled',
      'WorkflowExecutionCompleted',
    ]);
    await Worker.runReplayHistory({ workflowsPath }, history);
  });

  it('WAIT_CANCELLATION_COMPLETED resolves with the result of an activity that completes despite the request', async () => {
    const handle = await cancelRunningActivity(
      'wait-complete',
      ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      'ignoresCancellation',
    );
    expect(await handle.result()).toBe('resolved: finished anyway');
    expect(afterSignal(eventNames(await handle.fetchHistory()))).toEqual([
      'ActivityTaskCancelRequested',
      'ActivityTaskStarted',
      'ActivityTaskCompleted',
      'WorkflowExecutionCompleted',
    ]);
  });

  it('ABANDON rejects at once, sends nothing, and the activity runs to its end', async () => {
    const finished = activities.calls.get('ignoresCancellation finished') ?? 0;
    const handle = await cancelRunningActivity(
      'abandon',
      ActivityCancellationType.ABANDON,
      'ignoresCancellation',
    );
    expect(await handle.result()).toBe(REJECTED_AS_CANCELLED);
    const history = await handle.fetchHistory();
    expect(eventNames(history)).not.toContain('ActivityTaskCancelRequested');
    expect(afterSignal(eventNames(history))).toEqual(['WorkflowExecutionCompleted']);
    await expect
      .poll(() => activities.calls.get('ignoresCancellation finished') ?? 0, { timeout: 5000 })
      .toBe(finished + 1);
    await Worker.runReplayHistory({ workflowsPath }, history);
  });

  it('R2: replaying a WAIT_CANCELLATION_COMPLETED history with code that uses TRY_CANCEL is a non-determinism error', async () => {
    const history = await t.env.client.workflow.getHandle('wait-cancel').fetchHistory();
    expect(await nondeterminismWithChangedCode(history)).toMatch(/^\[NDE\].*CompleteWorkflowExecution/);
  });

  it('an unknown cancellationType is refused with [INVALID_ACTIVITY_OPTIONS], failing the workflow task', async () => {
    const handle = await t.env.client.workflow.start(cancelActivityWith, {
      taskQueue,
      workflowId: 'bad-type',
      args: ['NEVER' as ActivityCancellationType, 'ignoresCancellation'],
    });
    await expect
      .poll(async () => (await handle.describe()).pendingWorkflowTask?.lastFailure?.message)
      .toMatch(/^\[INVALID_ACTIVITY_OPTIONS\] cancellationType "NEVER" is not one of TRY_CANCEL/);
    await handle.terminate('test done');
  });
});
