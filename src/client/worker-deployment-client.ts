/**
 * `client.workerDeployments`: worker deployments and their versions (V2, V6, V8, V9), as Temporal's
 * `temporal worker deployment ...` commands see them: routing, each version's status and exact count of
 * open pinned workflows, drainage times, task queues and pollers; promotion and deletion.
 *
 * @example
 * const { conflictToken } = await client.workerDeployments.describe('my-worker/prod');
 * await client.workerDeployments.setCurrentVersion('my-worker/prod', 'v2', { conflictToken });
 */
import type { WorkerDeploymentVersion } from '../common/versioning.js';
import { versionFromProto } from '../common/versioning-proto.js';
import {
  WorkerDeploymentVersionStatus as ProtoStatus,
  type WorkerDeploymentVersionSummary as ProtoSummary,
  type RoutingConfig,
  TaskQueueType,
  VersionDrainageStatus,
} from '../gen/strata/v1/deployment_pb.js';
import type { BatchClient } from './batch-client.js';
import type { WorkflowServiceClient } from './connection.js';
import { toClientError } from './errors.js';
import {
  type PatchBuildOptions,
  type PatchBuildResult,
  patchBuild,
  type ReplayTargets,
  replayResultOf,
  type WorkflowReplayResult,
} from './patch-build.js';

export type { WorkerDeploymentVersion } from '../common/versioning.js';
export type {
  PatchBuildOptions,
  PatchBuildResult,
  ReplayTargets,
  WorkflowReplayResult,
} from './patch-build.js';

export type WorkerDeploymentVersionStatus = 'INACTIVE' | 'CURRENT' | 'RAMPING' | 'DRAINING' | 'DRAINED';

/** Where a deployment sends new workflows and auto-upgrade tasks (V2, V3). */
export interface WorkerDeploymentRoutingConfig {
  /** Undefined: unversioned workers get new workflows. */
  currentVersion?: WorkerDeploymentVersion;
  rampingVersion?: WorkerDeploymentVersion;
  /** 0-100: the share of new workflows (by workflow id) that go to the ramping version. */
  rampingVersionPercentage: number;
  currentVersionChangedTime?: Date;
  rampingVersionChangedTime?: Date;
  /** When the ramp percentage last changed (rollouts measure their step pauses from it). */
  rampingVersionPercentageChangedTime?: Date;
}

/** One version of a deployment: its status and the exact count of open workflows pinned to it (V8). */
export interface WorkerDeploymentVersionSummary {
  version: WorkerDeploymentVersion;
  status: WorkerDeploymentVersionStatus;
  createTime: Date;
  /** Exact: counted in the transaction of each start, override and close. */
  openPinnedWorkflows: number;
  /** Set for a DRAINING or DRAINED version: when that status began. */
  drainageInfo?: { status: 'DRAINING' | 'DRAINED'; lastChangedTime: Date };
  currentSinceTime?: Date;
  rampingSinceTime?: Date;
  firstActivationTime?: Date;
  lastDeactivationTime?: Date;
}

export interface WorkerDeploymentDescription {
  name: string;
  createTime: Date;
  routingConfig: WorkerDeploymentRoutingConfig;
  /** The routing's revision: pass it to setCurrentVersion / setRampingVersion to fail if it changed (V2). */
  conflictToken: string;
  versionSummaries: WorkerDeploymentVersionSummary[];
}

export interface WorkerDeploymentVersionDescription extends WorkerDeploymentVersionSummary {
  /** The queues the version's workers poll, with the pollers seen in the last 70 s. */
  taskQueues: Array<{
    name: string;
    type: 'WORKFLOW' | 'ACTIVITY';
    pollers: Array<{ identity: string; lastAccessTime: Date }>;
  }>;
}

/** Options of the routing changes. */
export interface RoutingChangeOptions {
  /** From `describe`: the change fails if someone changed the routing since (V2). */
  conflictToken?: string;
  /** Skip the check that the version polls every task queue the current version serves (V6, `--force`). */
  ignoreMissingTaskQueues?: boolean;
  identity?: string;
}

export interface WorkerDeploymentClient {
  list(): Promise<Array<{ name: string; createTime: Date; routingConfig: WorkerDeploymentRoutingConfig }>>;
  describe(deploymentName: string): Promise<WorkerDeploymentDescription>;
  describeVersion(version: WorkerDeploymentVersion): Promise<WorkerDeploymentVersionDescription>;
  /** buildId undefined = unversioned. ignoreMissingTaskQueues = --force (V6). */
  setCurrentVersion(
    deploymentName: string,
    buildId: string | undefined,
    options?: RoutingChangeOptions,
  ): Promise<{ conflictToken: string; previousVersion?: WorkerDeploymentVersion }>;
  /** buildId undefined with percentage 0 removes the ramp (--delete). */
  setRampingVersion(
    deploymentName: string,
    buildId: string | undefined,
    percentage: number,
    options?: RoutingChangeOptions,
  ): Promise<{
    conflictToken: string;
    previousVersion?: WorkerDeploymentVersion;
    previousPercentage: number;
  }>;
  /** skipDrainage = --force (V9). */
  deleteVersion(
    version: WorkerDeploymentVersion,
    options?: { skipDrainage?: boolean; identity?: string },
  ): Promise<void>;
  delete(deploymentName: string, options?: { identity?: string }): Promise<void>;
  /**
   * The version's own workers replay the chosen executions' histories with their code (dispatched by the
   * server like queries; nothing is recorded). Fails with `[NO_POLLERS]` when the version has no workers
   * on a workflow's task queue.
   */
  replayOnVersion(version: WorkerDeploymentVersion, targets: ReplayTargets): Promise<WorkflowReplayResult[]>;
  /**
   * Native patch build: replays every running workflow pinned to `from` on `to`'s workers, and unless
   * one would diverge, moves them all to `to` with one batch override. `to` is never promoted: it stays
   * DRAINING (and keeps its workers) until those workflows close.
   */
  patch(options: PatchBuildOptions): Promise<PatchBuildResult>;
}

const statusNames: Record<ProtoStatus, WorkerDeploymentVersionStatus> = {
  [ProtoStatus.UNSPECIFIED]: 'INACTIVE',
  [ProtoStatus.INACTIVE]: 'INACTIVE',
  [ProtoStatus.CURRENT]: 'CURRENT',
  [ProtoStatus.RAMPING]: 'RAMPING',
  [ProtoStatus.DRAINING]: 'DRAINING',
  [ProtoStatus.DRAINED]: 'DRAINED',
};

function optionalDate(ms: number): Date | undefined {
  return ms > 0 ? new Date(ms) : undefined;
}

function tokenText(token: Uint8Array): string {
  return Buffer.from(token).toString('utf8');
}

function tokenBytes(token: string | undefined): Uint8Array {
  return token === undefined ? new Uint8Array() : Buffer.from(token, 'utf8');
}

function routingOf(raw: RoutingConfig | undefined): WorkerDeploymentRoutingConfig {
  return {
    currentVersion: versionFromProto(raw?.currentVersion),
    rampingVersion: versionFromProto(raw?.rampingVersion),
    rampingVersionPercentage: raw?.rampingVersionPercentage ?? 0,
    currentVersionChangedTime: optionalDate(raw?.currentVersionChangedTimeMs ?? 0),
    rampingVersionChangedTime: optionalDate(raw?.rampingVersionChangedTimeMs ?? 0),
    rampingVersionPercentageChangedTime: optionalDate(raw?.rampingVersionPercentageChangedTimeMs ?? 0),
  };
}

function summaryOf(raw: ProtoSummary | undefined): WorkerDeploymentVersionSummary {
  const drainage = raw?.drainageInfo;
  return {
    version: versionFromProto(raw?.version) ?? { deploymentName: '', buildId: '' },
    status: statusNames[raw?.status ?? ProtoStatus.UNSPECIFIED],
    createTime: new Date(raw?.createTimeMs ?? 0),
    openPinnedWorkflows: raw?.openPinnedWorkflows ?? 0,
    drainageInfo:
      drainage && drainage.status !== VersionDrainageStatus.UNSPECIFIED
        ? {
            status: drainage.status === VersionDrainageStatus.DRAINING ? 'DRAINING' : 'DRAINED',
            lastChangedTime: new Date(drainage.lastChangedTimeMs),
          }
        : undefined,
    currentSinceTime: optionalDate(raw?.currentSinceTimeMs ?? 0),
    rampingSinceTime: optionalDate(raw?.rampingSinceTimeMs ?? 0),
    firstActivationTime: optionalDate(raw?.firstActivationTimeMs ?? 0),
    lastDeactivationTime: optionalDate(raw?.lastDeactivationTimeMs ?? 0),
  };
}

/** Reached as `client.workerDeployments`. */
export class WorkerDeploymentClientImpl implements WorkerDeploymentClient {
  constructor(
    private readonly service: WorkflowServiceClient,
    private readonly namespace: string,
    private readonly identity: string,
    private readonly batch: BatchClient,
  ) {}

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toClientError(err);
    }
  }

  async list(): Promise<
    Array<{ name: string; createTime: Date; routingConfig: WorkerDeploymentRoutingConfig }>
  > {
    const response = await this.call(() => this.service.listWorkerDeployments({ namespace: this.namespace }));
    return response.workerDeployments.map((entry) => ({
      name: entry.name,
      createTime: new Date(entry.createTimeMs),
      routingConfig: routingOf(entry.routingConfig),
    }));
  }

  async describe(deploymentName: string): Promise<WorkerDeploymentDescription> {
    const response = await this.call(() =>
      this.service.describeWorkerDeployment({ namespace: this.namespace, deploymentName }),
    );
    const info = response.workerDeploymentInfo;
    return {
      name: info?.name ?? deploymentName,
      createTime: new Date(info?.createTimeMs ?? 0),
      routingConfig: routingOf(info?.routingConfig),
      conflictToken: tokenText(response.conflictToken),
      versionSummaries: (info?.versionSummaries ?? []).map(summaryOf),
    };
  }

  async describeVersion(version: WorkerDeploymentVersion): Promise<WorkerDeploymentVersionDescription> {
    const response = await this.call(() =>
      this.service.describeWorkerDeploymentVersion({ namespace: this.namespace, version }),
    );
    const info = response.workerDeploymentVersionInfo;
    return {
      ...summaryOf(info?.summary),
      taskQueues: (info?.taskQueues ?? []).map((queue) => ({
        name: queue.name,
        type: queue.type === TaskQueueType.WORKFLOW ? 'WORKFLOW' : 'ACTIVITY',
        pollers: queue.pollers.map((poller) => ({
          identity: poller.identity,
          lastAccessTime: new Date(poller.lastAccessTimeMs),
        })),
      })),
    };
  }

  async setCurrentVersion(
    deploymentName: string,
    buildId: string | undefined,
    options: RoutingChangeOptions = {},
  ): Promise<{ conflictToken: string; previousVersion?: WorkerDeploymentVersion }> {
    const response = await this.call(() =>
      this.service.setWorkerDeploymentCurrentVersion({
        namespace: this.namespace,
        deploymentName,
        buildId: buildId ?? '',
        conflictToken: tokenBytes(options.conflictToken),
        identity: options.identity ?? this.identity,
        ignoreMissingTaskQueues: options.ignoreMissingTaskQueues ?? false,
      }),
    );
    return {
      conflictToken: tokenText(response.conflictToken),
      previousVersion: versionFromProto(response.previousVersion),
    };
  }

  async setRampingVersion(
    deploymentName: string,
    buildId: string | undefined,
    percentage: number,
    options: RoutingChangeOptions = {},
  ): Promise<{
    conflictToken: string;
    previousVersion?: WorkerDeploymentVersion;
    previousPercentage: number;
  }> {
    const response = await this.call(() =>
      this.service.setWorkerDeploymentRampingVersion({
        namespace: this.namespace,
        deploymentName,
        buildId: buildId ?? '',
        percentage,
        conflictToken: tokenBytes(options.conflictToken),
        identity: options.identity ?? this.identity,
        ignoreMissingTaskQueues: options.ignoreMissingTaskQueues ?? false,
      }),
    );
    return {
      conflictToken: tokenText(response.conflictToken),
      previousVersion: versionFromProto(response.previousVersion),
      previousPercentage: response.previousPercentage,
    };
  }

  async deleteVersion(
    version: WorkerDeploymentVersion,
    options: { skipDrainage?: boolean; identity?: string } = {},
  ): Promise<void> {
    await this.call(() =>
      this.service.deleteWorkerDeploymentVersion({
        namespace: this.namespace,
        version,
        skipDrainage: options.skipDrainage ?? false,
        identity: options.identity ?? this.identity,
      }),
    );
  }

  async delete(deploymentName: string, options: { identity?: string } = {}): Promise<void> {
    await this.call(() =>
      this.service.deleteWorkerDeployment({
        namespace: this.namespace,
        deploymentName,
        identity: options.identity ?? this.identity,
      }),
    );
  }

  async replayOnVersion(
    version: WorkerDeploymentVersion,
    targets: ReplayTargets,
  ): Promise<WorkflowReplayResult[]> {
    const response = await this.call(() =>
      this.service.replayWorkflowsOnVersion({
        namespace: this.namespace,
        version,
        ...('query' in targets
          ? { query: targets.query, maxExecutions: targets.maxExecutions ?? 0 }
          : {
              executions: targets.executions.map(({ workflowId, runId }) => ({
                workflowId,
                runId: runId ?? '',
              })),
            }),
      }),
    );
    return response.results.map(replayResultOf);
  }

  patch(options: PatchBuildOptions): Promise<PatchBuildResult> {
    return patchBuild((version, targets) => this.replayOnVersion(version, targets), this.batch, options);
  }
}
