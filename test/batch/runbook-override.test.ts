/**
 * The patch-build runbook (seeds/patch-build-runbook.txt), step 4, as written with `strata` in place of
 * `temporal` and no standard input: workflows pinned to my-worker/prod:v1.2.0-dsf7 are moved to the patch
 * build v1.2.1-4543 by a batch versioning override (V5), and finish there; the patch version, never
 * current, is Draining while they run and Drained after (V8). Runs on SQLite and on PostgreSQL.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '../../src/client/index.js';
import { WorkerDeploymentVersionStatus } from '../../src/gen/strata/v1/deployment_pb.js';
import type { StrataServer } from '../../src/server/index.js';
import { Worker } from '../../src/worker/index.js';
import { startTestServer } from '../engine/helpers.js';
import { runCli } from '../helpers/run-cli.js';
import { eventually } from '../helpers/strata-server.js';
import { finish, waiter } from './workflows.js';

const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));
const taskQueue = 'my-worker';
const deploymentName = 'my-worker/prod';
const broken = { deploymentName, buildId: 'v1.2.0-dsf7' };
const patch = { deploymentName, buildId: 'v1.2.1-4543' };
const WORKFLOWS = 5;

let server: StrataServer;
let connection: Connection;
let client: Client;
const workers: Array<{ worker: Worker; running: Promise<void> }> = [];

beforeAll(async () => {
  ({ server } = await startTestServer());
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  for (const version of [broken, patch]) {
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath,
      workerDeploymentOptions: { version, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' },
    });
    workers.push({ worker, running: worker.run() });
  }
});

afterAll(async () => {
  for (const { worker } of workers) worker.shutdown();
  await Promise.all(workers.map(({ running }) => running));
  connection.close();
  await server.close();
});

async function versionStatus(version: typeof patch) {
  const response = await connection.workflowService.describeWorkerDeploymentVersion({ version });
  const summary = response.workerDeploymentVersionInfo?.summary;
  return { status: summary?.status, openPinned: summary?.openPinnedWorkflows };
}

/** The version that completed the run's last workflow task. */
async function lastTaskBuildId(workflowId: string): Promise<string | undefined> {
  const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
  const completed = events
    .map((event) => event.attributes)
    .filter((attributes) => attributes.case === 'workflowTaskCompletedEventAttributes')
    .at(-1);
  return completed?.case === 'workflowTaskCompletedEventAttributes'
    ? completed.value.deploymentVersion?.buildId
    : undefined;
}

describe('the patch-build runbook', () => {
  it('V5: the runbook command moves exactly the running workflows pinned to the broken build to the patch, where they finish; V8: the patch is Draining, then Drained', async () => {
    const handles = await Promise.all(
      Array.from({ length: WORKFLOWS }, (_, n) =>
        client.workflow.start(waiter, {
          taskQueue,
          workflowId: `runbook-${n}`,
          versioningOverride: { pinnedTo: broken },
        }),
      ),
    );
    // A workflow pinned to the broken build that already finished, and one pinned elsewhere: not moved.
    const done = await client.workflow.start(waiter, {
      taskQueue,
      workflowId: 'runbook-done',
      versioningOverride: { pinnedTo: broken },
    });
    await done.signal(finish);
    await done.result();
    await client.workflow.start(waiter, {
      taskQueue,
      workflowId: 'runbook-patch',
      versioningOverride: { pinnedTo: patch },
    });
    for (const handle of handles) {
      await eventually(async () => (await lastTaskBuildId(handle.workflowId)) === broken.buildId);
    }

    const result = await runCli(
      [
        'workflow',
        'update-options',
        '--versioning-override-behavior',
        'pinned',
        '--versioning-override-build-id',
        'v1.2.1-4543',
        '--versioning-override-deployment-name',
        'my-worker/prod',
        '--query',
        'TemporalWorkerDeploymentVersion = "my-worker/prod:v1.2.0-dsf7" and TemporalWorkerVersioningBehavior = "Pinned" and Status = "Running"',
      ],
      { STRATA_ADDRESS: server.address },
    );
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^Started batch for job ID: \\S+\\nBatch \\S+ COMPLETED: updated ${WORKFLOWS} of ${WORKFLOWS} workflow\\(s\\), 0 failed\\.\\n$`,
      ),
    );

    const pinnedToPatch = await client.workflow.count(
      'TemporalWorkerDeploymentVersion = "my-worker/prod:v1.2.1-4543" and Status = "Running"',
    );
    expect(pinnedToPatch.count).toBe(WORKFLOWS + 1);
    expect(
      (
        await client.workflow.count(
          'TemporalWorkerDeploymentVersion = "my-worker/prod:v1.2.0-dsf7" and Status = "Running"',
        )
      ).count,
    ).toBe(0);
    expect(await versionStatus(patch)).toEqual({
      status: WorkerDeploymentVersionStatus.DRAINING,
      openPinned: WORKFLOWS + 1,
    });

    for (const handle of [...handles, client.workflow.getHandle('runbook-patch')]) {
      await handle.signal(finish);
      await handle.result();
      expect(await lastTaskBuildId(handle.workflowId)).toBe(patch.buildId);
    }
    // The history with its WorkflowExecutionOptionsUpdated event replays on the workflow code.
    const history = await client.workflow.getHandle('runbook-0').fetchHistory();
    const optionsUpdated = history.events.filter(
      (event) => event.attributes.case === 'workflowExecutionOptionsUpdatedEventAttributes',
    );
    expect(optionsUpdated).toHaveLength(1);
    await expect(Worker.runReplayHistory({ workflowsPath }, history)).resolves.toBeUndefined();
    expect(await versionStatus(patch)).toEqual({
      status: WorkerDeploymentVersionStatus.DRAINED,
      openPinned: 0,
    });
  });
});
