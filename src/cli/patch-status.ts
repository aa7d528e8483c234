/**
 * The stage advisor behind `strata workflow patch-status`: which running workflows recorded a patch, and which
 * stage of the patching guide that makes safe. Pure functions of the histories, so every rule is tested alone.
 *
 * Stage 1 keeps `if (patched(id)) { new } else { old }` while any running workflow has no marker (it started
 * before the patch and replays the old branch). Stage 2 (`deprecatePatch(id)` and the new code only) is safe once
 * none remain. Stage 3 (no call at all) is safe once no running workflow has a non-deprecated marker: replay
 * skips deprecated markers, but a plain one must still be matched by `patched` or `deprecatePatch`.
 */
import { patchMarkerOfEvent } from '../common/patch-marker-proto.js';
import type { HistoryEvent } from '../gen/strata/v1/history_pb.js';

/** What one running workflow's history says about the patch. */
export type RunPatchState =
  /** A marker recorded by `patched(id)`: the run took the new branch. */
  | 'patched'
  /** Only a marker recorded by `deprecatePatch(id)`. */
  | 'deprecated'
  /** No marker, though workflow code ran: the run started before the patch (or has not reached the call yet). */
  | 'unpatched'
  /** No workflow task completed yet: the run will take whatever code is deployed when it starts. */
  | 'notStarted';

export function runPatchState(events: readonly HistoryEvent[], patchId: string): RunPatchState {
  let deprecated = false;
  let ranCode = false;
  for (const event of events) {
    if (event.attributes.case === 'workflowTaskCompletedEventAttributes') ranCode = true;
    const marker = patchMarkerOfEvent(event);
    if (marker?.id !== patchId) continue;
    if (!marker.deprecated) return 'patched';
    deprecated = true;
  }
  if (deprecated) return 'deprecated';
  return ranCode ? 'unpatched' : 'notStarted';
}

export type PatchCounts = Record<RunPatchState, number>;

export function emptyCounts(): PatchCounts {
  return { patched: 0, deprecated: 0, unpatched: 0, notStarted: 0 };
}

/** The stage of the guide that is safe now, and the advice that says so. */
export interface StageAdvice {
  /** 1: keep `patched` and the old branch; 2: `deprecatePatch` is safe; 3: removing `deprecatePatch` is safe. */
  stage: 1 | 2 | 3;
  advice: string;
}

/** `1 running workflow`, `3 running workflows`. */
export function runningWorkflows(n: number): string {
  return n === 1 ? '1 running workflow' : `${n} running workflows`;
}

export function adviseStage(patchId: string, counts: PatchCounts): StageAdvice {
  const call = `patched('${patchId}')`;
  const deprecation = `deprecatePatch('${patchId}')`;
  if (counts.unpatched > 0) {
    const none = counts.patched + counts.deprecated === 0 ? ' (none has recorded the patch yet)' : '';
    return {
      stage: 1,
      advice:
        `${capitalize(runningWorkflows(counts.unpatched))} started before the patch${none}: keep ${call} and the old branch ` +
        'until they finish.',
    };
  }
  if (counts.patched > 0) {
    return {
      stage: 2,
      advice:
        `0 remain without the marker: safe to replace ${call} and the old branch by ${deprecation}. ` +
        `${runningWorkflows(counts.patched)} recorded the patch: keep ${deprecation} until they finish.`,
    };
  }
  const skipped =
    counts.deprecated > 0
      ? ` (${runningWorkflows(counts.deprecated)} recorded it with ${deprecation}; replay skips those markers)`
      : '';
  return {
    stage: 3,
    advice: `No running workflow records the patch${skipped}: safe to remove ${deprecation}.`,
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
