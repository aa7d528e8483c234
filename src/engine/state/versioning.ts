/**
 * The versioning rules over an execution's state (V4, V5): what routes its next tasks. Pure; the
 * routing and the drainage counts are built on these.
 */
import { formatVersion, type VersioningBehavior } from '../../common/versioning.js';
import type { VersioningState } from './types.js';

/** The override's behavior when one is set (V5), else what the workflow declared. */
export function effectiveBehavior(versioning: VersioningState | undefined): VersioningBehavior | undefined {
  const override = versioning?.override;
  if (override === 'AUTO_UPGRADE') return 'AUTO_UPGRADE';
  if (override) return 'PINNED';
  return versioning?.behavior;
}

/**
 * The version an effectively pinned workflow runs on (`deployment:buildId`), '' when it is not pinned:
 * the override's version, else the version that completed its last workflow task (V4).
 */
export function effectivePinnedVersion(versioning: VersioningState | undefined): string {
  const override = versioning?.override;
  if (override === 'AUTO_UPGRADE') return '';
  if (override) return formatVersion(override.pinnedTo);
  if (versioning?.behavior === 'PINNED') return versioning.version ?? '';
  return '';
}
