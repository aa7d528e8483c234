/**
 * The rollout planner: a pure function of what is observed now, the manifest and the time, returning
 * every action with its reason (C2-C4). The controller loop carries them out and plans again from a fresh
 * observation (C3), so the planner keeps no memory and a restarted controller continues where the
 * server and the runtime are.
 */
import type { ControllerAction } from './actions.js';
import type { WorkerDeploymentManifest } from './manifest.js';
import type { ObservedDeployment } from './observed.js';
import { patchActions } from './patch.js';
import { promotionActions } from './promotion.js';
import { sunsetActions } from './sunset.js';

/** The manifest's build runs `replicas` processes from the manifest's template. */
function targetScale(manifest: WorkerDeploymentManifest, observed: ObservedDeployment): ControllerAction[] {
  const buildId = manifest.buildId;
  const runtime = observed.runtime.find((version) => version.buildId === buildId);
  if (runtime?.hasTemplate && runtime.desiredReplicas === manifest.replicas) return [];
  return [
    {
      kind: 'scale',
      buildId,
      replicas: manifest.replicas,
      template: manifest.template,
      reason:
        runtime === undefined
          ? `the manifest's build (${manifest.template.artifact}) runs ${manifest.replicas} worker(s)`
          : `the manifest asks for ${manifest.replicas} worker(s) of its build (the runtime keeps ${runtime.desiredReplicas})`,
    },
  ];
}

/**
 * Plans one deployment. Routing changes come at most one per call (each moves the revision the next
 * one must pass); waits say what they wait for and, when it is a time, `dueMs`.
 */
export function plan(
  observed: ObservedDeployment,
  manifest: WorkerDeploymentManifest,
  nowMs: number,
): ControllerAction[] {
  if (observed.deploymentName !== manifest.deploymentName) {
    throw new Error(
      `plan: observed deployment ${observed.deploymentName} does not match manifest ${manifest.deploymentName}`,
    );
  }
  const others = new Set<string>([
    ...(observed.server?.versions ?? []).map((version) => version.version.buildId),
    ...observed.runtime.map((version) => version.buildId),
  ]);
  others.delete(manifest.buildId);
  const sunset = [...others].sort().flatMap((buildId) =>
    sunsetActions(
      buildId,
      observed.server?.versions.find((version) => version.version.buildId === buildId),
      observed.runtime.find((version) => version.buildId === buildId),
      manifest,
      nowMs,
    ),
  );
  return [
    ...targetScale(manifest, observed),
    ...promotionActions(manifest, observed, nowMs),
    ...patchActions(manifest, observed),
    ...sunset,
  ];
}

/** The earliest time a wait is due, for "next planned action" and the loop's sleep. */
export function nextDue(actions: readonly ControllerAction[]): number | undefined {
  let due: number | undefined;
  for (const action of actions) {
    if (action.kind === 'wait' && action.dueMs !== undefined && (due === undefined || action.dueMs < due)) {
      due = action.dueMs;
    }
  }
  return due;
}
