/**
 * Local activities from the user's side: run by the worker inside the workflow task, recorded as
 * `core_local_activity` markers, resolved from those markers on replay without running again.
 */
import { Worker } from 'strata/worker';
import type { ActivityCancellationType } from 'strata/workflow';
import { describe, expect, it } from 'vitest';
import { payloadsToValue } from '../../src/common/payload-proto.js';
import type { History } from '../../src/gen/strata/v1/history_pb.js';
import * as activities from './activities.js';
import { eventNames, nondeterminismWithChangedCode, useWorker, workflowsPaths } from './helpers.js';
import {
  cancelLocalActivity,
  localDurableBackoff,
  localFailure,
  localRetries,
  localTimeout,
  priceThenNap,
} from './local-workflows.js';

const workflowsPath = workflowsPaths.local;
const taskQueue = 'local-activities';
// No cache: every workflow task replays the run from its full history, as after a worker restart.
const t = useWorker({ taskQueue, workflowsPath, maxCachedWorkflows: 0 });

/** The `data` details of the history's local activity markers. */
function markerData(history: History): Record<string, unknown>[] {
  return history.events.flatMap((e) =>
    e.attributes.case === 'markerRecordedEventAttributes' &&
    e.attributes.value.markerName === 'core_local_activity'
      ? [payloadsToValue(e.attributes.value.details.data) as Record<string, unknown>]
      : [],
  );
}

const calls = (name: string) => activities.calls.get(name) ?? 0;

/** Runs `cancelLocalActivity`: its slow local activity (`slowMs`) is cancelled while it runs. */
function startCancelLocal(workflowId: string, type: ActivityCancellationType, slowMs: number) {
  return t.env.client.workflow.start(cancelLocalActivity, { taskQueue, workflowId, args: [type, slowMs] });
}

const REJECTED_AT_ONCE =
  'price 30; slow rejected, isCancellation=true, cause CancelledFailure: Activity cancelled';

describe('proxyLocalActivities', () => {
  it('runs in the worker, records a core_local_activity marker, and is not run again when the run replays', async () => {
    const before = calls('lookupPrice');
    const handle = await t.env.client.workflow.start(priceThenNap, {
      taskQueue,
      workflowId: 'price',
      args: ['abcd'],
    });
    expect(await handle.result()).toBe(40);
    // The second workflow task (timer fired) replayed the run from scratch: the marker answered the lookup.
    expect(calls('lookupPrice')).toBe(before + 1);
    const history = await handle.fetchHistory();
    expect(eventNames(history)).toEqual([
      'WorkflowExecutionStarted',
      'MarkerRecorded',
      'TimerStarted',
      'TimerFired',
      'WorkflowExecutionCompleted',
    ]);
    const marker = history.events.find((e) => e.attributes.case === 'markerRecordedEventAttributes');
    if (marker?.attributes.case !== 'markerRecordedEventAttributes') throw new Error('no marker');
    expect(marker.attributes.value.workflowTaskCompletedEventId).toBe(marker.eventId - 1);
    expect(payloadsToValue(marker.attributes.value.details.result)).toBe(40);
    expect(markerData(history)[0]).toMatchObject({
      seq: 1,
      attempt: 1,
      activityId: '1',
      activityType: 'lookupPrice',
      backoff: null,
    });
    await Worker.runReplayHistory({ workflowsPath }, history);
    expect(calls('lookupPrice')).toBe(before + 1);
  });

  it('retries in the worker while the backoff is below localRetryThreshold: one marker, the last attempt', async () => {
    const handle = await t.env.client.workflow.start(localRetries, {
      taskQueue,
      workflowId: 'retries',
      args: [2],
    });
    expect(await handle.result()).toBe(3);
    const history = await handle.fetchHistory();
    expect(eventNames(history)).toEqual([
      'WorkflowExecutionStarted',
      'MarkerRecorded',
      'WorkflowExecutionCompleted',
    ]);
    expect(markerData(history)[0]).toMatchObject({ activityType: 'flaky', attempt: 3 });
  });

  it('a backoff above localRetryThreshold is a durable timer between attempts, as in Temporal', async () => {
    const handle = await t.env.client.workflow.start(localDurableBackoff, {
      taskQueue,
      workflowId: 'backoff',
    });
    expect(await handle.result()).toBe(2);
    const history = await handle.fetchHistory();
    expect(eventNames(history)).toEqual([
      'WorkflowExecutionStarted',
      'MarkerRecorded', // attempt 1 failed: back off 2 minutes
      'TimerStarted',
      'TimerFired',
      'MarkerRecorded', // attempt 2 completed
      'WorkflowExecutionCompleted',
    ]);
    const [first, second] = markerData(history);
    expect(first).toMatchObject({ seq: 1, attempt: 1, backoff: '120s' });
    expect(second).toMatchObject({
      seq: 2,
      attempt: 2,
      backoff: null,
      originalScheduleTime: first?.originalScheduleTime,
    });
    await Worker.runReplayHistory({ workflowsPath }, history);
  });

  it('a non-retryable failure rejects with ActivityFailure; the marker records the failure', async () => {
    const handle = await t.env.client.workflow.start(localFailure, { taskQueue, workflowId: 'failure' });
    expect(await handle.result()).toBe(
      'ActivityFailure declined NON_RETRYABLE_FAILURE: ApplicationFailure CardDeclined card declined',
    );
    const history = await handle.fetchHistory();
    const marker = history.events.find((e) => e.attributes.case === 'markerRecordedEventAttributes');
    expect(marker?.attributes.value).toMatchObject({ failure: { message: 'Local activity failed' } });
    await Worker.runReplayHistory({ workflowsPath }, history);
  });

  it('each attempt is bounded by startToCloseTimeout: TimeoutFailure after the last attempt', async () => {
    const before = calls('slowLocal');
    const result = await t.env.client.workflow.execute(localTimeout, { taskQueue, workflowId: 'timeout' });
    expect(result).toBe(
      'ActivityFailure slowLocal MAXIMUM_ATTEMPTS_REACHED: TimeoutFailure START_TO_CLOSE Local activity timed out (START_TO_CLOSE)',
    );
    expect(calls('slowLocal')).toBe(before + 2);
  });

  it('cancelling its scope aborts a running local activity and rejects with a cancellation, recorded as a marker', async () => {
    const cancelled = calls('slowLocal cancelled');
    const handle = await startCancelLocal('cancel-local', 'TRY_CANCEL', 5000);
    expect(await handle.result()).toBe(REJECTED_AT_ONCE);
    await expect.poll(() => calls('slowLocal cancelled')).toBe(cancelled + 1);
    const history = await handle.fetchHistory();
    expect(markerData(history).map((d) => d.activityType)).toEqual(['lookupPrice', 'slowLocal']);
    await Worker.runReplayHistory({ workflowsPath }, history);
  });

  it('WAIT_CANCELLATION_COMPLETED aborts the running local activity and rejects once it reported its cancellation', async () => {
    const cancelled = calls('slowLocal cancelled');
    const handle = await startCancelLocal('cancel-local-wait', 'WAIT_CANCELLATION_COMPLETED', 5000);
    expect(await handle.result()).toBe(
      'price 30; slow rejected, isCancellation=true, cause CancelledFailure: CANCELLED',
    );
    // The attempt had stopped before the workflow went on: its cancellation is what the marker recorded.
    expect(calls('slowLocal cancelled')).toBe(cancelled + 1);
    await Worker.runReplayHistory({ workflowsPath }, await handle.fetchHistory());
  });

  it('ABANDON rejects at once and leaves the local activity running to its end', async () => {
    const done = calls('slowLocal done');
    const cancelled = calls('slowLocal cancelled');
    const handle = await startCancelLocal('cancel-local-abandon', 'ABANDON', 300);
    expect(await handle.result()).toBe(REJECTED_AT_ONCE);
    await expect.poll(() => calls('slowLocal done'), { timeout: 5000 }).toBe(done + 1);
    expect(calls('slowLocal cancelled')).toBe(cancelled);
  });

  it('R2: replaying with a different local activity in its place is a non-determinism error', async () => {
    const history = await t.env.client.workflow.getHandle('price').fetchHistory();
    expect(await nondeterminismWithChangedCode(history)).toMatch(
      /^\[NDE\].*MarkerRecorded \(local activity 1, type "lookupPrice"\).*RecordMarker \(local activity 1, type "flaky"\) \(a different local activity type\)/,
    );
  });
});
