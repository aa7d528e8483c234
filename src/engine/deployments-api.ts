/**
 * The worker deployment calls that read and delete (V8, V9): list, describe a deployment or one version
 * (with its task queues and recent pollers), delete a version, delete a deployment. Statuses and drainage
 * come from the rows through `versioning/version-status.ts`; the counts are exact (see pinned-count.ts).
 * Routing changes (SetCurrent / SetRamping) live beside them in their own module.
 */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { formatVersion, versionProblem, type WorkerDeploymentVersion } from '../common/versioning.js';
import {
  type DeleteWorkerDeploymentRequest,
  type DeleteWorkerDeploymentVersionRequest,
  type DescribeWorkerDeploymentRequest,
  type DescribeWorkerDeploymentResponse,
  DescribeWorkerDeploymentResponseSchema,
  type DescribeWorkerDeploymentVersionRequest,
  type DescribeWorkerDeploymentVersionResponse,
  DescribeWorkerDeploymentVersionResponseSchema,
  type ListWorkerDeploymentsRequest,
  type ListWorkerDeploymentsResponse,
  ListWorkerDeploymentsResponseSchema,
  type RoutingConfig,
  RoutingConfigSchema,
  TaskQueueType,
  VersionDrainageStatus,
  type VersionTaskQueueInfoSchema,
  WorkerDeploymentVersionStatus,
  type WorkerDeploymentVersionSummary,
  WorkerDeploymentVersionSummarySchema,
} from '../gen/strata/v1/deployment_pb.js';
import type {
  DeploymentRecord,
  DeploymentVersionRecord,
  PollerRecord,
  StoreTransaction,
  TaskKind,
} from '../store/store.js';
import type { EngineCore } from './engine-core.js';
import { EngineError, invalidArgument } from './errors.js';
import { conflictTokenOf } from './versioning/conflict-token.js';
import { versionNotFound } from './versioning/deployment-errors.js';
import { readDeployment } from './versioning/deployment-reads.js';
import { pollerLivenessMs } from './versioning/pollers.js';
import { deleteVersionProblem, type VersionStatus, versionState } from './versioning/version-status.js';

const statusToProto: Record<VersionStatus, WorkerDeploymentVersionStatus> = {
  INACTIVE: WorkerDeploymentVersionStatus.INACTIVE,
  CURRENT: WorkerDeploymentVersionStatus.CURRENT,
  RAMPING: WorkerDeploymentVersionStatus.RAMPING,
  DRAINING: WorkerDeploymentVersionStatus.DRAINING,
  DRAINED: WorkerDeploymentVersionStatus.DRAINED,
};

export function taskQueueTypeOf(kind: TaskKind): TaskQueueType {
  return kind === 'workflow' ? TaskQueueType.WORKFLOW : TaskQueueType.ACTIVITY;
}

function routingConfigOf(deployment: DeploymentRecord): RoutingConfig {
  const version = (buildId: string) =>
    buildId === '' ? undefined : { deploymentName: deployment.name, buildId };
  return create(RoutingConfigSchema, {
    currentVersion: version(deployment.currentBuildId),
    rampingVersion: version(deployment.rampingBuildId),
    rampingVersionPercentage: deployment.rampingPercentage,
    currentVersionChangedTimeMs: deployment.currentChangedMs,
    rampingVersionChangedTimeMs: deployment.rampingChangedMs,
    rampingVersionPercentageChangedTimeMs: deployment.rampingPercentageChangedMs,
  });
}

function summaryOf(
  deployment: DeploymentRecord,
  version: DeploymentVersionRecord,
  nowMs: number,
): WorkerDeploymentVersionSummary {
  const { status, drainage } = versionState(deployment, version);
  return create(WorkerDeploymentVersionSummarySchema, {
    version: { deploymentName: version.deploymentName, buildId: version.buildId },
    status: statusToProto[status],
    createTimeMs: version.createTimeMs,
    openPinnedWorkflows: version.openPinned,
    drainageInfo: drainage && {
      status: drainage.status === 'DRAINING' ? VersionDrainageStatus.DRAINING : VersionDrainageStatus.DRAINED,
      lastChangedTimeMs: drainage.lastChangedMs,
      // Counted in the transactions that change it: it is as fresh as this read.
      lastCheckedTimeMs: nowMs,
    },
    currentSinceTimeMs: version.currentSinceMs,
    rampingSinceTimeMs: version.rampingSinceMs,
    firstActivationTimeMs: version.firstActivationMs,
    lastDeactivationTimeMs: version.lastDeactivationMs,
  });
}

function checkDeploymentName(name: string, field: string): string {
  if (name === '') {
    throw invalidArgument(`${field} is required: the worker deployment's name, e.g. my-worker/prod`);
  }
  return name;
}

function checkVersion(version: WorkerDeploymentVersion | undefined): WorkerDeploymentVersion {
  const checked = { deploymentName: version?.deploymentName ?? '', buildId: version?.buildId ?? '' };
  const problem = versionProblem(checked);
  if (problem) {
    throw invalidArgument(`version is not valid: ${problem}; give the deployment name and the build id`);
  }
  return checked;
}

async function readVersion(
  tx: Pick<StoreTransaction, 'getDeployment' | 'getDeploymentVersion'>,
  namespace: string,
  version: WorkerDeploymentVersion,
): Promise<{ deployment: DeploymentRecord; record: DeploymentVersionRecord }> {
  const deployment = await readDeployment(tx, namespace, version.deploymentName);
  const record = await tx.getDeploymentVersion(namespace, version.deploymentName, version.buildId);
  if (!record) throw versionNotFound(namespace, version);
  return { deployment, record };
}

function recentPollers(
  tx: Pick<StoreTransaction, 'listPollers'>,
  namespace: string,
  version: WorkerDeploymentVersion,
  nowMs: number,
): Promise<PollerRecord[]> {
  return tx.listPollers(namespace, {
    sinceMs: nowMs - pollerLivenessMs,
    deploymentName: version.deploymentName,
    buildId: version.buildId,
  });
}

export async function listWorkerDeployments(
  core: EngineCore,
  request: ListWorkerDeploymentsRequest,
): Promise<ListWorkerDeploymentsResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const deployments = await core.store.transaction((tx) => tx.listDeployments(namespace));
  return create(ListWorkerDeploymentsResponseSchema, {
    workerDeployments: deployments.map((deployment) => ({
      name: deployment.name,
      createTimeMs: deployment.createTimeMs,
      routingConfig: routingConfigOf(deployment),
    })),
  });
}

export async function describeWorkerDeployment(
  core: EngineCore,
  request: DescribeWorkerDeploymentRequest,
): Promise<DescribeWorkerDeploymentResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const name = checkDeploymentName(request.deploymentName, 'deployment_name');
  const nowMs = core.clock.nowMs();
  return core.store.transaction(async (tx) => {
    const deployment = await readDeployment(tx, namespace, name);
    const versions = await tx.listDeploymentVersions(namespace, name);
    return create(DescribeWorkerDeploymentResponseSchema, {
      workerDeploymentInfo: {
        name,
        createTimeMs: deployment.createTimeMs,
        routingConfig: routingConfigOf(deployment),
        versionSummaries: versions.map((version) => summaryOf(deployment, version, nowMs)),
        lastModifierIdentity: deployment.lastModifierIdentity,
      },
      conflictToken: conflictTokenOf(deployment.revision),
    });
  });
}

/** The version's task queues, each with the pollers of this version seen in the last 70 s. */
function taskQueuesOf(
  queues: ReadonlyArray<{ taskQueue: string; kind: TaskKind }>,
  pollers: readonly PollerRecord[],
  version: WorkerDeploymentVersion,
): MessageInitShape<typeof VersionTaskQueueInfoSchema>[] {
  return queues.map((queue) => {
    const type = taskQueueTypeOf(queue.kind);
    return {
      name: queue.taskQueue,
      type,
      pollers: pollers
        .filter((poller) => poller.taskQueue === queue.taskQueue && poller.kind === queue.kind)
        .map((poller) => ({
          identity: poller.identity,
          lastAccessTimeMs: poller.lastAccessMs,
          deploymentVersion: version,
          taskQueueType: type,
        })),
    };
  });
}

export async function describeWorkerDeploymentVersion(
  core: EngineCore,
  request: DescribeWorkerDeploymentVersionRequest,
): Promise<DescribeWorkerDeploymentVersionResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const version = checkVersion(request.version);
  const nowMs = core.clock.nowMs();
  return core.store.transaction(async (tx) => {
    const { deployment, record } = await readVersion(tx, namespace, version);
    const queues = await tx.listVersionTaskQueues(namespace, version.deploymentName, version.buildId);
    const pollers = await recentPollers(tx, namespace, version, nowMs);
    return create(DescribeWorkerDeploymentVersionResponseSchema, {
      workerDeploymentVersionInfo: {
        summary: summaryOf(deployment, record, nowMs),
        taskQueues: taskQueuesOf(queues, pollers, version),
      },
    });
  });
}

/** V9: refused while current or ramping; with open pinned workflows or live pollers unless skip_drainage. */
export async function deleteWorkerDeploymentVersion(
  core: EngineCore,
  request: DeleteWorkerDeploymentVersionRequest,
): Promise<void> {
  const namespace = core.checkNamespace(request.namespace);
  const version = checkVersion(request.version);
  const nowMs = core.clock.nowMs();
  await core.store.transaction(async (tx) => {
    const { deployment, record } = await readVersion(tx, namespace, version);
    const pollers = await recentPollers(tx, namespace, version, nowMs);
    const problem = deleteVersionProblem(
      versionState(deployment, record),
      record.openPinned,
      pollers.length,
      request.skipDrainage,
    );
    if (problem) {
      throw new EngineError({
        code: 'DEPLOYMENT_VERSION_IN_USE',
        kind: 'failed_precondition',
        message: `cannot delete worker deployment version "${formatVersion(version)}": ${problem}`,
      });
    }
    await tx.deleteDeploymentVersion(namespace, version.deploymentName, version.buildId);
  });
}

/** A deployment goes only once it has no versions left (V9). */
export async function deleteWorkerDeployment(
  core: EngineCore,
  request: DeleteWorkerDeploymentRequest,
): Promise<void> {
  const namespace = core.checkNamespace(request.namespace);
  const name = checkDeploymentName(request.deploymentName, 'deployment_name');
  await core.store.transaction(async (tx) => {
    await readDeployment(tx, namespace, name);
    const versions = await tx.listDeploymentVersions(namespace, name);
    if (versions.length > 0) {
      const shown = versions.map((version) => version.buildId).join(', ');
      throw new EngineError({
        code: 'DEPLOYMENT_HAS_VERSIONS',
        kind: 'failed_precondition',
        message: `cannot delete worker deployment "${name}": it still has ${versions.length} version${versions.length === 1 ? '' : 's'} (${shown}); delete each first with: strata worker deployment delete-version --deployment-name ${name} --build-id <build id>`,
      });
    }
    await tx.deleteDeployment(namespace, name);
  });
}
