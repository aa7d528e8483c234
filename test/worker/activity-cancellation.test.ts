import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { Worker } from '../../src/worker/index.js';
import * as activities from '../fixtures/worker-activities.js';
import { useTestServer, waitFor } from './harness.js';
import {
  answerWorkflowTask,
  completeWorkflow,
  requestCancelActivity,
  scheduleActivity,
} from './scripted-workflow.js';

const t = useTestServer();

it('a cancel requested by the workflow aborts the signal (CANCELLED) and the attempt is reported canceled', async () => {
  const taskQueue = `scripted-cancel-${randomUUID()}`;
  activities.observed.cancellationReasons.length = 0;
  // Activities only: this test answers the workflow tasks itself.
  const worker = await Worker.create({
    connection: t.connection,
    taskQueue,
    activities,
    shutdownSignals: [],
  });
  await worker.runUntil(async () => {
    const handle = await t.client.workflow.start('scripted', { taskQueue, workflowId: taskQueue });
    await answerWorkflowTask(t.connection, taskQueue, () => [
      scheduleActivity('waitForCancellation', taskQueue),
    ]);
    await waitFor(async () => (await handle.describe()).pendingActivities[0]?.state === 'STARTED');

    // A signal makes a workflow task in which the "workflow" requests the cancel, and stays open.
    await handle.signal('cancel-it');
    await answerWorkflowTask(t.connection, taskQueue, (events) => {
      const scheduled = events.find((e) => e.attributes.case === 'activityTaskScheduledEventAttributes');
      return [requestCancelActivity(scheduled?.eventId ?? 0)];
    });
    await waitFor(() => activities.observed.cancellationReasons.length > 0);

    const outcome = await answerWorkflowTask(t.connection, taskQueue, () => [completeWorkflow()]);
    expect(outcome.some((e) => e.attributes.case === 'activityTaskCanceledEventAttributes')).toBe(true);
    await handle.result();
  });
  expect(activities.observed.cancellationReasons).toEqual(['CANCELLED']);
});
