/**
 * SetWorkerDeploymentCurrentVersion and SetWorkerDeploymentRampingVersion (V2, V3, V6): a routing change
 * takes the revision last seen (the conflict token), checks the version polls what the current version
 * serves, sets the change times on the deployment and its versions, and re-routes the queued unpinned
 * tasks of the deployment's queues, all in one transaction; pollers are woken after the commit.
 */
import { create } from '@bufbuild/protobuf';
import { formatVersion } from '../../common/versioning.js';
import { versionToProto } from '../../common/versioning-proto.js';
import {
  type SetWorkerDeploymentCurrentVersionRequest,
  type SetWorkerDeploymentCurrentVersionResponse,
  SetWorkerDeploymentCurrentVersionResponseSchema,
  type SetWorkerDeploymentRampingVersionRequest,
  type SetWorkerDeploymentRampingVersionResponse,
  SetWorkerDeploymentRampingVersionResponseSchema,
} from '../../gen/strata/v1/deployment_pb.js';
import type { DeploymentRecord, StoreTransaction, TaskKind } from '../../store/store.js';
import type { EngineCore } from '../engine-core.js';
import { EngineError, invalidArgument } from '../errors.js';
import { requireField } from '../validation.js';
import { conflictTokenOf, revisionOfToken } from './conflict-token.js';
import { versionNotFound } from './deployment-errors.js';
import { readDeployment } from './deployment-reads.js';
import { pollerLivenessMs } from './pollers.js';

function failedPrecondition(message: string): EngineError {
  return new EngineError({ code: 'FAILED_PRECONDITION', kind: 'failed_precondition', message });
}

async function requireVersion(
  tx: StoreTransaction,
  namespace: string,
  deploymentName: string,
  buildId: string,
): Promise<void> {
  if (!(await tx.getDeploymentVersion(namespace, deploymentName, buildId))) {
    throw versionNotFound(namespace, { deploymentName, buildId });
  }
}

function checkConflictToken(deployment: DeploymentRecord, token: Uint8Array): void {
  const seen = revisionOfToken(token);
  if (seen === undefined || seen === deployment.revision) return;
  const by = deployment.lastModifierIdentity ? `, last changed by ${deployment.lastModifierIdentity}` : '';
  throw failedPrecondition(
    `the routing of worker deployment "${deployment.name}" changed since it was read (conflict token ${seen}, now ${deployment.revision}${by}); describe it again and retry`,
  );
}

/**
 * V6: the version must have a live poller on each queue the current version serves (on its own queues
 * when no version is current).
 */
async function checkPollers(
  core: EngineCore,
  tx: StoreTransaction,
  deployment: DeploymentRecord,
  buildId: string,
): Promise<void> {
  const namespace = deployment.namespace;
  const servedBy = deployment.currentBuildId === '' ? buildId : deployment.currentBuildId;
  const queues = await tx.listVersionTaskQueues(namespace, deployment.name, servedBy);
  const pollers = await tx.listPollers(namespace, {
    sinceMs: core.clock.nowMs() - pollerLivenessMs,
    deploymentName: deployment.name,
    buildId,
  });
  const polled = new Set(pollers.map((poller) => `${poller.taskQueue}\u0000${poller.kind}`));
  const missing = queues.filter((queue) => !polled.has(`${queue.taskQueue}\u0000${queue.kind}`));
  if (missing.length === 0 && (queues.length > 0 || pollers.length > 0)) return;
  const version = `${deployment.name}:${buildId}`;
  const which =
    missing.length === 0
      ? 'any task queue'
      : missing.map((queue) => `"${queue.taskQueue}" (${queue.kind})`).join(', ');
  const served =
    deployment.currentBuildId === ''
      ? ''
      : `, which the current version ${deployment.name}:${deployment.currentBuildId} serves`;
  throw failedPrecondition(
    `version ${version} has no pollers on ${which}${served}; start its workers first, or pass ignore_missing_task_queues (--force)`,
  );
}

/** Re-routes the queued unpinned tasks of every queue of the deployment's versions by its new routing. */
async function rerouteDeployment(tx: StoreTransaction, deployment: DeploymentRecord): Promise<void> {
  const queues = await tx.listVersionTaskQueues(deployment.namespace, deployment.name);
  const unique = new Map<string, { taskQueue: string; kind: TaskKind }>();
  for (const queue of queues) unique.set(`${queue.taskQueue}\u0000${queue.kind}`, queue);
  const version = (buildId: string): string => (buildId === '' ? '' : `${deployment.name}:${buildId}`);
  await tx.rerouteTasks(deployment.namespace, [...unique.values()], {
    current: version(deployment.currentBuildId),
    ramping: version(deployment.rampingBuildId),
    percentage: deployment.rampingPercentage,
  });
}

/** Updates a version row's routing times for what it becomes, or the role it leaves. */
async function markVersion(
  tx: StoreTransaction,
  deployment: DeploymentRecord,
  buildId: string,
  change: 'current' | 'ramping' | 'leaves-current' | 'leaves-ramping',
  nowMs: number,
): Promise<void> {
  if (buildId === '') return;
  const version = await tx.getDeploymentVersion(deployment.namespace, deployment.name, buildId);
  if (!version) return;
  const next = { ...version };
  if (change === 'current' || change === 'ramping') {
    if (change === 'current') {
      next.currentSinceMs = nowMs;
      next.rampingSinceMs = 0;
    } else next.rampingSinceMs = nowMs;
    if (next.firstActivationMs === 0) next.firstActivationMs = nowMs;
  } else {
    if (change === 'leaves-current') next.currentSinceMs = 0;
    else next.rampingSinceMs = 0;
    if (next.currentSinceMs === 0 && next.rampingSinceMs === 0) {
      next.lastDeactivationMs = nowMs;
      next.drainageChangedMs = nowMs;
    }
  }
  await tx.putDeploymentVersion(next);
}

export async function setCurrentVersion(
  core: EngineCore,
  request: SetWorkerDeploymentCurrentVersionRequest,
): Promise<SetWorkerDeploymentCurrentVersionResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const name = requireField(request.deploymentName, 'deployment_name');
  const buildId = request.buildId;
  const result = await core.transact(async (tx) => {
    const deployment = await readDeployment(tx, namespace, name);
    checkConflictToken(deployment, request.conflictToken);
    const previous = deployment.currentBuildId;
    if (previous === buildId) return { deployment, previous, changed: false };
    if (buildId !== '') {
      await requireVersion(tx, namespace, name, buildId);
      if (!request.ignoreMissingTaskQueues) await checkPollers(core, tx, deployment, buildId);
    }
    const now = core.clock.nowMs();
    const next: DeploymentRecord = {
      ...deployment,
      currentBuildId: buildId,
      currentChangedMs: now,
      revision: deployment.revision + 1,
      lastModifierIdentity: request.identity,
    };
    // The ramping version promoted to current stops ramping.
    if (buildId !== '' && deployment.rampingBuildId === buildId) {
      Object.assign(next, { rampingBuildId: '', rampingPercentage: 0, rampingChangedMs: now });
      next.rampingPercentageChangedMs = now;
    }
    await tx.putDeployment(next);
    await markVersion(tx, next, previous, 'leaves-current', now);
    await markVersion(tx, next, buildId, 'current', now);
    await rerouteDeployment(tx, next);
    return { deployment: next, previous, changed: true };
  });
  if (result.changed) core.matching.wakeAll();
  return create(SetWorkerDeploymentCurrentVersionResponseSchema, {
    conflictToken: conflictTokenOf(result.deployment.revision),
    previousVersion:
      result.previous === '' ? undefined : versionToProto({ deploymentName: name, buildId: result.previous }),
  });
}

export async function setRampingVersion(
  core: EngineCore,
  request: SetWorkerDeploymentRampingVersionRequest,
): Promise<SetWorkerDeploymentRampingVersionResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const name = requireField(request.deploymentName, 'deployment_name');
  const { buildId, percentage } = request;
  if (!Number.isFinite(percentage) || percentage < 0 || percentage > 100) {
    throw invalidArgument(`percentage must be between 0 and 100, got ${percentage}`);
  }
  if (buildId === '' && percentage !== 0) {
    throw invalidArgument(
      'a ramp needs the build id of the version to ramp; to remove the ramp, give no build id and percentage 0',
    );
  }
  const result = await core.transact(async (tx) => {
    const deployment = await readDeployment(tx, namespace, name);
    checkConflictToken(deployment, request.conflictToken);
    const previous = { buildId: deployment.rampingBuildId, percentage: deployment.rampingPercentage };
    if (previous.buildId === buildId && previous.percentage === percentage) {
      return { deployment, previous, changed: false };
    }
    if (buildId !== '') {
      if (buildId === deployment.currentBuildId) {
        throw failedPrecondition(
          `version ${formatVersion({ deploymentName: name, buildId })} is the current version; ramp another version, or set another current version first`,
        );
      }
      await requireVersion(tx, namespace, name, buildId);
      if (buildId !== previous.buildId && !request.ignoreMissingTaskQueues) {
        await checkPollers(core, tx, deployment, buildId);
      }
    }
    const now = core.clock.nowMs();
    const next: DeploymentRecord = {
      ...deployment,
      rampingBuildId: buildId,
      rampingPercentage: percentage,
      revision: deployment.revision + 1,
      lastModifierIdentity: request.identity,
    };
    if (buildId !== previous.buildId) next.rampingChangedMs = now;
    if (percentage !== previous.percentage) next.rampingPercentageChangedMs = now;
    await tx.putDeployment(next);
    if (buildId !== previous.buildId) {
      await markVersion(tx, next, previous.buildId, 'leaves-ramping', now);
      await markVersion(tx, next, buildId, 'ramping', now);
    }
    await rerouteDeployment(tx, next);
    return { deployment: next, previous, changed: true };
  });
  if (result.changed) core.matching.wakeAll();
  return create(SetWorkerDeploymentRampingVersionResponseSchema, {
    conflictToken: conflictTokenOf(result.deployment.revision),
    previousVersion:
      result.previous.buildId === ''
        ? undefined
        : versionToProto({ deploymentName: name, buildId: result.previous.buildId }),
    previousPercentage: result.previous.percentage,
  });
}
