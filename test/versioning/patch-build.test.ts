import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '../../src/client/index.js';
import { type ChildHandle, startWorkerProcess, waitFor } from '../faults/processes.js';
import { runCli } from '../helpers/run-cli.js';
import { useTestServer } from '../worker/harness.js';
import { orderWorkflow, release } from './fixtures/patch-v1.2.0/workflows.js';

/**
 * Native patch builds with real worker processes, each configured only by the environment: the broken
 * build v1.2.0 (current), a compatible patch v1.2.1 and a patch that changes the command order, v1.2.2,
 * all polling one task queue. `strata worker deployment patch` has the patch's own workers replay the
 * pinned workflows (dispatched by the server like queries) before it moves anything.
 */
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const t = useTestServer();
const children = new Map<string, ChildHandle>();
const deploymentName = 'my-worker/prod';
const taskQueue = `patch-${randomUUID()}`;

afterAll(async () => {
  await Promise.all([...children.values()].map((child) => child.kill('SIGTERM')));
});

async function startWorker(buildId: string, folder: string): Promise<void> {
  children.set(
    buildId,
    await startWorkerProcess(t.server.address, taskQueue, {
      WORKER_FIXTURES: fixture(folder),
      STRATA_DEPLOYMENT_NAME: deploymentName,
      STRATA_WORKER_BUILD_ID: buildId,
      STRATA_DEFAULT_VERSIONING_BEHAVIOR: 'PINNED',
    }),
  );
}

/** The builds named by the run's WorkflowTaskCompleted events. */
async function workflowTaskBuilds(handle: WorkflowHandle): Promise<string[]> {
  const { events } = await handle.fetchHistory();
  return events.flatMap((event) =>
    event.attributes.case === 'workflowTaskCompletedEventAttributes'
      ? [event.attributes.value.deploymentVersion?.buildId ?? '']
      : [],
  );
}

async function pinnedBuild(handle: WorkflowHandle): Promise<string | undefined> {
  return (await handle.describe()).versioningInfo?.pinnedVersion?.buildId;
}

async function versionStatus(buildId: string): Promise<{ status: string; openPinnedWorkflows: number }> {
  const { status, openPinnedWorkflows } = await t.client.workerDeployments.describeVersion({
    deploymentName,
    buildId,
  });
  return { status, openPinnedWorkflows };
}

function patch(to: string, ...extra: string[]) {
  return runCli([
    'worker',
    'deployment',
    'patch',
    '--deployment-name',
    deploymentName,
    '--from',
    'v1.2.0',
    '--to',
    to,
    '--address',
    t.server.address,
    ...extra,
  ]);
}

describe('native patch builds with worker processes', () => {
  const handles: WorkflowHandle[] = [];
  beforeAll(async () => {
    await startWorker('v1.2.0', 'patch-v1.2.0');
    await waitFor('v1.2.0 to poll', async () =>
      (await t.connection.workflowService.describeTaskQueue({ taskQueue })).pollers.length > 0
        ? true
        : undefined,
    );
    await t.client.workerDeployments.setCurrentVersion(deploymentName, 'v1.2.0');
    for (let i = 0; i < 2; i++) {
      handles.push(
        await t.client.workflow.start(orderWorkflow, { taskQueue, workflowId: `order-${i}-${randomUUID()}` }),
      );
    }
    // Both ran their first activity on v1.2.0 and wait for `release`, pinned there.
    await waitFor(
      'the workflows to block on their signal',
      async () => {
        const builds = await Promise.all(handles.map(workflowTaskBuilds));
        return builds.every((list) => list.length >= 2) ? true : undefined;
      },
      20_000,
    );
    await Promise.all([startWorker('v1.2.1', 'patch-v1.2.1'), startWorker('v1.2.2', 'patch-reordered')]);
    await waitFor('both patch versions to poll', async () => {
      const { pollers } = await t.connection.workflowService.describeTaskQueue({ taskQueue });
      const builds = new Set(pollers.map((poller) => poller.deploymentVersion?.buildId));
      return builds.has('v1.2.1') && builds.has('v1.2.2') ? true : undefined;
    });
  }, 60_000);

  it('R2, V5: a patch that changes the command order is refused with a report per workflow; nothing moves', async () => {
    const refused = await patch('v1.2.2', '--yes');
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toContain(
      'Refused: 2 of 2 workflow(s) pinned to my-worker/prod:v1.2.0 would not replay on my-worker/prod:v1.2.2. Nothing was moved.',
    );
    for (const handle of handles) {
      expect(refused.stdout).toMatch(
        new RegExp(
          `${handle.workflowId}\\s+\\S+\\s+orderWorkflow\\s+5\\s+DeterminismViolationError: \\[NDE\\]`,
        ),
      );
    }
    for (const handle of handles) expect(await pinnedBuild(handle)).toBe('v1.2.0');
    expect(await versionStatus('v1.2.2')).toEqual({ status: 'INACTIVE', openPinnedWorkflows: 0 });
    // The same report through the client, with the first diverging event.
    const replays = await t.client.workerDeployments.replayOnVersion(
      { deploymentName, buildId: 'v1.2.2' },
      { executions: handles.map(({ workflowId }) => ({ workflowId })) },
    );
    expect(replays.map((r) => [r.workflowId, r.ok, r.errorType, r.eventId])).toEqual(
      handles.map((h) => [h.workflowId, false, 'DeterminismViolationError', 5]),
    );
  });

  it('a version without workers cannot replay: [NO_POLLERS], and nothing moves', async () => {
    // SIGTERM: the worker shuts down and its pollers leave the queue at once (ShutdownWorker).
    await children.get('v1.2.2')?.kill('SIGTERM');
    children.delete('v1.2.2');
    const refused = await patch('v1.2.2', '--yes');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(
      /\[NO_POLLERS\] version "my-worker\/prod:v1.2.2" has no workers polling workflow task queue "patch-[^"]+", so it cannot replay the workflows there; start the version's workers/,
    );
    const unknown = await patch('v9', '--yes');
    expect(unknown.stderr).toMatch(
      /\[DEPLOYMENT_VERSION_NOT_FOUND\] worker deployment version "my-worker\/prod:v9" not found/,
    );
    const noYes = await patch('v1.2.1');
    expect(noYes.exitCode).toBe(2);
    expect(noYes.stderr).toMatch(/pass --yes \(or --dry-run to only verify\)/);
    for (const handle of handles) expect(await pinnedBuild(handle)).toBe('v1.2.0');
  });

  it('C5, V8: a compatible patch is verified on its workers, moved with one batch, finishes there, and drains', async () => {
    const dryRun = await patch('v1.2.1', '--dry-run');
    expect(dryRun.exitCode).toBe(0);
    expect(dryRun.stdout).toContain(
      'Dry run: 2 workflow(s) would move from my-worker/prod:v1.2.0 to my-worker/prod:v1.2.1. Nothing was moved.',
    );
    for (const handle of handles) expect(await pinnedBuild(handle)).toBe('v1.2.0');

    const moved = await patch('v1.2.1', '--yes');
    expect(moved.stderr).not.toMatch(/error/);
    expect(moved.exitCode).toBe(0);
    expect(moved.stdout).toContain(
      'Verified: 2 workflow(s) replay without divergence on my-worker/prod:v1.2.1.',
    );
    expect(moved.stdout).toMatch(
      /Verified 2 workflow\(s\); moved 2 of 2 to my-worker\/prod:v1.2.1 \(batch \S+ COMPLETED, 0 failed\)/,
    );
    expect(moved.stdout).toContain(
      'strata worker deployment describe-version --deployment-name my-worker/prod --build-id v1.2.1',
    );
    for (const handle of handles) expect(await pinnedBuild(handle)).toBe('v1.2.1');
    // Never promoted: the patch version drains its moved workflows; v1.2.0 stays current.
    expect(await versionStatus('v1.2.1')).toEqual({ status: 'DRAINING', openPinnedWorkflows: 2 });
    expect(await versionStatus('v1.2.0')).toEqual({ status: 'CURRENT', openPinnedWorkflows: 0 });

    for (const handle of handles) await handle.signal(release);
    for (const handle of handles) {
      expect(await handle.result()).toEqual(['v1.2.0 (fixed)', 'v1.2.1 (fixed)']);
      expect((await workflowTaskBuilds(handle)).at(-1)).toBe('v1.2.1');
    }
    expect(await versionStatus('v1.2.1')).toEqual({ status: 'DRAINED', openPinnedWorkflows: 0 });
    const again = await patch('v1.2.1', '--yes');
    expect(again.stdout).toContain(
      'No running workflow is pinned to my-worker/prod:v1.2.0: nothing to verify or move.',
    );
  });
});
