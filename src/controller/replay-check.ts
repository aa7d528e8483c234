/**
 * Replay-verified promotion: before a routing change that sends AutoUpgrade workflows to the manifest's
 * build (AllAtOnce's set-current, each Progressive step), the build's own workers replay the open
 * AutoUpgrade workflows of the deployment that are not on it yet (all, or `rollout.replaySample` of
 * them), dispatched by the server like queries. A divergence refuses the routing change with a report
 * naming each workflow and its first diverging event; the next loop checks again.
 */
import type { WorkerDeploymentClient, WorkflowReplayResult } from '../client/worker-deployment-client.js';
import type { WorkflowClient } from '../client/workflow-client.js';
import { formatVersion } from '../common/versioning.js';

export interface ReplayCheckClient {
  workerDeployments: Pick<WorkerDeploymentClient, 'replayOnVersion'>;
  workflow: Pick<WorkflowClient, 'list'>;
}

/** The running AutoUpgrade workflows of the deployment that the routing change would move to `buildId`. */
export function movingAutoUpgradeQuery(deploymentName: string, buildId: string): string {
  return `WorkerDeployment = "${deploymentName}" AND WorkflowVersioningBehavior = "AutoUpgrade" AND WorkerDeploymentVersion != "${formatVersion({ deploymentName, buildId })}" AND ExecutionStatus = "Running"`;
}

/** The divergences, in a line each: workflow, run, first diverging event, error. */
export function divergenceReport(diverged: readonly WorkflowReplayResult[]): string {
  return diverged
    .map(
      (r) =>
        `${r.workflowId} (run ${r.runId}, ${r.workflowType})${r.eventId === undefined ? '' : ` at event ${r.eventId}`}: ${r.errorType}: ${r.message}`,
    )
    .join('; ');
}

/**
 * Replays the workflows the promotion of `buildId` would move on its workers; resolves with how many
 * were verified, throws `[REPLAY_DIVERGED]` with the report when any diverges.
 */
export async function verifyPromotionReplay(
  client: ReplayCheckClient,
  deploymentName: string,
  buildId: string,
  sample: number | undefined,
): Promise<number> {
  const version = { deploymentName, buildId };
  const query = movingAutoUpgradeQuery(deploymentName, buildId);
  let replays: WorkflowReplayResult[];
  if (sample === undefined) {
    replays = await client.workerDeployments.replayOnVersion(version, { query });
  } else {
    const executions: Array<{ workflowId: string; runId: string }> = [];
    for await (const execution of client.workflow.list({ query, pageSize: Math.min(sample, 1000) })) {
      if (executions.length >= sample) break;
      executions.push({ workflowId: execution.workflowId, runId: execution.runId });
    }
    replays =
      executions.length === 0 ? [] : await client.workerDeployments.replayOnVersion(version, { executions });
  }
  const diverged = replays.filter((replay) => !replay.ok);
  if (diverged.length > 0) {
    throw new Error(
      `[REPLAY_DIVERGED] ${diverged.length} of ${replays.length} open AutoUpgrade workflow(s) would not replay on ${formatVersion(version)}, so it is not promoted: ${divergenceReport(diverged)}`,
    );
  }
  return replays.length;
}
