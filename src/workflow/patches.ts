/**
 * Patching: changing the code of workflows that are already running. `patched(id)` records a marker the first
 * time a run takes the new branch; a replay of a run recorded before the change finds no marker and takes the
 * old branch. `deprecatePatch(id)` keeps recording the marker once the old branch is gone, so workers of both
 * versions can run side by side; deleting it is the last stage. `docs/versioning.md` walks the three stages.
 */
import { PATCH_MARKER_NAME, patchMarkerDetails } from '../common/patch-marker.js';
import type { Activator } from './activator.js';
import { NotInWorkflowError } from './errors.js';
import { getActivator } from './global-state.js';

/** What one run knows about its patches. */
export class RunPatches {
  /** Patches whose marker the history holds in the task being replayed or an earlier one (notifyHasPatch jobs). */
  readonly #inHistory = new Set<string>();
  /** Patches this run recorded, or matched in history: later calls record nothing. */
  readonly #recorded = new Set<string>();
  /** `deprecatePatch` ids called in the current replayed task with no marker in history (for the NDE's hint). */
  #unmarkedDeprecations: string[] = [];

  /** A notifyHasPatch job: called before any other job of the activation, so every call answers as it did live. */
  notifyHasPatch(patchId: string): void {
    this.#inHistory.add(patchId);
  }

  /**
   * Whether the run takes the patched branch: always when running live (the marker is recorded at the first
   * call), and in replay exactly when the history holds the marker. A replay's `false` is not final: once the
   * run goes live, the next call answers true and records the marker then.
   */
  use(activator: Activator, patchId: string, deprecated: boolean): boolean {
    const what = deprecated ? 'deprecatePatch()' : 'patched()';
    if (typeof patchId !== 'string' || patchId === '') {
      throw new TypeError(
        `[INVALID_PATCH_ID] ${what} needs a non-empty string id, got ${JSON.stringify(patchId) ?? String(patchId)}`,
      );
    }
    if (activator.phase === 'loading') {
      throw new NotInWorkflowError(
        `[NOT_IN_WORKFLOW] ${what} was called at module top level: call it inside the workflow function or a ` +
          "handler, where the run's history records its answer",
      );
    }
    // A query must not record anything: it answers whether the run has taken the patch so far.
    if (activator.phase === 'query') return this.#recorded.has(patchId) || this.#inHistory.has(patchId);
    const use = !activator.isReplaying || this.#inHistory.has(patchId);
    if (use && !this.#recorded.has(patchId)) {
      this.#recorded.add(patchId);
      activator.pushCommand({
        kind: 'recordMarker',
        markerName: PATCH_MARKER_NAME,
        details: patchMarkerDetails({ id: patchId, deprecated }),
      });
    }
    if (!use && deprecated && !this.#unmarkedDeprecations.includes(patchId)) {
      this.#unmarkedDeprecations.push(patchId);
    }
    return use;
  }

  /** The `deprecatePatch` ids called without a marker since the last call; reported with the task's commands. */
  takeUnmarkedDeprecations(): string[] {
    const ids = this.#unmarkedDeprecations;
    this.#unmarkedDeprecations = [];
    return ids;
  }
}

/**
 * Whether this run executes the new code of change `patchId`. True for runs that reach the call after the code
 * was deployed (a marker is recorded in history); false while replaying a run that recorded no marker at this
 * point, i.e. one that ran the old code here. Keep the old code in the `else` branch until no such run is open
 * (`strata workflow patch-status <patchId>`), then replace the call by {@link deprecatePatch}.
 *
 * @example
 * if (patched('my-change-id')) {
 *   await activityB();
 * } else {
 *   await activityA();
 * }
 */
export function patched(patchId: string): boolean {
  const activator = getActivator('patched()');
  return activator.patches.use(activator, patchId, false);
}

/**
 * Marks change `patchId` as complete: every open run took the new code. Records a deprecated marker, which
 * workers still running code with `patched(patchId)` read as "take the patched branch", and which replay
 * skips once the call is deleted. Delete this call when no open run recorded the patch
 * (`strata workflow patch-status <patchId>`).
 *
 * @example
 * deprecatePatch('my-change-id');
 * await activityB();
 */
export function deprecatePatch(patchId: string): void {
  const activator = getActivator('deprecatePatch()');
  activator.patches.use(activator, patchId, true);
}
