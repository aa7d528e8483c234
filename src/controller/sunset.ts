/**
 * C4: what happens to a version that is not the manifest's build. It keeps its workers while it is
 * current, ramping or has open pinned workflows (whether pinned at start or moved there by an override),
 * gets them back when an override pins workflows to it again, and is retired only from the server's
 * exact drainage: scaled to zero `scaledownDelay` after it turned Drained, deleted after `deleteDelay`.
 */
import type { ControllerAction } from './actions.js';
import type { WorkerDeploymentManifest } from './manifest.js';
import type { ObservedServerVersion, RuntimeVersion } from './observed.js';

const hasPollers = (version: ObservedServerVersion) =>
  version.taskQueues.some((queue) => queue.pollers.length > 0);

/** Workers must run: scale up to the manifest's replicas if the runtime can, else say why it cannot. */
function keepRunning(
  buildId: string,
  runtime: RuntimeVersion | undefined,
  manifest: WorkerDeploymentManifest,
  why: string,
): ControllerAction[] {
  if ((runtime?.desiredReplicas ?? 0) > 0)
    return [{ kind: 'wait', buildId, reason: `${why}; keeps its workers` }];
  if (runtime?.hasTemplate) {
    return [
      { kind: 'scale', buildId, replicas: manifest.replicas, reason: `${why}; its workers start again` },
    ];
  }
  return [
    {
      kind: 'blocked',
      buildId,
      reason: `${why}, but the controller never ran this build and has no template for it: start its workers yourself`,
    },
  ];
}

function scaleToZero(
  buildId: string,
  runtime: RuntimeVersion | undefined,
  reason: string,
): ControllerAction[] {
  return (runtime?.desiredReplicas ?? 0) > 0 ? [{ kind: 'scale', buildId, replicas: 0, reason }] : [];
}

function drainedActions(
  server: ObservedServerVersion,
  runtime: RuntimeVersion | undefined,
  manifest: WorkerDeploymentManifest,
  nowMs: number,
): ControllerAction[] {
  const buildId = server.version.buildId;
  const since = server.drainageInfo?.lastChangedTime;
  if (since === undefined) return [{ kind: 'wait', buildId, reason: 'Drained, without a drainage time yet' }];
  const { scaledownDelayMs, deleteDelayMs } = manifest.sunset;
  const sinceText = since.toISOString();
  const deleteDueMs = since.getTime() + deleteDelayMs;
  if (nowMs >= deleteDueMs) {
    // The server refuses to delete a version with recent pollers (V9): stop the processes first, and
    // delete the version once the server no longer counts their pollers.
    const onServer = !hasPollers(server);
    return [
      {
        kind: 'deleteVersion',
        buildId,
        onServer,
        reason: onServer
          ? `Drained since ${sinceText}, past deleteDelay (${deleteDelayMs} ms): its processes and its version are deleted`
          : `Drained since ${sinceText}, past deleteDelay (${deleteDelayMs} ms): its processes stop; the version is deleted once the server sees no poller of it (V9)`,
      },
    ];
  }
  const scaleDueMs = since.getTime() + scaledownDelayMs;
  if (nowMs < scaleDueMs) {
    return [
      {
        kind: 'wait',
        buildId,
        dueMs: scaleDueMs,
        reason: `Drained since ${sinceText}; scaled to zero after scaledownDelay (${scaledownDelayMs} ms)`,
      },
    ];
  }
  return [
    ...scaleToZero(
      buildId,
      runtime,
      `Drained since ${sinceText}, past scaledownDelay (${scaledownDelayMs} ms): no workflow can need its workers`,
    ),
    {
      kind: 'wait',
      buildId,
      dueMs: deleteDueMs,
      reason: `Drained since ${sinceText}; deleted after deleteDelay (${deleteDelayMs} ms)`,
    },
  ];
}

/** The actions for one version other than the manifest's build. */
export function sunsetActions(
  buildId: string,
  server: ObservedServerVersion | undefined,
  runtime: RuntimeVersion | undefined,
  manifest: WorkerDeploymentManifest,
  nowMs: number,
): ControllerAction[] {
  if (server === undefined) {
    // Not on the server (no worker of it ever polled, or its record was deleted): nothing is pinned to it.
    return runtime === undefined
      ? []
      : [
          {
            kind: 'deleteVersion',
            buildId,
            onServer: false,
            reason:
              'not the manifest build and unknown to the server (no pinned workflow can need it): its processes stop',
          },
        ];
  }
  // Pollers without a runtime record: workers someone else runs, or ours stopped a moment ago whose
  // polls the server still counts. Either way nothing here is the controller's to do yet.
  if (runtime === undefined && hasPollers(server)) {
    return [
      {
        kind: 'wait',
        buildId,
        reason: `${server.status}: polled by workers this controller does not run (or stopped less than a minute ago); left alone`,
      },
    ];
  }
  const pinned = server.openPinnedWorkflows;
  if (pinned > 0) {
    // C4/C5: whatever the status says, open pinned workflows need this build's workers.
    return keepRunning(buildId, runtime, manifest, `${server.status}: ${pinned} open pinned workflow(s)`);
  }
  switch (server.status) {
    case 'CURRENT':
    case 'RAMPING':
      return keepRunning(buildId, runtime, manifest, `${server.status}: it still receives new workflows`);
    case 'DRAINING':
      return [{ kind: 'wait', buildId, reason: 'DRAINING: the server still counts workflows on it' }];
    case 'DRAINED':
      return drainedActions(server, runtime, manifest, nowMs);
    case 'INACTIVE':
      return scaleToZero(
        buildId,
        runtime,
        'INACTIVE and not the manifest build: never current or ramping and no pinned workflow, so no workflow needs it',
      );
    default: {
      const unknownStatus: never = server.status;
      throw new Error(`unknown version status ${String(unknownStatus)}`);
    }
  }
}
