/**
 * The target version of every task the engine writes (V3, V4): which workers may take it. Called where
 * tasks are written (EngineCore.mutate and insertRun), so workflow tasks, activities, retries, timeouts
 * re-scheduled and children's first tasks all follow the same rules:
 *
 * - a run effectively pinned to P: its workflow tasks, and tasks on queues P's deployment serves, go to P
 *   (pinned: routing changes leave them);
 * - a task on the run's sticky queue goes to the version of the sticky worker (pinned); an unpinned run
 *   whose routing now points elsewhere leaves the sticky queue for the normal one instead;
 * - any other task follows its queue's deployment: the ramping version when the workflow id's ramp bucket
 *   is below the percentage, else the current version ('' = unversioned workers); no deployment: ''.
 */
import { parseVersion, rampBucket } from '../../common/versioning.js';
import type { DeploymentRecord, NewTask, StoreTransaction, TaskKind } from '../../store/store.js';
import type { Mutation } from '../state/mutation.js';
import type { ExecutionState } from '../state/types.js';
import { effectivePinnedVersion } from '../state/versioning.js';

type DeploymentReader = Pick<StoreTransaction, 'deploymentsOfTaskQueue'>;

/** The version a deployment sends an unpinned task of this ramp bucket to. */
export function routedVersion(deployment: DeploymentRecord | undefined, bucket: number): string {
  if (!deployment) return '';
  const { name, rampingBuildId, rampingPercentage, currentBuildId } = deployment;
  if (rampingBuildId !== '' && bucket < rampingPercentage) return `${name}:${rampingBuildId}`;
  return currentBuildId === '' ? '' : `${name}:${currentBuildId}`;
}

/** The deployment routing a queue: of several, the one whose routing changed last. */
export async function queueDeployment(
  tx: DeploymentReader,
  namespace: string,
  taskQueue: string,
  kind: TaskKind,
): Promise<DeploymentRecord | undefined> {
  const deployments = await tx.deploymentsOfTaskQueue(namespace, taskQueue, kind);
  let chosen: DeploymentRecord | undefined;
  for (const deployment of deployments) {
    const changed = Math.max(deployment.currentChangedMs, deployment.rampingChangedMs);
    const best = chosen ? Math.max(chosen.currentChangedMs, chosen.rampingChangedMs) : -1;
    if (changed > best) chosen = deployment;
  }
  return chosen;
}

/** Where a new unpinned task of this run on `taskQueue` goes now. */
export async function routeOfQueue(
  tx: DeploymentReader,
  state: Pick<ExecutionState, 'namespace' | 'workflowId'>,
  taskQueue: string,
  kind: TaskKind,
): Promise<string> {
  const deployment = await queueDeployment(tx, state.namespace, taskQueue, kind);
  return routedVersion(deployment, rampBucket(state.workflowId));
}

/** Whether the deployment of `version` has a version polling this queue. */
async function servedBy(
  tx: DeploymentReader,
  namespace: string,
  queue: { taskQueue: string; kind: TaskKind },
  version: string,
): Promise<boolean> {
  const { deploymentName } = parseVersion(version);
  const deployments = await tx.deploymentsOfTaskQueue(namespace, queue.taskQueue, queue.kind);
  return deployments.some((deployment) => deployment.name === deploymentName);
}

/**
 * Where a task of the run on this (non-sticky) queue goes now: its pinned version (pinned) when the run is
 * effectively pinned and the queue is its own workflow task queue or served by that version's deployment,
 * else the queue's routing (not pinned).
 */
export async function taskTarget(
  tx: DeploymentReader,
  state: ExecutionState,
  queue: { taskQueue: string; kind: TaskKind },
): Promise<{ version: string; pinned: boolean }> {
  const pinnedTo = effectivePinnedVersion(state.versioning);
  const ownQueue = queue.kind === 'workflow' && queue.taskQueue === state.taskQueue;
  if (pinnedTo !== '' && (ownQueue || (await servedBy(tx, state.namespace, queue, pinnedTo)))) {
    return { version: pinnedTo, pinned: true };
  }
  return { version: await routeOfQueue(tx, state, queue.taskQueue, queue.kind), pinned: false };
}

/** Sets `version`, `pinned` and `rampBucket` on each task of the mutation (before it is written). */
export async function routeTasks(store: DeploymentReader, m: Mutation): Promise<void> {
  if (m.closed || m.tasks.length === 0) return;
  const tx = readOncePerQueue(store);
  const state = m.state;
  const bucket = rampBucket(state.workflowId);
  const pinnedTo = effectivePinnedVersion(state.versioning);
  for (const task of m.tasks) {
    task.rampBucket = bucket;
    const sticky =
      task.kind === 'workflow' && state.stickyTaskQueue !== '' && task.taskQueue === state.stickyTaskQueue;
    if (sticky) {
      const stickyVersion = state.versioning?.stickyVersion ?? '';
      const target = pinnedTo || (await routeOfQueue(tx, state, state.taskQueue, 'workflow'));
      if (target === stickyVersion) {
        task.version = stickyVersion;
        task.pinned = true;
        continue;
      }
      leaveStickyQueue(m, task);
    }
    Object.assign(task, await taskTarget(tx, state, task));
  }
}

/**
 * Reads each queue's deployments once for a mutation's tasks, which often share a queue (several
 * activities, or a workflow task leaving its sticky queue): the answer cannot change within the transaction.
 */
function readOncePerQueue(tx: DeploymentReader): DeploymentReader {
  const read = new Map<string, Promise<DeploymentRecord[]>>();
  return {
    deploymentsOfTaskQueue: (namespace, taskQueue, kind) => {
      const key = `${namespace}\u0000${taskQueue}\u0000${kind}`;
      let deployments = read.get(key);
      if (deployments === undefined) {
        deployments = tx.deploymentsOfTaskQueue(namespace, taskQueue, kind);
        read.set(key, deployments);
      }
      return deployments;
    },
  };
}

/**
 * The sticky worker runs another version than the run's next task must: the task goes to the normal queue
 * (and its WorkflowTaskScheduled event, not written yet, says so), where the worker gets the whole history.
 */
function leaveStickyQueue(m: Mutation, task: NewTask): void {
  const state = m.state;
  const workflowTask = state.workflowTask;
  for (const event of m.events) {
    if (event.eventId !== task.scheduledEventId) continue;
    if (event.attributes.case === 'workflowTaskScheduledEventAttributes') {
      event.attributes.value.taskQueue = state.taskQueue;
    }
  }
  if (workflowTask?.scheduledEventId === task.scheduledEventId) {
    workflowTask.taskQueue = state.taskQueue;
    workflowTask.sticky = false;
    m.deleteTimer({ type: 'workflow-task-schedule-to-start', scheduledEventId: task.scheduledEventId });
  }
  task.taskQueue = state.taskQueue;
  state.stickyTaskQueue = '';
  if (state.versioning) delete state.versioning.stickyVersion;
}

/**
 * The version whose pollers of the run's own task queue get its in-memory tasks now (queries, speculative
 * workflow tasks carrying updates): its pinned version, else its queue's routing.
 */
export async function runTaskVersion(
  store: { transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> },
  state: ExecutionState,
): Promise<string> {
  const pinnedTo = effectivePinnedVersion(state.versioning);
  if (pinnedTo !== '') return pinnedTo;
  return store.transaction((tx) => routeOfQueue(tx, state, state.taskQueue, 'workflow'));
}
