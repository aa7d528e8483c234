/**
 * The patching API (P1-P7): `patched` / `deprecatePatch` through the processor and offline replay, with histories
 * recorded by running the code of `fixtures/patching/before.ts` or `after.ts`. The guide's three stages end to
 * end (P9) are in examples/patching.
 */
import { describe, expect, it } from 'vitest';
import { patchMarkerOfEvent } from '../../src/common/patch-marker-proto.js';
import { payloadsToValue } from '../../src/common/payload-proto.js';
import { DeterminismViolationError } from '../../src/worker/replay/errors.js';
import { runReplayHistory } from '../../src/worker/replay/replay-history.js';
import { bundleWorkflowCode } from '../../src/worker/sandbox/bundler.js';
import type { WorkflowTaskResult } from '../../src/worker/workflow-tasks.js';
import { deprecatePatch, NotInWorkflowError, patched } from '../../src/workflow/index.js';
import { FakeHistory } from './helpers/fake-history.js';
import { fixtureBundles } from './helpers/fixture-bundles.js';
import { commandKinds, runTask } from './helpers/run-tasks.js';

const { bundles, processorFor } = fixtureBundles('patching', ['before', 'after'] as const);
type Version = keyof typeof bundles;

function resultOf(result: WorkflowTaskResult): unknown {
  if (result.kind !== 'completed') throw new Error(`task ${result.kind}: ${JSON.stringify(result)}`);
  const last = result.commands.at(-1)?.attributes;
  if (last?.case !== 'completeWorkflowExecution') throw new Error(`no completion in ${commandKinds(result)}`);
  return payloadsToValue(last.value.result);
}

function markersOf(history: FakeHistory) {
  return history.events.flatMap((e) => {
    const marker = patchMarkerOfEvent(e);
    return marker === undefined ? [] : [{ eventId: e.eventId, ...marker }];
  });
}

/** Runs `workflowType` on `version` through its first task, which starts a 1-hour timer, and fires the timer. */
async function recordUntilTimerFired(version: Version, workflowType: string): Promise<FakeHistory> {
  const history = new FakeHistory({ workflowType, workflowId: `${workflowType}-1` });
  expect(commandKinds(await runTask(processorFor(version), history))).toContain('startTimer');
  history.fireTimer('1');
  return history;
}

function replayError(version: Version, history: FakeHistory): Promise<unknown> {
  return runReplayHistory({ workflowBundle: bundles[version] }, history.events).then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('P1: live, patched() records one marker per id', () => {
  it('P1: the first call records a core_patch marker { id, deprecated: false }; later calls answer true and record nothing', async () => {
    const processor = processorFor('after');
    const history = new FakeHistory({ workflowType: 'patchedTwice' });
    expect(commandKinds(await runTask(processor, history))).toEqual(['recordMarker', 'startTimer']);
    history.fireTimer('1');
    const last = await runTask(processor, history, { sticky: true });
    expect(commandKinds(last)).toEqual(['completeWorkflowExecution']);
    expect(resultOf(last)).toEqual([true, true, true]);
    expect(markersOf(history)).toEqual([{ eventId: 5, id: 'my-change', deprecated: false }]);
    const marker = history.events[4]!.attributes;
    expect(marker.case === 'markerRecordedEventAttributes' && marker.value.markerName).toBe('core_patch');
  });

  it('P1/P2: the run replays from scratch: the call in a later task answers true from the earlier marker', async () => {
    const history = new FakeHistory({ workflowType: 'patchedTwice' });
    await runTask(processorFor('after'), history);
    history.fireTimer('1');
    expect(resultOf(await runTask(processorFor('after'), history))).toEqual([true, true, true]);
    await expect(
      runReplayHistory({ workflowBundle: bundles.after }, history.events),
    ).resolves.toBeUndefined();
  });
});

describe('P2: in replay the answer is known before the task runs', () => {
  it('P2: patched() in a signal handler and in a condition answers in replay as it did live', async () => {
    const processor = processorFor('after');
    const history = new FakeHistory({ workflowType: 'patchInHandlers' });
    expect(commandKinds(await runTask(processor, history))).toEqual([]);
    history.signal('go');
    expect(commandKinds(await runTask(processor, history, { sticky: true }))).toEqual([
      'recordMarker',
      'recordMarker',
      'startTimer',
    ]);
    expect(markersOf(history).map((m) => m.id)).toEqual(['in-signal', 'in-condition']);
    history.fireTimer('1');
    // A worker without the run in cache replays both tasks, then completes live.
    expect(resultOf(await runTask(processorFor('after'), history))).toEqual([true, true]);
    await expect(
      runReplayHistory({ workflowBundle: bundles.after }, history.events),
    ).resolves.toBeUndefined();
  });
});

describe('P3: replay without a marker takes the old branch', () => {
  it('P3: replay without marker takes the old branch; once live, patched() answers true and records the marker', async () => {
    const history = await recordUntilTimerFired('before', 'askTwice');
    expect(markersOf(history)).toEqual([]);
    const result = await runTask(processorFor('after'), history);
    expect(commandKinds(result)).toEqual(['recordMarker', 'completeWorkflowExecution']);
    expect(resultOf(result)).toEqual([false, true]);
    expect(markersOf(history)).toEqual([{ eventId: 10, id: 'late', deprecated: false }]);
  });
});

describe('P4: deprecatePatch', () => {
  it('P4: deprecatePatch is accepted in replay without a marker, and records a deprecated marker when live', async () => {
    const old = await recordUntilTimerFired('before', 'addedDeprecation');
    await expect(runReplayHistory({ workflowBundle: bundles.after }, old.events)).resolves.toBeUndefined();
    const fresh = new FakeHistory({ workflowType: 'addedDeprecation' });
    expect(commandKinds(await runTask(processorFor('after'), fresh))).toEqual(['recordMarker', 'startTimer']);
    expect(markersOf(fresh)).toEqual([{ eventId: 5, id: 'bridge', deprecated: true }]);
    await expect(runReplayHistory({ workflowBundle: bundles.after }, fresh.events)).resolves.toBeUndefined();
  });
});

describe('P5/P6: markers the code does not ask for', () => {
  it('P5: a marker the code no longer asks for is a non-determinism error that names the patch and the way out', async () => {
    const history = await recordUntilTimerFired('before', 'droppedPatch');
    const err = await replayError('after', history);
    expect(err).toBeInstanceOf(DeterminismViolationError);
    expect((err as DeterminismViolationError).eventId).toBe(5);
    expect((err as Error).message).toBe(
      '[NDE] workflow "droppedPatch-1" run "run-1" (type "droppedPatch"): at event 5 the history has MarkerRecorded ' +
        '(patch "feature") but the code produced StartTimer (timer id "1", 3600000 ms) (a different kind of command). ' +
        'This run recorded patch "feature" at event 5, so it runs the code inside `if (patched(\'feature\'))`: the code ' +
        "must still call `patched('feature')` (or `deprecatePatch('feature')`) at this point. Remove that call only once " +
        'no open workflow recorded the patch: `strata workflow patch-status feature` tells when.',
    );
  });

  it('P5: a deprecated marker the code does not ask for is skipped', async () => {
    const history = await recordUntilTimerFired('before', 'droppedDeprecation');
    expect(markersOf(history)).toEqual([{ eventId: 5, id: 'feature', deprecated: true }]);
    await expect(
      runReplayHistory({ workflowBundle: bundles.after }, history.events),
    ).resolves.toBeUndefined();
    expect(resultOf(await runTask(processorFor('after'), history))).toBe('done');
  });

  it('P6: a marker for "x" where the code asks patched("y") is a non-determinism error naming patch "x"', async () => {
    const history = await recordUntilTimerFired('before', 'renamedPatch');
    const err = await replayError('after', history);
    expect(err).toBeInstanceOf(DeterminismViolationError);
    expect((err as Error).message).toMatch(
      /at event 5 the history has MarkerRecorded \(patch "x"\) but the code produced CompleteWorkflowExecution .*This run recorded patch "x"/,
    );
  });

  it('P6: a deprecated marker for "x" where the code asks patched("y") is skipped; patched("y") answers false', async () => {
    const history = await recordUntilTimerFired('before', 'renamedDeprecation');
    await expect(
      runReplayHistory({ workflowBundle: bundles.after }, history.events),
    ).resolves.toBeUndefined();
  });
});

describe('P7: only inside workflow code', () => {
  it('P7: patched and deprecatePatch throw NotInWorkflowError outside a workflow', () => {
    expect(() => patched('x')).toThrow(NotInWorkflowError);
    expect(() => deprecatePatch('x')).toThrow(/^\[NOT_IN_WORKFLOW\] deprecatePatch\(\) can only be called/);
  });

  it('P7: patched() at module top level fails when the worker loads the workflows module', async () => {
    const workflowsPath = new URL('./fixtures/patching/top-level.ts', import.meta.url).pathname;
    await expect(bundleWorkflowCode({ workflowsPath })).rejects.toThrow(
      "[NOT_IN_WORKFLOW] patched() was called at module top level: call it inside the workflow function or a handler, where the run's history records its answer",
    );
  });

  it('P7: an empty patch id fails the workflow task with [INVALID_PATCH_ID]', async () => {
    const result = await runTask(processorFor('after'), new FakeHistory({ workflowType: 'emptyPatchId' }));
    expect(result.kind === 'failed' && result.failure.message).toBe(
      '[INVALID_PATCH_ID] patched() needs a non-empty string id, got ""',
    );
  });
});
