/**
 * C2: how the manifest's build becomes the current version. Manual never touches routing; AllAtOnce
 * makes it current once its workers poll every task queue the current version serves; Progressive
 * ramps step by step (each pause measured from the server's ramp-changed time), then makes it current.
 * Gates (gates.ts) hold the first routing change, and each step's end.
 */
import type { ControllerAction } from './actions.js';
import { failedGate, gateActions, gateSlots } from './gates.js';
import type { WorkerDeploymentManifest } from './manifest.js';
import type { ObservedDeployment, ObservedServerVersion, ObservedTaskQueue } from './observed.js';

type ServerView = NonNullable<ObservedDeployment['server']>;

const queueKey = (queue: Pick<ObservedTaskQueue, 'name' | 'type'>) =>
  `${queue.name} (${queue.type.toLowerCase()})`;

/**
 * Why the build's workers cannot take over yet, or undefined when they can: they must poll every task
 * queue the current version serves (V6's rule, checked here so the controller waits instead of failing),
 * or at least one queue when there is no current version.
 */
export function readinessProblem(
  target: ObservedServerVersion | undefined,
  current: ObservedServerVersion | undefined,
  role = 'current version',
): string | undefined {
  const polled = new Set(
    (target?.taskQueues ?? []).filter((queue) => queue.pollers.length > 0).map(queueKey),
  );
  if (current === undefined) {
    return polled.size > 0 ? undefined : 'no worker of the version polls yet';
  }
  const missing = current.taskQueues.map(queueKey).filter((key) => !polled.has(key));
  return missing.length === 0
    ? undefined
    : `its workers do not poll ${missing.join(', ')}, which the ${role} ${current.version.buildId} serves`;
}

function versionOf(server: ServerView, buildId: string | undefined): ObservedServerVersion | undefined {
  return buildId === undefined ? undefined : server.versions.find((v) => v.version.buildId === buildId);
}

/** The next Progressive move of a build that ramps at `percentage`, or the wait until its pause ends. */
function progressiveStep(
  manifest: WorkerDeploymentManifest,
  observed: ObservedDeployment,
  server: ServerView,
  nowMs: number,
): ControllerAction[] {
  const { steps } = manifest.rollout;
  const buildId = manifest.buildId;
  const percentage = server.routing.rampingVersionPercentage;
  const token = server.conflictToken;
  // The step the ramp is at: the last one at or below the server's percentage (a hand-set ramp counts
  // as the step below it), so a restarted controller picks up where the server is.
  let index = -1;
  steps.forEach((step, i) => {
    if (step.rampPercentage <= percentage) index = i;
  });
  const next = steps[index + 1];
  if (index === -1) {
    return [
      {
        kind: 'setRamping',
        buildId,
        percentage: next!.rampPercentage,
        conflictToken: token,
        reason: `Progressive: ${buildId} ramps at ${percentage}%, below the first step; ramp to ${next!.rampPercentage}%`,
      },
    ];
  }
  const step = steps[index]!;
  const changed = server.routing.rampingVersionPercentageChangedTime?.getTime() ?? nowMs;
  const dueMs = changed + step.pauseDurationMs;
  if (nowMs < dueMs) {
    return [
      {
        kind: 'wait',
        buildId,
        dueMs,
        reason: `Progressive: step ${index + 1} of ${steps.length} (${percentage}%) pauses ${step.pauseDurationMs} ms from the ramp change`,
      },
    ];
  }
  const stepGate = gateSlots(manifest).find((slot) => slot.field === `spec.rollout.steps[${index}].gate`);
  const target = versionOf(server, buildId);
  const gated = stepGate && target && gateActions(stepGate, manifest, observed, target, server);
  if (gated) return gated;
  if (next === undefined) {
    return [
      {
        kind: 'setCurrent',
        buildId,
        conflictToken: token,
        reason: `Progressive: the last step (${percentage}%) paused its ${step.pauseDurationMs} ms; ${buildId} becomes current`,
      },
    ];
  }
  return [
    {
      kind: 'setRamping',
      buildId,
      percentage: next.rampPercentage,
      conflictToken: token,
      reason: `Progressive: step ${index + 1} (${percentage}%) paused its ${step.pauseDurationMs} ms; ramp to ${next.rampPercentage}%`,
    },
  ];
}

/** The routing actions for the manifest's build (at most one routing change per loop: each moves the revision). */
export function promotionActions(
  manifest: WorkerDeploymentManifest,
  observed: ObservedDeployment,
  nowMs: number,
): ControllerAction[] {
  const buildId = manifest.buildId;
  const strategy = manifest.rollout.strategy;
  const server = observed.server;
  if (strategy === 'Manual') return [];
  if (server === undefined) {
    return [
      {
        kind: 'wait',
        buildId,
        reason: `the server has no deployment ${manifest.deploymentName} until a worker polls`,
      },
    ];
  }
  const routing = server.routing;
  const token = server.conflictToken;
  if (routing.currentVersion?.buildId === buildId) {
    const other = routing.rampingVersion;
    if (other !== undefined && other.buildId !== buildId) {
      return [
        {
          kind: 'setRamping',
          buildId: undefined,
          percentage: 0,
          conflictToken: token,
          reason: `${buildId} is current; ${other.buildId} no longer ramps (it is not the manifest's build)`,
        },
      ];
    }
    return [];
  }
  const target = versionOf(server, buildId);
  const ramping = routing.rampingVersion?.buildId === buildId;
  // A failed gate stops the rollout; with `rollback` the build's ramp goes too.
  const failed = failedGate(manifest, observed);
  if (failed !== undefined && target !== undefined) {
    return gateActions(failed, manifest, observed, target, server) ?? [];
  }
  if (strategy === 'Progressive' && ramping && routing.currentVersion !== undefined) {
    return progressiveStep(manifest, observed, server, nowMs);
  }
  const problem = readinessProblem(target, versionOf(server, routing.currentVersion?.buildId));
  if (target === undefined || problem !== undefined) {
    return [
      {
        kind: 'wait',
        buildId,
        reason: `${strategy}: ${buildId} is not promoted yet: ${problem ?? 'the server does not know the version yet'}`,
      },
    ];
  }
  const rolloutGate = gateSlots(manifest).find((slot) => slot.field === 'spec.rollout.gate');
  const gated = rolloutGate && gateActions(rolloutGate, manifest, observed, target, server);
  if (gated) return gated;
  // With no current version there is nothing to ramp from: the first version becomes current at once.
  if (strategy === 'AllAtOnce' || routing.currentVersion === undefined) {
    return [
      {
        kind: 'setCurrent',
        buildId,
        conflictToken: token,
        reason:
          strategy === 'AllAtOnce'
            ? `AllAtOnce: the workers of ${buildId} poll every task queue of the current version`
            : `Progressive: ${buildId} is the first version of the deployment (no current version to ramp from)`,
      },
    ];
  }
  const first = manifest.rollout.steps[0]!;
  return [
    {
      kind: 'setRamping',
      buildId,
      percentage: first.rampPercentage,
      conflictToken: token,
      reason: `Progressive: the workers of ${buildId} poll every task queue of the current version; step 1 of ${manifest.rollout.steps.length}: ramp to ${first.rampPercentage}%`,
    },
  ];
}
