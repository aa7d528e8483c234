import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '../../src/client/index.js';
import { rampBucket } from '../../src/common/versioning.js';
import { EventType } from '../../src/gen/strata/v1/history_pb.js';
import { Worker } from '../../src/worker/index.js';
import { type ChildHandle, startWorkerProcess, waitFor } from '../faults/processes.js';
import { runCli } from '../helpers/run-cli.js';
import { useTestServer } from '../worker/harness.js';
import { advance, autoUpgradeWorkflow, pinnedWorkflow } from './fixtures/workflows.js';

/**
 * Routing with real worker processes (V1-V5), each configured only by the environment: an unversioned
 * worker, and builds 1 and 2 of one deployment, all polling one task queue. Each workflow's activities
 * return the build of the worker process that ran them.
 */
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const t = useTestServer();
const children: ChildHandle[] = [];
const deploymentName = 'shop/prod';
const taskQueue = `versioning-${randomUUID()}`;

// Runs before useTestServer's afterAll (after-hooks run last registered first).
afterAll(async () => {
  await Promise.all(children.map((child) => child.kill('SIGTERM')));
});

async function startWorker(buildId?: string): Promise<ChildHandle> {
  const versioned: Record<string, string> = buildId
    ? {
        STRATA_DEPLOYMENT_NAME: deploymentName,
        STRATA_WORKER_BUILD_ID: buildId,
        STRATA_DEFAULT_VERSIONING_BEHAVIOR: 'PINNED',
      }
    : {};
  const child = await startWorkerProcess(t.server.address, taskQueue, {
    WORKER_FIXTURES: fixture(''),
    ...versioned,
  });
  children.push(child);
  return child;
}

/** The build ids of the pollers of the queue, by task queue type. */
async function pollerBuilds(): Promise<string[]> {
  const { pollers } = await t.connection.workflowService.describeTaskQueue({ taskQueue });
  return pollers.map((poller) => `${poller.taskQueueType}:${poller.deploymentVersion?.buildId ?? ''}`).sort();
}

async function setCurrent(buildId: string, conflictToken?: Uint8Array): Promise<Uint8Array> {
  const response = await t.connection.workflowService.setWorkerDeploymentCurrentVersion({
    deploymentName,
    buildId,
    conflictToken,
    identity: 'test',
  });
  return response.conflictToken;
}

/** The builds named by the run's WorkflowTaskCompleted events ('' for an unversioned worker). */
async function workflowTaskBuilds(handle: WorkflowHandle): Promise<string[]> {
  const { events } = await handle.fetchHistory();
  return events.flatMap((event) =>
    event.attributes.case === 'workflowTaskCompletedEventAttributes'
      ? [event.attributes.value.deploymentVersion?.buildId ?? '']
      : [],
  );
}

function start(workflow: typeof pinnedWorkflow, stages: number, extra: object = {}) {
  return t.client.workflow.start(workflow, {
    taskQueue,
    workflowId: `wf-${randomUUID()}`,
    args: [stages],
    ...extra,
  });
}

describe('worker versioning with worker processes', () => {
  let unversioned: ChildHandle;
  beforeAll(async () => {
    [unversioned] = await Promise.all([startWorker(), startWorker('1'), startWorker('2')]);
    // The versioned workers register on their first polls (workflow type 1, activity type 2).
    await waitFor('both versions and the unversioned worker to poll', async () =>
      (await pollerBuilds()).join() === '1:,1:1,1:2,2:,2:1,2:2' ? true : undefined,
    );
  });

  it('strata task-queue describe lists the pollers with their versions', async () => {
    const table = await runCli([
      'task-queue',
      'describe',
      '--task-queue',
      taskQueue,
      '--address',
      t.server.address,
    ]);
    expect(table.stderr).toBe('');
    expect(table.stdout).toMatch(/Identity\s+Type\s+Version\s+LastAccessTime/);
    for (const version of ['unversioned', `${deploymentName}:1`, `${deploymentName}:2`]) {
      expect(table.stdout).toMatch(new RegExp(`@\\S+\\s+workflow\\s+${version}\\s`));
      expect(table.stdout).toMatch(new RegExp(`@\\S+\\s+activity\\s+${version}\\s`));
    }
    const json = await runCli([
      'task-queue',
      'describe',
      '--task-queue',
      taskQueue,
      '--task-queue-type',
      'activity',
      '-o',
      'json',
      '--address',
      t.server.address,
    ]);
    const parsed = JSON.parse(json.stdout) as { pollers: { taskQueueType: string; version: string }[] };
    expect(parsed.pollers.map((poller) => poller.version).sort()).toEqual([
      `${deploymentName}:1`,
      `${deploymentName}:2`,
      'unversioned',
    ]);
    expect(new Set(parsed.pollers.map((poller) => poller.taskQueueType))).toEqual(new Set(['activity']));
    const bad = await runCli([
      'task-queue',
      'describe',
      '--task-queue',
      taskQueue,
      '--task-queue-type',
      'nexus',
    ]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--task-queue-type "nexus" is not a type: use workflow or activity/);
  });

  it('V1-V5: current, set-current, ramp, pinned and auto-upgrade workflows, overrides, unversioned workers', async () => {
    // V2: no current version: the unversioned worker serves the deployment's queue.
    const early = await start(pinnedWorkflow, 2);
    await waitFor('the first activity of the early workflow', async () =>
      (await early.describe()).historyLength > 8 ? true : undefined,
    );
    let token = await setCurrent('1');

    // Set current: new workflows go to build 1; the early one moves there at its next task and is pinned.
    const pinned = await start(pinnedWorkflow, 3);
    const auto = await start(autoUpgradeWorkflow, 2);
    const overridden = await start(pinnedWorkflow, 2);
    await early.signal(advance);
    expect(await early.result()).toEqual(['unversioned', '1']);

    token = await setCurrent('2', token);
    const later = await start(pinnedWorkflow, 1);
    const pinnedByStart = await start(pinnedWorkflow, 1, {
      versioningOverride: { pinnedTo: { deploymentName, buildId: '1' } },
    });
    expect(await later.result()).toEqual(['2']);
    expect(await pinnedByStart.result()).toEqual(['1']);

    // V4: the pinned workflow and its activities stay on build 1; the auto-upgrade one moves to build 2.
    await pinned.signal(advance);
    await auto.signal(advance);
    expect(await auto.result()).toEqual(['1', '2']);
    expect((await workflowTaskBuilds(auto)).at(-1)).toBe('2');

    // V5: an override moves a pinned workflow to build 2 at its next task.
    await overridden.updateOptions({ versioningOverride: { pinnedTo: { deploymentName, buildId: '2' } } });
    await overridden.signal(advance);
    expect(await overridden.result()).toEqual(['1', '2']);
    expect((await workflowTaskBuilds(overridden)).at(-1)).toBe('2');
    // The override is in the history, which replays; a code change altering the command order does not.
    const history = await overridden.fetchHistory();
    expect(history.events.map((event) => event.eventType)).toContain(
      EventType.WORKFLOW_EXECUTION_OPTIONS_UPDATED,
    );
    await Worker.runReplayHistory({ workflowsPath: fixture('workflows.ts') }, history);
    await expect(
      Worker.runReplayHistory({ workflowsPath: fixture('workflows-reordered.ts') }, history),
    ).rejects.toThrow(/\[NDE\]/);

    await pinned.signal(advance);
    expect(await pinned.result()).toEqual(['1', '1', '1']);
    expect(new Set(await workflowTaskBuilds(pinned))).toEqual(new Set(['1']));

    // V3: a 50 % ramp of build 1 takes the workflows whose bucket is below 50.
    await t.connection.workflowService.setWorkerDeploymentRampingVersion({
      deploymentName,
      buildId: '1',
      percentage: 50,
      conflictToken: token,
    });
    const ids = Array.from({ length: 6 }, (_, i) => `ramp-${i}-${randomUUID()}`);
    const results = await Promise.all(
      ids.map((workflowId) =>
        t.client.workflow.execute(pinnedWorkflow, { taskQueue, workflowId, args: [1] }),
      ),
    );
    expect(results.map(([build]) => build)).toEqual(ids.map((id) => (rampBucket(id) < 50 ? '1' : '2')));
  });

  it('a worker that shuts down leaves the pollers of the task queue at once (ShutdownWorker)', async () => {
    await unversioned.kill('SIGTERM');
    expect(await pollerBuilds()).toEqual(['1:1', '1:2', '2:1', '2:2']);
  });
});
