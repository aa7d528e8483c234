/** The stage advisor's rules and the progress bar, without a server. */
import { describe, expect, it } from 'vitest';
import { adviseStage, emptyCounts, type PatchCounts, runPatchState } from '../../src/cli/patch-status.js';
import { renderProgress } from '../../src/cli/progress-bar.js';
import { FakeHistory } from '../workflow/helpers/fake-history.js';

const counts = (over: Partial<PatchCounts>): PatchCounts => ({ ...emptyCounts(), ...over });

function marker(history: FakeHistory, id: string, deprecated: boolean): void {
  history.add({
    case: 'markerRecordedEventAttributes',
    value: {
      markerName: 'core_patch',
      details: {
        patch_data: { payloads: [{ data: new TextEncoder().encode(JSON.stringify({ id, deprecated })) }] },
      },
    },
  });
}

describe('patch-status: what a running workflow recorded', () => {
  it('a plain marker wins over a deprecated one; other patch ids do not count; no task yet is NotStarted', () => {
    const fresh = new FakeHistory({ workflowType: 'w' });
    expect(runPatchState(fresh.events, 'p')).toBe('notStarted');
    fresh.startTask();
    fresh.completeTask([]);
    expect(runPatchState(fresh.events, 'p')).toBe('unpatched');
    marker(fresh, 'other', false);
    expect(runPatchState(fresh.events, 'p')).toBe('unpatched');
    marker(fresh, 'p', true);
    expect(runPatchState(fresh.events, 'p')).toBe('deprecated');
    marker(fresh, 'p', false);
    expect(runPatchState(fresh.events, 'p')).toBe('patched');
  });
});

describe('patch-status: which stage is safe', () => {
  it('stage 1 while any running workflow has no marker', () => {
    expect(adviseStage('my-change-id', counts({ unpatched: 12, patched: 3 }))).toEqual({
      stage: 1,
      advice:
        "12 running workflows started before the patch: keep patched('my-change-id') and the old branch until they finish.",
    });
    expect(adviseStage('x', counts({ unpatched: 1 })).advice).toBe(
      "1 running workflow started before the patch (none has recorded the patch yet): keep patched('x') and the old branch until they finish.",
    );
  });

  it('stage 2 once none remain without the marker, while some recorded it with patched()', () => {
    expect(adviseStage('my-change-id', counts({ patched: 2, deprecated: 1, notStarted: 4 }))).toEqual({
      stage: 2,
      advice:
        "0 remain without the marker: safe to replace patched('my-change-id') and the old branch by deprecatePatch('my-change-id'). " +
        "2 running workflows recorded the patch: keep deprecatePatch('my-change-id') until they finish.",
    });
  });

  it('stage 3 once no running workflow has a plain marker (deprecated ones are skipped by replay)', () => {
    expect(adviseStage('my-change-id', counts({ deprecated: 5 }))).toEqual({
      stage: 3,
      advice:
        "No running workflow records the patch (5 running workflows recorded it with deprecatePatch('my-change-id'); " +
        "replay skips those markers): safe to remove deprecatePatch('my-change-id').",
    });
    expect(adviseStage('p', emptyCounts()).advice).toBe(
      "No running workflow records the patch: safe to remove deprecatePatch('p').",
    );
  });
});

describe('progress bar', () => {
  it('draws a bar with counts when the total is known, counts alone otherwise', () => {
    expect(renderProgress(0, 200, 'workflows')).toBe(`[>${' '.repeat(29)}] 0/200 workflows`);
    expect(renderProgress(100, 200, 'workflows', '9,000 events')).toBe(
      `[${'='.repeat(15)}>${' '.repeat(14)}] 100/200 workflows  9,000 events`,
    );
    expect(renderProgress(200, 200, 'workflows')).toBe(`[${'='.repeat(30)}] 200/200 workflows`);
    expect(renderProgress(1500, undefined, 'workflows')).toBe('1,500 workflows');
  });
});
