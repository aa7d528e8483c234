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

/** The server-kept search attributes of versioning (V7). */
export const VERSIONING_ATTRIBUTES = {
  version: 'WorkerDeploymentVersion',
  deployment: 'WorkerDeployment',
  behavior: 'WorkflowVersioningBehavior',
} as const;

/**
 * The values of the versioning search attributes (V7), by name; absent when not set. The version is the
 * one the run is pinned to (override-aware), else the one that completed its last workflow task; the
 * behavior is the effective one, written as Temporal does ("Pinned", "AutoUpgrade").
 */
export function versioningSearchValues(versioning: VersioningState | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  const version = effectivePinnedVersion(versioning) || versioning?.version || '';
  if (version !== '') {
    values[VERSIONING_ATTRIBUTES.version] = version;
    values[VERSIONING_ATTRIBUTES.deployment] = version.slice(0, version.indexOf(':'));
  }
  const behavior = effectiveBehavior(versioning);
  if (behavior) values[VERSIONING_ATTRIBUTES.behavior] = behavior === 'PINNED' ? 'Pinned' : 'AutoUpgrade';
  return values;
}

/** True when two sets of versioning search attribute values differ (the index must be rewritten). */
export function versioningSearchValuesDiffer(
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): boolean {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].some((key) => before[key] !== after[key]);
}
