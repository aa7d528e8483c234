/** Deterministic replay: R1-R5 with histories recorded by running v1 code, R7 offline replay. */
import { readFile } from 'node:fs/promises';
import { toJson } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { HistorySchema, WorkflowTaskFailedCause } from '../../src/gen/strata/v1/history_pb.js';
import { DeterminismViolationError, ReplayError } from '../../src/worker/replay/errors.js';
import { runReplayHistories, runReplayHistory } from '../../src/worker/replay/replay-history.js';
import { createWorkflowTaskProcessorFromBundle } from '../../src/worker/workflow/workflow-task-processor.js';
import { FakeHistory } from './helpers/fake-history.js';
import { fixtureBundles } from './helpers/fixture-bundles.js';
import { commandKinds, runTask } from './helpers/run-tasks.js';

const { bundles, processorFor } = fixtureBundles('versions', [
  'v1',
  'v2-sleep-first',
  'v2-removed',
  'v2-swapped',
  'v2-renamed',
  'v2-compatible',
] as const);
type Version = keyof typeof bundles;

/** yourWorkflow on v1, stopped while its activity runs: events 1-5 (5 = ActivityTaskScheduled). */
async function guideHistoryOnActivity(): Promise<FakeHistory> {
  const history = new FakeHistory({ workflowType: 'yourWorkflow', args: [1], workflowId: 'guide-1' });
  expect(commandKinds(await runTask(processorFor('v1'), history))).toEqual(['scheduleActivityTask']);
  return history;
}

/** twoSteps on v1 up to its sleep: activityA and activityB done, timer started. */
async function twoStepsHistory(): Promise<FakeHistory> {
  const processor = processorFor('v1');
  const history = new FakeHistory({ workflowType: 'twoSteps', workflowId: 'two-1' });
  await runTask(processor, history);
  history.completeActivity('1', 'a');
  await runTask(processor, history, { sticky: true });
  history.completeActivity('2', 'b');
  expect(commandKinds(await runTask(processor, history, { sticky: true }))).toEqual(['startTimer']);
  return history;
}

async function replayError(version: Version, history: FakeHistory): Promise<unknown> {
  return runReplayHistory({ workflowBundle: bundles[version] }, history.events).then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('R1/R2: replay rebuilds a run from its history', () => {
  it('R1: a worker without the run in cache replays v1 history and continues where it stopped', async () => {
    const history = await twoStepsHistory();
    history.advance(3_600_000).fireTimer('1');
    const result = await runTask(processorFor('v1'), history);
    expect(commandKinds(result)).toEqual(['completeWorkflowExecution']);
  });

  it('R2: ids are per-run sequence numbers assigned in command order (activities 1, 2; timer 1)', async () => {
    const history = await twoStepsHistory();
    const ids = history.events.flatMap((e) =>
      e.attributes.case === 'activityTaskScheduledEventAttributes'
        ? [`activity ${e.attributes.value.activityId}`]
        : e.attributes.case === 'timerStartedEventAttributes'
          ? [`timer ${e.attributes.value.timerId}`]
          : [],
    );
    expect(ids).toEqual(['activity 1', 'activity 2', 'timer 1']);
  });

  it('R2: failed and timed-out workflow task attempts are skipped; their jobs go to the next attempt', async () => {
    const history = new FakeHistory({ workflowType: 'yourWorkflow', args: [1] });
    history.startTask();
    history.failTask('timedOut');
    history.scheduleTask();
    history.startTask();
    history.failTask('failed');
    history.scheduleTask();
    const result = await runTask(processorFor('v1'), history);
    expect(commandKinds(result)).toEqual(['scheduleActivityTask']);
    history.completeActivity('1');
    await expect(runReplayHistory({ workflowBundle: bundles.v1 }, history.events)).resolves.toBeUndefined();
  });
});

describe('R3/R4: non-determinism is detected and fails the workflow task', () => {
  it('R4: adding sleep before an existing activity is a non-determinism error naming event 5', async () => {
    const history = await guideHistoryOnActivity();
    history.completeActivity('1');
    const err = await replayError('v2-sleep-first', history);
    expect(err).toBeInstanceOf(DeterminismViolationError);
    expect((err as Error).message).toBe(
      '[NDE] workflow "guide-1" run "run-1" (type "yourWorkflow"): at event 5 the history has ActivityTaskScheduled ' +
        '(activity type "runActivity", activity id "1") but the code produced StartTimer (timer id "1", 86400000 ms) ' +
        "(a different kind of command). If this change is intended, wrap the new code in `if (patched('my-change-id')) { new code } else { old code }` " +
        'so that workflows which started before it keep the old code (docs/versioning.md), or start new workflows under a new workflow type or task queue.',
    );
  });

  it('R3: the processor fails the task with NON_DETERMINISTIC_ERROR / DeterminismViolationError and evicts the run', async () => {
    const history = await guideHistoryOnActivity();
    history.completeActivity('1');
    const processor = processorFor('v2-sleep-first');
    const result = await runTask(processor, history);
    expect(result.kind).toBe('failed');
    if (result.kind !== 'failed') return;
    expect(result.cause).toBe(WorkflowTaskFailedCause.NON_DETERMINISTIC_ERROR);
    expect(
      result.failure.failureInfo.case === 'applicationFailureInfo' && result.failure.failureInfo.value.type,
    ).toBe('DeterminismViolationError');
    expect(result.failure.message).toMatch(/^\[NDE\] .*event 5/);
    expect(processor.cachedRuns).toBe(0);
    // R3: the task is retried; deploying the fixed code (v1 again) resumes the run.
    history.scheduleTask();
    expect(commandKinds(await runTask(processorFor('v1'), history))).toEqual(['completeWorkflowExecution']);
  });

  it('R4: removing an activity is a non-determinism error at the first ActivityTaskScheduled', async () => {
    const err = await replayError('v2-removed', await twoStepsHistory());
    expect(err).toBeInstanceOf(DeterminismViolationError);
    expect((err as Error).message).toMatch(
      /at event 5 the history has ActivityTaskScheduled \(activity type "activityA", activity id "1"\) but the code produced ScheduleActivityTask \(activity type "activityB", activity id "1"\) \(a different activity type\)/,
    );
  });

  it('R4: swapping two activities is a non-determinism error', async () => {
    const err = await replayError('v2-swapped', await twoStepsHistory());
    expect((err as Error).message).toMatch(
      /^\[NDE\] .*at event 5 .*"activityA".*"activityB".*a different activity type/,
    );
  });

  it("R4: changing an activity's type is a non-determinism error", async () => {
    const err = await replayError('v2-renamed', await twoStepsHistory());
    expect((err as Error).message).toMatch(
      /at event 5 .*"activityA".*produced ScheduleActivityTask \(activity type "activityC"/,
    );
  });
});

describe('R5: changes that are not non-deterministic', () => {
  it('R5: new activity arguments, a new signal handler and code after the last command replay cleanly', async () => {
    const guide = await guideHistoryOnActivity();
    guide.completeActivity('1');
    await expect(
      runReplayHistory({ workflowBundle: bundles['v2-compatible'] }, guide.events),
    ).resolves.toBeUndefined();
    const two = await twoStepsHistory();
    await expect(
      runReplayHistory({ workflowBundle: bundles['v2-compatible'] }, two.events),
    ).resolves.toBeUndefined();
  });

  it('R5: the compatible version continues a v1 run live, running its new code', async () => {
    const history = await twoStepsHistory();
    history.fireTimer('1');
    const result = await runTask(processorFor('v2-compatible'), history);
    expect(commandKinds(result)).toEqual(['scheduleActivityTask']);
  });

  it('R5: a signal for a handler that did not exist in v1 is buffered by v1 and handled by v2', async () => {
    const history = new FakeHistory({ workflowType: 'yourWorkflow', args: [1] });
    history.signal('extra', 'x');
    await runTask(processorFor('v1'), history);
    history.completeActivity('1');
    await expect(
      runReplayHistory({ workflowBundle: bundles['v2-compatible'] }, history.events),
    ).resolves.toBeUndefined();
  });
});

describe('R7: offline replay', () => {
  it('R7: runReplayHistory accepts a Temporal-style JSON export (string ids, RFC 3339 times, short event types)', async () => {
    const json = JSON.parse(
      await readFile(new URL('./fixtures/histories/your-workflow-v1.json', import.meta.url), 'utf8'),
    ) as { events: unknown[] };
    await expect(runReplayHistory({ workflowBundle: bundles.v1 }, json)).resolves.toBeUndefined();
    const err = await runReplayHistory({ workflowBundle: bundles['v2-sleep-first'] }, json).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeterminismViolationError);
    expect((err as Error).message).toContain('at event 5');
  });

  it("R7: runReplayHistory accepts Strata's own JSON (toJson of History) and a workflowsPath", async () => {
    const history = await twoStepsHistory();
    const json = toJson(HistorySchema, { $typeName: 'strata.v1.History', events: history.events });
    const workflowsPath = new URL('./fixtures/versions/v1.ts', import.meta.url).pathname;
    await expect(runReplayHistory({ workflowsPath }, json as { events: unknown[] })).resolves.toBeUndefined();
  });

  it('R7: runReplayHistories reports each history: ok, DeterminismViolationError or ReplayError', async () => {
    const ok = await twoStepsHistory();
    const bad = await guideHistoryOnActivity();
    bad.completeActivity('1');
    async function* histories() {
      yield { workflowId: 'two-1', history: ok.events };
      yield { workflowId: 'guide-1', history: bad.events };
      yield { workflowId: 'broken', history: ok.events.slice(1) };
    }
    const results = [];
    for await (const result of runReplayHistories({ workflowBundle: bundles['v2-sleep-first'] }, histories()))
      results.push(result);
    expect(results.map((r) => [r.workflowId, r.runId, r.error?.name])).toEqual([
      ['two-1', 'run-1', undefined],
      ['guide-1', 'run-1', 'DeterminismViolationError'],
      ['broken', '', 'ReplayError'],
    ]);
    expect(results[2]?.error).toBeInstanceOf(ReplayError);
  });

  it('R7: an unknown workflow type is a ReplayError listing the exported types', async () => {
    const history = new FakeHistory({ workflowType: 'missing' });
    const err = await runReplayHistory({ workflowBundle: bundles.v1 }, history.events).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ReplayError);
    expect((err as Error).message).toBe(
      '[REPLAY] workflow type "missing" is not exported by the workflows module; it exports: signalled, twoSteps, yourWorkflow',
    );
  });
});

describe('the processor and its cache', () => {
  it('a sticky task for a cached run applies only the new events', async () => {
    const processor = processorFor('v1');
    const history = new FakeHistory({ workflowType: 'twoSteps' });
    await runTask(processor, history);
    history.completeActivity('1', 'a');
    const task = history.startTask({ sticky: true });
    expect(task.history?.events[0]?.eventId).toBe(4);
    let fetched = 0;
    const result = await processor.process(task, async () => {
      fetched++;
      return history.events;
    });
    expect(commandKinds(result)).toEqual(['scheduleActivityTask']);
    expect(fetched).toBe(0);
    expect(processor.cachedRuns).toBe(1);
  });

  it('a partial history for a run not in cache fetches the full history, then replays', async () => {
    const history = new FakeHistory({ workflowType: 'twoSteps' });
    await runTask(processorFor('v1'), history);
    history.completeActivity('1', 'a');
    const task = history.startTask({ sticky: true });
    let fetched = 0;
    const result = await processorFor('v1').process(task, async () => {
      fetched++;
      return history.events;
    });
    expect(fetched).toBe(1);
    expect(commandKinds(result)).toEqual(['scheduleActivityTask']);
  });

  it('a full history for a cached run drops the cached state and replays', async () => {
    const processor = processorFor('v1');
    const history = new FakeHistory({ workflowType: 'twoSteps' });
    await runTask(processor, history);
    history.completeActivity('1', 'a');
    const result = await runTask(processor, history, { sticky: false });
    expect(commandKinds(result)).toEqual(['scheduleActivityTask']);
    expect(processor.cachedRuns).toBe(1);
  });

  it('the cache keeps at most maxCachedWorkflows runs, dropping the least recently used', async () => {
    const processor = createWorkflowTaskProcessorFromBundle(bundles.v1, {
      taskQueue: 'tq',
      maxCachedWorkflows: 2,
    });
    for (const runId of ['a', 'b', 'c'])
      await runTask(processor, new FakeHistory({ workflowType: 'twoSteps', runId }));
    expect(processor.cachedRuns).toBe(2);
    processor.evict('c');
    expect(processor.cachedRuns).toBe(1);
    await processor.close();
    expect(processor.cachedRuns).toBe(0);
  });

  it('an unknown workflow type fails the task with UNKNOWN_WORKFLOW_TYPE listing the registered types', async () => {
    const result = await runTask(processorFor('v1'), new FakeHistory({ workflowType: 'nope' }));
    expect(result.kind === 'failed' && result.cause).toBe(WorkflowTaskFailedCause.UNKNOWN_WORKFLOW_TYPE);
    expect(result.kind === 'failed' && result.failure.message).toBe(
      '[UNKNOWN_WORKFLOW_TYPE] workflow type "nope" is not registered on task queue "tq"; this worker\'s workflows module exports: "signalled", "twoSteps", "yourWorkflow"',
    );
  });

  it('tasks of one run are processed one at a time', async () => {
    const processor = processorFor('v1');
    const history = new FakeHistory({ workflowType: 'twoSteps' });
    const task = history.startTask();
    let releaseFetch: () => void = () => undefined;
    const slowFetch = new Promise<void>((resolve) => {
      releaseFetch = resolve;
    });
    const order: string[] = [];
    const partial = { ...task, history: { ...task.history!, events: task.history!.events.slice(2) } };
    const first = processor.process(partial, async () => {
      await slowFetch;
      order.push('first fetched');
      return history.events;
    });
    const second = processor
      .process(history.queryTask('__stack_trace'), async () => history.events)
      .then((r) => {
        order.push('second done');
        return r;
      });
    releaseFetch();
    await Promise.all([first, second]);
    expect(order).toEqual(['first fetched', 'second done']);
  });
});
