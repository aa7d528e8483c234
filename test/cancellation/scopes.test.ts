/** Cancellation scopes from the user's side: workflow code, a real worker, the client, time skipping. */
import { CancelledFailure, WorkflowFailedError } from 'strata/client';
import { Worker } from 'strata/worker';
import { describe, expect, it } from 'vitest';
import * as activities from './activities.js';
import { eventNames, nondeterminismWithChangedCode, useWorker, workflowsPaths } from './helpers.js';
import {
  cancelAndCleanup,
  cancelInner,
  nestedScopes,
  raceCancelRequested,
  shieldedChildCancelledOnItsOwn,
  startInCancelledScope,
  stepsQuery,
  storageHidden,
  withTimeouts,
} from './workflows.js';

const workflowsPath = workflowsPaths.workflows;
const taskQueue = 'scopes';
const t = useWorker({ taskQueue, workflowsPath });

describe('CancellationScope', () => {
  it('cancelling a scope cancels the timers of its cancellable children (TimerCanceled), not of a nonCancellable one', async () => {
    const handle = await t.env.client.workflow.start(nestedScopes, { taskQueue, workflowId: 'nested' });
    expect(await handle.result()).toEqual([
      'inner rejected, isCancellation=true',
      'shielded slept, same scope after await=true',
      'shielded: cancellable=false consideredCancelled=false',
      'inner consideredCancelled=true',
      'outer consideredCancelled=true',
      'root is current=true',
    ]);
    const history = await handle.fetchHistory();
    expect(eventNames(history)).toEqual([
      'WorkflowExecutionStarted',
      'TimerStarted', // inner: 1 hour
      'TimerStarted', // shielded: 2 hours
      'TimerStarted', // root: 1 minute
      'TimerFired',
      'TimerCanceled',
      'TimerFired',
      'WorkflowExecutionCompleted',
    ]);
    const canceled = history.events.find((e) => e.attributes.case === 'timerCanceledEventAttributes');
    expect(canceled?.attributes.value).toMatchObject({ timerId: '1' });
    await Worker.runReplayHistory({ workflowsPath }, history);
  });

  it('a cancellable scope inside a nonCancellable one is shielded from the outer cancellation but cancels on its own', async () => {
    const handle = await t.env.client.workflow.start(shieldedChildCancelledOnItsOwn, {
      taskQueue,
      workflowId: 'shielded-child',
    });
    await expect
      .poll(() => handle.query(stepsQuery))
      .toEqual(['outer cancelled; child consideredCancelled=false']);
    await handle.signal(cancelInner);
    expect(await handle.result()).toEqual([
      'outer cancelled; child consideredCancelled=false',
      'child: Cancellation scope cancelled',
    ]);
  });

  it('withTimeout cancels its work when its timer fires, and cancels its own timer when the work ends first', async () => {
    const handle = await t.env.client.workflow.start(withTimeouts, { taskQueue, workflowId: 'with-timeout' });
    expect(await handle.result()).toEqual([
      'long sleep: CancelledFailure Cancellation scope cancelled',
      'short sleep finished',
    ]);
    const history = await handle.fetchHistory();
    expect(eventNames(history)).toEqual([
      'WorkflowExecutionStarted',
      'TimerStarted', // scope timeout: 1 hour
      'TimerStarted', // sleep: 1 day
      'TimerFired', // the timeout
      'TimerCanceled', // the 1-day sleep
      'TimerStarted', // scope timeout: 1 hour
      'TimerStarted', // sleep: 1 minute
      'TimerFired', // the sleep
      'TimerCanceled', // the timeout, no longer needed
      'WorkflowExecutionCompleted',
    ]);
    await Worker.runReplayHistory({ workflowsPath }, history);
  });

  it('cancelRequested rejects once the scope is cancelled', async () => {
    const result = await t.env.client.workflow.execute(raceCancelRequested, {
      taskQueue,
      workflowId: 'race',
    });
    expect(result).toBe('cancelRequested rejected: Cancellation scope cancelled');
  });

  it('work started in a scope already cancelled rejects at once and sends nothing', async () => {
    const handle = await t.env.client.workflow.start(startInCancelledScope, {
      taskQueue,
      workflowId: 'pre-cancelled',
    });
    expect(await handle.result()).toBe('rejected at once: true');
    expect(eventNames(await handle.fetchHistory())).toEqual([
      'WorkflowExecutionStarted',
      'WorkflowExecutionCompleted',
    ]);
  });

  it('R6: workflow code cannot reach the AsyncLocalStorage that tracks scopes (no Node API in the sandbox)', async () => {
    const seen = await t.env.client.workflow.execute(storageHidden, {
      taskQueue,
      workflowId: 'storage-hidden',
    });
    expect(seen).toBe('undefined undefined');
  });
});

describe('client cancellation', () => {
  async function cancelWhileActivityRuns(workflowId: string, rethrow: boolean) {
    const handle = await t.env.client.workflow.start(cancelAndCleanup, {
      taskQueue,
      workflowId,
      args: [rethrow],
    });
    await expect.poll(async () => (await handle.describe()).pendingActivities[0]?.state).toBe('STARTED');
    await handle.cancel();
    return handle;
  }

  it('the workflow catches CancelledFailure, cleans up in nonCancellable and completes: status COMPLETED', async () => {
    const released = activities.calls.get('releaseStock') ?? 0;
    const handle = await cancelWhileActivityRuns('cancel-complete', false);
    expect(await handle.result()).toBe('cancelled, then released order-1');
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect(activities.calls.get('releaseStock')).toBe(released + 1);
    const history = await handle.fetchHistory();
    // Started events are written with the attempt's outcome; the cancelled attempt's may come in any time.
    const withoutStarts = eventNames(history).filter(
      (n) => n !== 'ActivityTaskStarted' && n !== 'ActivityTaskCanceled',
    );
    expect(withoutStarts).toEqual([
      'WorkflowExecutionStarted',
      'ActivityTaskScheduled',
      'WorkflowExecutionCancelRequested',
      'ActivityTaskCancelRequested',
      'ActivityTaskScheduled', // the clean-up
      'ActivityTaskCompleted',
      'WorkflowExecutionCompleted',
    ]);
    await Worker.runReplayHistory({ workflowsPath }, history);
  });

  it('the workflow cleans up then rethrows the CancelledFailure: status CANCELLED', async () => {
    const handle = await cancelWhileActivityRuns('cancel-rethrow', true);
    const error = await handle.result().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    const history = await handle.fetchHistory();
    expect(eventNames(history).at(-1)).toBe('WorkflowExecutionCanceled');
    expect(eventNames(history)).toContain('ActivityTaskCompleted');
    await Worker.runReplayHistory({ workflowsPath }, history);
  });

  it('R2: replaying these histories with a changed command order is a non-determinism error', async () => {
    const cleanup = await t.env.client.workflow.getHandle('cancel-complete').fetchHistory();
    expect(await nondeterminismWithChangedCode(cleanup)).toMatch(
      /^\[NDE\].*ActivityTaskScheduled.*StartTimer/,
    );

    const nested = await t.env.client.workflow.getHandle('nested').fetchHistory();
    expect(await nondeterminismWithChangedCode(nested)).toMatch(
      /^\[NDE\].*TimerCanceled \(timer id "1"\).*CancelTimer \(timer id "2"\)/,
    );
  });
});
