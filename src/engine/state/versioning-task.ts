/**
 * What a completed workflow task tells about the run's versioning (V4): the version of the worker that
 * completed it and the behavior the workflow declares there. Pure.
 */
import type { VersioningBehavior } from '../../common/versioning.js';
import type { ExecutionState } from './types.js';

export interface CompletingWorker {
  /** `deployment:buildId`, '' for an unversioned worker. */
  version: string;
  /** What the workflow declares (its own behavior, else the worker's default); undefined when unversioned. */
  behavior: VersioningBehavior | undefined;
}

/**
 * Records the completing worker: the run is now PINNED to its version or AUTO_UPGRADE (an unversioned
 * worker makes it unversioned), and its sticky queue (if it asked for one) belongs to that version.
 */
export function recordCompletingWorker(
  state: ExecutionState,
  worker: CompletingWorker,
  stickyTaskQueue: string,
): void {
  const versioning = { ...state.versioning };
  const behavior = worker.version === '' ? undefined : worker.behavior;
  if (behavior) versioning.behavior = behavior;
  else delete versioning.behavior;
  if (worker.version) versioning.version = worker.version;
  else delete versioning.version;
  if (stickyTaskQueue !== '' && worker.version !== '') versioning.stickyVersion = worker.version;
  else delete versioning.stickyVersion;
  if (Object.keys(versioning).length === 0) delete state.versioning;
  else state.versioning = versioning;
}
