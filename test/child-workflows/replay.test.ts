/** R1/R2 with child workflows and external signals: a history recorded live replays; reordering is caught. */
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from 'strata/testing';
import { DeterminismViolationError, Worker } from 'strata/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { History } from '../../src/gen/strata/v1/history_pb.js';

const v1 = fileURLToPath(new URL('./fixtures/replay-v1.ts', import.meta.url));
const swapped = fileURLToPath(new URL('./fixtures/replay-v2-swapped.ts', import.meta.url));

let env: TestWorkflowEnvironment;
let history: History;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping();
  const worker = await Worker.create({
    connection: env.connection,
    taskQueue: 'replay-children',
    workflowsPath: v1,
    activities: { store: async (text: string) => `stored ${text}` },
  });
  const handle = await env.client.workflow.start('parentWithChild', {
    taskQueue: 'replay-children',
    workflowId: 'replay-parent',
    args: ['Ada'],
  });
  expect(await worker.runUntil(handle.result())).toBe('stored Hello, Ada!');
  history = await handle.fetchHistory();
});

afterAll(async () => {
  await env.teardown();
});

describe('R2: replay with child workflows and external workflow commands', () => {
  it('R1: the live history (child start and close, activity, failed external signal) replays on the same code', async () => {
    const kinds = history.events.map((event) => event.attributes.case);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'startChildWorkflowExecutionInitiatedEventAttributes',
        'childWorkflowExecutionStartedEventAttributes',
        'childWorkflowExecutionCompletedEventAttributes',
        'signalExternalWorkflowExecutionInitiatedEventAttributes',
        'signalExternalWorkflowExecutionFailedEventAttributes',
      ]),
    );
    await expect(Worker.runReplayHistory({ workflowsPath: v1 }, history)).resolves.toBeUndefined();
  });

  it('R2: swapping the child and the activity is a non-determinism error naming both', async () => {
    const err = await Worker.runReplayHistory({ workflowsPath: swapped }, history).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(err).toBeInstanceOf(DeterminismViolationError);
    expect((err as Error).message).toMatch(
      /^\[NDE\] workflow "replay-parent" .*at event 5 the history has StartChildWorkflowExecutionInitiated \(workflow type "greetChild", workflow id "replay-parent-child"\) but the code produced ScheduleActivityTask \(activity type "store", activity id "1"\)/,
    );
  });
});
