/**
 * The status of a worker deployment version (V8, DESIGN "Drainage, done right"), computed from its rows
 * alone: the deployment's routing and the version's exact open pinned count and times. Pure.
 *
 * - CURRENT / RAMPING: the routing says so;
 * - DRAINING: otherwise, while any open workflow is pinned to it (at start or by an override), whether or
 *   not it was ever current or ramping;
 * - DRAINED: none open any more, and it was once active or had a pinned workflow;
 * - INACTIVE: never active, never had a pinned workflow.
 */
import type { DeploymentRecord, DeploymentVersionRecord } from '../../store/store.js';

export type VersionStatus = 'INACTIVE' | 'CURRENT' | 'RAMPING' | 'DRAINING' | 'DRAINED';

export interface VersionDrainage {
  status: 'DRAINING' | 'DRAINED';
  /** When the version last started or stopped draining: the count crossed zero, or routing left it. */
  lastChangedMs: number;
}

export interface VersionState {
  status: VersionStatus;
  /** Set for DRAINING and DRAINED only. */
  drainage: VersionDrainage | undefined;
}

export function versionState(
  routing: Pick<DeploymentRecord, 'currentBuildId' | 'rampingBuildId'>,
  version: Pick<
    DeploymentVersionRecord,
    'buildId' | 'openPinned' | 'hadPinned' | 'drainageChangedMs' | 'firstActivationMs' | 'lastDeactivationMs'
  >,
): VersionState {
  if (routing.currentBuildId !== '' && routing.currentBuildId === version.buildId) {
    return { status: 'CURRENT', drainage: undefined };
  }
  if (routing.rampingBuildId !== '' && routing.rampingBuildId === version.buildId) {
    return { status: 'RAMPING', drainage: undefined };
  }
  const lastChangedMs = Math.max(version.drainageChangedMs, version.lastDeactivationMs);
  if (version.openPinned > 0) return { status: 'DRAINING', drainage: { status: 'DRAINING', lastChangedMs } };
  if (version.firstActivationMs > 0 || version.hadPinned) {
    return { status: 'DRAINED', drainage: { status: 'DRAINED', lastChangedMs } };
  }
  return { status: 'INACTIVE', drainage: undefined };
}

/**
 * Why a version cannot be deleted (V9), or undefined when it can. `skipDrainage` (--force) lets a version
 * with open pinned workflows or live pollers go; current and ramping versions never.
 */
export function deleteVersionProblem(
  state: VersionState,
  openPinned: number,
  pollers: number,
  skipDrainage: boolean,
): string | undefined {
  if (state.status === 'CURRENT') {
    return 'it is the current version; make another version current first (strata worker deployment set-current-version)';
  }
  if (state.status === 'RAMPING') {
    return 'it is the ramping version; remove the ramp first (strata worker deployment set-ramping-version --delete)';
  }
  if (skipDrainage) return undefined;
  if (openPinned > 0) {
    return `${openPinned} open workflow${openPinned === 1 ? ' is' : 's are'} pinned to it (it is draining); wait until it is drained, move them with strata workflow update-options, or pass --force`;
  }
  if (pollers > 0) {
    return `${pollers} poller${pollers === 1 ? '' : 's'} seen in the last 70 s still poll${pollers === 1 ? 's' : ''} it; stop its workers first, or pass --force`;
  }
  return undefined;
}
