/**
 * Native patch builds (`client.workerDeployments.patch`, `strata worker deployment patch`): the running
 * workflows pinned to a broken version are first replayed by the patch version's own workers (the
 * server dispatches each history to them like a query, `ReplayWorkflowsOnVersion`); if any would
 * diverge, nothing moves and the caller gets the per-workflow report; otherwise one batch override pins
 * them all to the patch version. The patch version is never made current: it reports DRAINING while
 * those workflows run (V8), which keeps its workers (C4), and DRAINED once they closed.
 */
import { formatVersion, type WorkerDeploymentVersion } from '../common/versioning.js';
import type { WorkflowReplayResult as ProtoReplayResult } from '../gen/strata/v1/replay_pb.js';
import type { BatchClient, BatchOperationDescription } from './batch-client.js';

/** One execution replayed by a version's workers. */
export interface WorkflowReplayResult {
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  /** True when the history replayed without error on the version's code. */
  ok: boolean;
  /** `DeterminismViolationError`, `ReplayError`, or why the replay could not run (e.g. `QUERY_TIMEOUT`). */
  errorType?: string;
  message?: string;
  /** The first history event where the code diverged, when known. */
  eventId?: number;
  /** The worker that replayed it. */
  workerIdentity?: string;
}

/** Which executions `replayOnVersion` replays: a list, or a visibility query (running ones only). */
export type ReplayTargets =
  | { executions: ReadonlyArray<{ workflowId: string; runId?: string }> }
  | { query: string; maxExecutions?: number };

export interface PatchBuildOptions {
  deploymentName: string;
  /** The broken build: its running pinned workflows move. */
  from: string;
  /** The patch build: its workers must poll the workflows' task queues. */
  to: string;
  /** Called once every workflow replayed cleanly, before moving them; false cancels (nothing moves). */
  confirm?: (verified: WorkflowReplayResult[]) => boolean | Promise<boolean>;
  /** Called with the batch while it moves the workflows. */
  onProgress?: (batch: BatchOperationDescription) => void;
  /** Recorded in the batch. @default `patch <from> -> <to>` */
  reason?: string;
}

export interface PatchBuildResult {
  from: WorkerDeploymentVersion;
  to: WorkerDeploymentVersion;
  /** The query that chose the workflows. */
  query: string;
  /** Every running workflow pinned to `from`, with its replay on `to`'s workers. */
  replays: WorkflowReplayResult[];
  /** The replays that failed: when any, nothing was moved. */
  diverged: WorkflowReplayResult[];
  /** False when refused, canceled, or when no workflow was pinned to `from`. */
  moved: boolean;
  /** The batch override that moved them. */
  batch?: BatchOperationDescription;
}

export function replayResultOf(raw: ProtoReplayResult): WorkflowReplayResult {
  return {
    workflowId: raw.execution?.workflowId ?? '',
    runId: raw.execution?.runId ?? '',
    workflowType: raw.workflowType,
    taskQueue: raw.taskQueue,
    ok: raw.ok,
    ...(raw.ok ? {} : { errorType: raw.errorType, message: raw.message }),
    ...(raw.eventId > 0 ? { eventId: raw.eventId } : {}),
    ...(raw.workerIdentity ? { workerIdentity: raw.workerIdentity } : {}),
  };
}

/** The running workflows pinned to `version` (the runbook's query, in Strata's attribute names). */
export function pinnedRunningQuery(version: WorkerDeploymentVersion): string {
  return `WorkerDeploymentVersion = "${formatVersion(version)}" AND WorkflowVersioningBehavior = "Pinned" AND ExecutionStatus = "Running"`;
}

export async function patchBuild(
  replayOnVersion: (
    version: WorkerDeploymentVersion,
    targets: ReplayTargets,
  ) => Promise<WorkflowReplayResult[]>,
  batch: BatchClient,
  options: PatchBuildOptions,
): Promise<PatchBuildResult> {
  const { deploymentName } = options;
  if (options.from === options.to) {
    throw new TypeError(
      `[INVALID_ARGUMENT] from and to are both "${options.from}"; the patch build must differ from the broken one`,
    );
  }
  const from = { deploymentName, buildId: options.from };
  const to = { deploymentName, buildId: options.to };
  const query = pinnedRunningQuery(from);
  const replays = await replayOnVersion(to, { query });
  const diverged = replays.filter((replay) => !replay.ok);
  const base = { from, to, query, replays, diverged };
  if (diverged.length > 0 || replays.length === 0) return { ...base, moved: false };
  if (options.confirm && !(await options.confirm(replays))) return { ...base, moved: false };
  // The verified workflows exactly: one pinned to `from` since the replay has not been verified.
  const jobId = await batch.start(
    { type: 'updateOptions', versioningOverride: { pinnedTo: to } },
    {
      executions: replays.map(({ workflowId, runId }) => ({ workflowId, runId })),
      reason: options.reason ?? `patch ${formatVersion(from)} -> ${options.to}`,
    },
  );
  const done = await batch.waitForCompletion(jobId, { onProgress: options.onProgress });
  return { ...base, moved: done.state === 'COMPLETED' && done.failureOperationCount === 0, batch: done };
}
