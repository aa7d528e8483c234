/**
 * How replay treats patch markers (P2, P5, P6) and what a non-determinism error advises. Pure functions of the
 * history and the commands, so the rules are tested without a sandbox.
 */
import { patchMarkerOfRaw } from '../../common/patch-marker.js';
import { patchMarkerOfEvent } from '../../common/patch-marker-proto.js';
import type { HistoryEvent } from '../../gen/strata/v1/history_pb.js';
import type { WorkflowCommand } from '../../workflow/activation.js';

/**
 * P2: the patch ids whose markers the workflow task started at `events[startedIndex]` recorded. Its command
 * events follow its WorkflowTaskCompleted, before the next task starts; the activation learns them first
 * (notifyHasPatch jobs), so `patched()` answers as it did live wherever it is called in that task.
 */
export function patchIdsOfTask(events: readonly HistoryEvent[], startedIndex: number): string[] {
  const ids: string[] = [];
  for (let i = startedIndex + 1; i < events.length; i++) {
    const event = events[i]!;
    if (event.attributes.case === 'workflowTaskStartedEventAttributes') break;
    const patch = patchMarkerOfEvent(event);
    if (patch !== undefined) ids.push(patch.id);
  }
  return ids;
}

/**
 * Command events replay passes over without a command of the code:
 * - P5/P6: a deprecated patch marker that the code does not ask for at this point (the code no longer calls
 *   `deprecatePatch`, or asks for another patch there). A marker that is not deprecated is never skipped.
 * - the `UpsertWorkflowSearchAttributes` of `TemporalChangeVersion` alone that Temporal's workers write after each
 *   patch marker, in histories exported from Temporal (Strata's server keeps `Patches` itself).
 */
export function skipsPatchEvent(event: HistoryEvent, command: WorkflowCommand | undefined): boolean {
  const a = event.attributes;
  if (a.case === 'upsertWorkflowSearchAttributesEventAttributes') {
    const fields = Object.keys(a.value.searchAttributes?.indexedFields ?? {});
    return (
      fields.length === 1 &&
      fields[0] === TEMPORAL_PATCHES_ATTRIBUTE &&
      command?.kind !== 'upsertSearchAttributes'
    );
  }
  const recorded = patchMarkerOfEvent(event);
  if (recorded === undefined || !recorded.deprecated) return false;
  const asked =
    command?.kind === 'recordMarker' ? patchMarkerOfRaw(command.markerName, command.details) : undefined;
  return asked?.id !== recorded.id;
}

/** The search attribute Temporal's workers upsert with the patches of a run. */
const TEMPORAL_PATCHES_ATTRIBUTE = 'TemporalChangeVersion';

/** What the replay saw where code and history diverged. */
export interface Divergence {
  /** The history event that did not match, if any. */
  event?: HistoryEvent;
  /** `deprecatePatch` ids the code called in replay although the history has no marker for them. */
  unmarkedDeprecatedPatches: readonly string[];
}

/** The advice that ends a non-determinism error: what probably changed, and how to deploy it safely. */
export function nondeterminismAdvice({ event, unmarkedDeprecatedPatches }: Divergence): string {
  const recorded = event === undefined ? undefined : patchMarkerOfEvent(event);
  if (recorded !== undefined && !recorded.deprecated) {
    const id = recorded.id;
    return (
      `This run recorded patch "${id}" at event ${event!.eventId}, so it runs the code inside \`if (patched('${id}'))\`: ` +
      `the code must still call \`patched('${id}')\` (or \`deprecatePatch('${id}')\`) at this point. Remove that call ` +
      `only once no open workflow recorded the patch: \`strata workflow patch-status ${id}\` tells when.`
    );
  }
  const deprecated = unmarkedDeprecatedPatches[0];
  if (deprecated !== undefined) {
    return (
      `This run has no marker for patch "${deprecated}": it started before the patch and runs the old code, but the ` +
      `code calls \`deprecatePatch('${deprecated}')\`, which is safe only once no such run is open. Deploy the version ` +
      `with \`if (patched('${deprecated}')) { new code } else { old code }\` until ` +
      `\`strata workflow patch-status ${deprecated}\` reports no open workflow without the marker.`
    );
  }
  return (
    "If this change is intended, wrap the new code in `if (patched('my-change-id')) { new code } else { old code }` " +
    'so that workflows which started before it keep the old code (docs/versioning.md), or start new workflows ' +
    'under a new workflow type or task queue.'
  );
}
