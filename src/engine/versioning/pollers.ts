/**
 * What a poll tells the server about its worker (V1, V6): a versioned worker's first poll of a queue
 * registers its deployment, its version and the version's task queue; every worker (versioned or not) is
 * recorded as a poller of the queue, at most every few seconds. ShutdownWorker forgets its pollers at once.
 */
import { formatVersion, versionProblem } from '../../common/versioning.js';
import { behaviorFromProto } from '../../common/versioning-proto.js';
import type { WorkerDeploymentOptions } from '../../gen/strata/v1/deployment_pb.js';
import type { RespondWorkflowTaskCompletedRequest } from '../../gen/strata/v1/service_pb.js';
import type { StoreTransaction, TaskKind } from '../../store/store.js';
import type { EngineCore } from '../engine-core.js';
import { invalidArgument } from '../errors.js';
import type { CompletingWorker } from '../state/versioning-task.js';
import { ensureDeployment } from './deployment-rows.js';

/** How often one worker's poll of one queue is written to the pollers table at most. */
export const pollerRecordIntervalMs = 5_000;
/** A registration is written again after this long (so a deleted version comes back while its workers poll). */
const registrationTtlMs = 60_000;
/** Pollers seen within this long count as polling (V6), unless their worker shut down. */
export const pollerLivenessMs = 70_000;

interface PollMemory {
  /** Registrations written, by key, with when. */
  registered: Map<string, number>;
  /** Pollers recorded, by key, with when. */
  recorded: Map<string, number>;
}

const memories = new WeakMap<EngineCore, PollMemory>();

function memoryOf(core: EngineCore): PollMemory {
  let memory = memories.get(core);
  if (!memory) {
    memory = { registered: new Map(), recorded: new Map() };
    memories.set(core, memory);
  }
  return memory;
}

/** The version whose tasks the poll takes (`deployment:buildId`), '' for an unversioned worker. */
export function pollVersion(options: WorkerDeploymentOptions | undefined): string {
  if (!options?.useWorkerVersioning) return '';
  const version = {
    deploymentName: options.version?.deploymentName ?? '',
    buildId: options.version?.buildId ?? '',
  };
  const problem = versionProblem(version);
  if (problem) {
    throw invalidArgument(
      `deployment_options.version: ${problem}; a worker with useWorkerVersioning needs a deployment name and a build id`,
    );
  }
  return formatVersion(version);
}

/** The worker completing a workflow task: its version, and the behavior it declares for the workflow. */
export function completingWorker(request: RespondWorkflowTaskCompletedRequest): CompletingWorker {
  const version = pollVersion(request.deploymentOptions);
  const behavior = behaviorFromProto(request.versioningBehavior);
  if (version !== '' && behavior === undefined) {
    throw invalidArgument(
      "versioning_behavior is required from a worker with useWorkerVersioning: PINNED or AUTO_UPGRADE (the workflow's own, else the worker's defaultVersioningBehavior)",
    );
  }
  return { version, behavior };
}

export interface PollFacts {
  namespace: string;
  taskQueue: string;
  kind: TaskKind;
  identity: string;
  options: WorkerDeploymentOptions | undefined;
  /** A worker's own sticky queue: neither registered nor listed. */
  sticky: boolean;
}

/**
 * Registers the poll's version and records the poller when due, in the poll's own claim transaction (no
 * transaction of its own). A rolled back claim loses nothing that the next due poll does not write again.
 */
export async function notePoll(core: EngineCore, tx: StoreTransaction, poll: PollFacts): Promise<void> {
  if (poll.sticky) return;
  const version = pollVersion(poll.options);
  const memory = memoryOf(core);
  const wall = Date.now();
  const deploymentName = version === '' ? '' : (poll.options?.version?.deploymentName ?? '');
  const buildId = version === '' ? '' : (poll.options?.version?.buildId ?? '');
  const queueKey = `${poll.namespace}\u0000${poll.taskQueue}\u0000${poll.kind}`;
  const registrationKey = `${queueKey}\u0000${version}`;
  const pollerKey = `${queueKey}\u0000${poll.identity}`;
  const now = core.clock.nowMs();
  if (version !== '' && wall - (memory.registered.get(registrationKey) ?? -Infinity) >= registrationTtlMs) {
    memory.registered.set(registrationKey, wall);
    await registerVersion(tx, { ...poll, deploymentName, buildId }, now);
  }
  if (wall - (memory.recorded.get(pollerKey) ?? -Infinity) >= pollerRecordIntervalMs) {
    memory.recorded.set(pollerKey, wall);
    await tx.recordPoller({
      namespace: poll.namespace,
      taskQueue: poll.taskQueue,
      kind: poll.kind,
      identity: poll.identity,
      deploymentName,
      buildId,
      lastAccessMs: now,
    });
  }
}

/** Creates the deployment and version rows if missing and adds the queue to the version's queues. */
async function registerVersion(
  tx: StoreTransaction,
  poll: { namespace: string; taskQueue: string; kind: TaskKind; deploymentName: string; buildId: string },
  now: number,
): Promise<void> {
  const { namespace, deploymentName, buildId } = poll;
  await ensureDeployment(tx, namespace, deploymentName, now);
  if (!(await tx.getDeploymentVersion(namespace, deploymentName, buildId))) {
    await tx.putDeploymentVersion({
      namespace,
      deploymentName,
      buildId,
      createTimeMs: now,
      openPinned: 0,
      hadPinned: false,
      drainageChangedMs: 0,
      currentSinceMs: 0,
      rampingSinceMs: 0,
      firstActivationMs: 0,
      lastDeactivationMs: 0,
    });
  }
  await tx.addVersionTaskQueue({
    namespace,
    deploymentName,
    buildId,
    taskQueue: poll.taskQueue,
    kind: poll.kind,
  });
}

/** ShutdownWorker: the worker's pollers leave every queue's list now, and its next poll is recorded again. */
export async function forgetWorker(core: EngineCore, namespace: string, identity: string): Promise<void> {
  await core.store.transaction((tx) => tx.deletePollers(namespace, identity));
  const memory = memoryOf(core);
  for (const key of [...memory.recorded.keys()]) {
    if (key.startsWith(`${namespace}\u0000`) && key.endsWith(`\u0000${identity}`))
      memory.recorded.delete(key);
  }
}
