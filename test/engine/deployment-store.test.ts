import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { execution } from '../helpers/store-fixtures.js';
import { createTestStore } from './helpers.js';

/** The store port's versioning side (migration 0003), on the adapter the project runs. */
describe('store: worker deployments', () => {
  let store: Store;
  beforeEach(async () => {
    store = await createTestStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('V8: concurrent open pinned count changes are never lost, and the drainage time moves at zero', async () => {
    await Promise.all(
      Array.from({ length: 20 }, () =>
        store.transaction((tx) => tx.adjustOpenPinned('default', 'd', 'b1', 1, 1_000)),
      ),
    );
    let version = await store.transaction((tx) => tx.getDeploymentVersion('default', 'd', 'b1'));
    expect(version).toMatchObject({
      openPinned: 20,
      hadPinned: true,
      drainageChangedMs: 1_000,
      createTimeMs: 1_000,
    });
    await Promise.all(
      Array.from({ length: 19 }, () =>
        store.transaction((tx) => tx.adjustOpenPinned('default', 'd', 'b1', -1, 2_000)),
      ),
    );
    version = await store.transaction((tx) => tx.getDeploymentVersion('default', 'd', 'b1'));
    expect(version).toMatchObject({ openPinned: 1, drainageChangedMs: 1_000 });
    expect(await store.transaction((tx) => tx.adjustOpenPinned('default', 'd', 'b1', -1, 3_000))).toBe(0);
    version = await store.transaction((tx) => tx.getDeploymentVersion('default', 'd', 'b1'));
    expect(version).toMatchObject({ openPinned: 0, drainageChangedMs: 3_000, hadPinned: true });
  });

  it('V2: a deployment row round-trips, and the queues of its versions find it', async () => {
    const record = {
      namespace: 'default',
      name: 'my-worker/prod',
      createTimeMs: 5,
      currentBuildId: 'v1',
      rampingBuildId: 'v2',
      rampingPercentage: 12.5,
      currentChangedMs: 6,
      rampingChangedMs: 7,
      rampingPercentageChangedMs: 8,
      revision: 3,
      lastModifierIdentity: 'me',
    };
    await store.transaction(async (tx) => {
      await tx.putDeployment(record);
      await tx.addVersionTaskQueue({ ...queue('v1'), deploymentName: 'my-worker/prod' });
      await tx.addVersionTaskQueue({ ...queue('v1'), deploymentName: 'my-worker/prod' });
      await tx.addVersionTaskQueue({
        ...queue('v2'),
        deploymentName: 'my-worker/prod',
        taskQueue: 'a',
        kind: 'activity',
      });
    });
    const found = await store.transaction(async (tx) => ({
      list: await tx.listDeployments('default'),
      ofQueue: await tx.deploymentsOfTaskQueue('default', 'q', 'workflow'),
      ofOtherKind: await tx.deploymentsOfTaskQueue('default', 'q', 'activity'),
      queues: await tx.listVersionTaskQueues('default', 'my-worker/prod'),
      queuesOfV2: await tx.listVersionTaskQueues('default', 'my-worker/prod', 'v2'),
    }));
    expect(found.list).toEqual([record]);
    expect(found.ofQueue).toEqual([record]);
    expect(found.ofOtherKind).toEqual([]);
    expect(found.queues.map((q) => `${q.buildId}/${q.taskQueue}/${q.kind}`)).toEqual([
      'v1/q/workflow',
      'v2/a/activity',
    ]);
    expect(found.queuesOfV2).toHaveLength(1);
    await store.transaction((tx) => tx.deleteDeployment('default', 'my-worker/prod'));
    expect(await store.transaction((tx) => tx.listVersionTaskQueues('default', 'my-worker/prod'))).toEqual(
      [],
    );
  });

  it('V3: a task is claimed only by its version, and a routing change re-routes unpinned tasks by bucket', async () => {
    const base = {
      namespace: 'default',
      taskQueue: 'q',
      kind: 'workflow' as const,
      scheduledEventId: 2,
      attempt: 1,
    };
    await store.transaction((tx) =>
      tx.insertExecution({
        ...execution('w', 'r'),
        timers: [],
        tasks: [
          { ...base, runId: 'r', version: 'd:v1', rampBucket: 10 },
          { ...base, runId: 'r', version: 'd:v1', rampBucket: 90 },
          { ...base, runId: 'r', version: 'd:v1', pinned: true, rampBucket: 5 },
        ],
      }),
    );
    expect(await store.transaction((tx) => tx.claimTask('default', 'q', 'workflow', ''))).toBeUndefined();
    const moved = await store.transaction((tx) =>
      tx.rerouteTasks('default', [{ taskQueue: 'q', kind: 'workflow' }], {
        current: 'd:v1',
        ramping: 'd:v2',
        percentage: 50,
      }),
    );
    expect(moved).toBe(1);
    const toV2 = await store.transaction((tx) => tx.claimTask('default', 'q', 'workflow', 'd:v2'));
    expect(toV2).toMatchObject({ version: 'd:v2', rampBucket: 10, pinned: false });
    await store.transaction((tx) => tx.retargetRunTasks('default', 'r', 'd:v3', true));
    const toV3 = await store.transaction(async (tx) => [
      await tx.claimTask('default', 'q', 'workflow', 'd:v3'),
      await tx.claimTask('default', 'q', 'workflow', 'd:v3'),
      await tx.claimTask('default', 'q', 'workflow', 'd:v3'),
    ]);
    expect(toV3.map((task) => task?.pinned)).toEqual([true, true, undefined]);
  });

  it('pollers are listed by queue and version since a time, and forgotten when their worker stops', async () => {
    const poller = {
      namespace: 'default',
      taskQueue: 'q',
      kind: 'workflow' as const,
      identity: 'w1',
      deploymentName: 'd',
      buildId: 'v1',
      lastAccessMs: 100,
    };
    await store.transaction(async (tx) => {
      await tx.recordPoller(poller);
      await tx.recordPoller({ ...poller, lastAccessMs: 200 });
      await tx.recordPoller({ ...poller, identity: 'w2', deploymentName: '', buildId: '', lastAccessMs: 50 });
    });
    const listed = await store.transaction(async (tx) => ({
      recent: await tx.listPollers('default', { sinceMs: 100 }),
      all: await tx.listPollers('default', { sinceMs: 0, taskQueue: 'q' }),
      ofVersion: await tx.listPollers('default', { sinceMs: 0, deploymentName: 'd', buildId: 'v1' }),
    }));
    expect(listed.recent).toEqual([{ ...poller, lastAccessMs: 200 }]);
    expect(listed.all.map((p) => p.identity)).toEqual(['w1', 'w2']);
    expect(listed.ofVersion.map((p) => p.identity)).toEqual(['w1']);
    await store.transaction((tx) => tx.deletePollers('default', 'w1'));
    expect(
      (await store.transaction((tx) => tx.listPollers('default', { sinceMs: 0 }))).map((p) => p.identity),
    ).toEqual(['w2']);
  });

  it('a version row keeps its count when its times are rewritten, and goes with its queues when deleted', async () => {
    await store.transaction((tx) => tx.adjustOpenPinned('default', 'd', 'v1', 2, 10));
    await store.transaction(async (tx) => {
      const version = await tx.getDeploymentVersion('default', 'd', 'v1');
      if (!version) throw new Error('missing version');
      await tx.putDeploymentVersion({ ...version, openPinned: 0, currentSinceMs: 50, firstActivationMs: 50 });
      await tx.addVersionTaskQueue(queue('v1'));
    });
    const versions = await store.transaction((tx) => tx.listDeploymentVersions('default', 'd'));
    expect(versions).toEqual([
      expect.objectContaining({ openPinned: 2, currentSinceMs: 50, firstActivationMs: 50 }),
    ]);
    await store.transaction((tx) => tx.deleteDeploymentVersion('default', 'd', 'v1'));
    expect(await store.transaction((tx) => tx.listVersionTaskQueues('default', 'd'))).toEqual([]);
    expect(await store.transaction((tx) => tx.getDeploymentVersion('default', 'd', 'v1'))).toBeUndefined();
  });
});

function queue(buildId: string) {
  return { namespace: 'default', deploymentName: 'd', buildId, taskQueue: 'q', kind: 'workflow' as const };
}
