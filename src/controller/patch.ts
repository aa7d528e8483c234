/**
 * Native patch builds in a manifest (`spec.patch: { from }`, Manual strategy): once the patch build's
 * workers poll every task queue the broken version serves, and while workflows are still pinned to the
 * broken version, the controller has the patch's workers replay them and moves them all if none
 * diverges (the `patch` action, `workerDeployments.patch`). The patch version is never promoted; the
 * sunset keeps its workers while workflows are pinned to it (C4).
 */
import type { ControllerAction } from './actions.js';
import type { WorkerDeploymentManifest } from './manifest.js';
import type { ObservedDeployment } from './observed.js';
import { readinessProblem } from './promotion.js';

export function patchActions(
  manifest: WorkerDeploymentManifest,
  observed: ObservedDeployment,
): ControllerAction[] {
  const patch = manifest.patch;
  const server = observed.server;
  if (patch === undefined || server === undefined) return [];
  const buildId = manifest.buildId;
  const from = patch.fromBuildId;
  const broken = server.versions.find((version) => version.version.buildId === from);
  const pinned = broken?.openPinnedWorkflows ?? 0;
  if (broken === undefined || pinned === 0) {
    return [
      {
        kind: 'wait',
        buildId,
        reason: `spec.patch.from: no open workflow is pinned to ${from}; nothing to move`,
      },
    ];
  }
  const target = server.versions.find((version) => version.version.buildId === buildId);
  const problem = readinessProblem(target, broken, 'broken version');
  if (problem !== undefined) {
    return [
      {
        kind: 'wait',
        buildId,
        reason: `spec.patch.from: ${pinned} workflow(s) pinned to ${from} move once the patch's workers poll its queues: ${problem}`,
      },
    ];
  }
  return [
    {
      kind: 'patch',
      buildId,
      fromBuildId: from,
      reason: `spec.patch.from: ${pinned} open workflow(s) pinned to ${from}: the patch's workers replay them, and they all move to ${buildId} if none diverges`,
    },
  ];
}
