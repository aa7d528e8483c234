/**
 * P9: the guide's three stages end to end, on a time-skipping server with real workers: which histories replay on
 * which versions, which branch runs, which markers are recorded, and the non-determinism errors.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from 'strata/client';
import { TestWorkflowEnvironment } from 'strata/testing';
import { bundleWorkflowCode, DeterminismViolationError, Worker, type WorkflowBundle } from 'strata/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patchMarkerOfEvent } from '../../src/common/patch-marker-proto.js';
import type { History } from '../../src/gen/strata/v1/history_pb.js';
import { eventually } from '../../test/helpers/strata-server.js';
import * as activities from './activities.js';

const versions = ['v1', 'v2', 'v3', 'vFinal'] as const;
type Version = (typeof versions)[number];
const taskQueue = 'patching';
const bundles = {} as Record<Version, WorkflowBundle>;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping();
  await Promise.all(
    versions.map(async (v) => {
      const workflowsPath = fileURLToPath(new URL(`./workflows-${v}.ts`, import.meta.url));
      bundles[v] = await bundleWorkflowCode({ workflowsPath });
    }),
  );
});

afterAll(async () => {
  await env?.teardown();
});

/** A worker of `version`, as a deployment of new processes: no cached runs, so each task replays its history. */
function workerOf(version: Version): Promise<Worker> {
  return Worker.create({
    connection: env.connection,
    taskQueue,
    workflowBundle: bundles[version],
    activities,
    maxCachedWorkflows: 0,
  });
}

const sleeping = (history: History) =>
  history.events.some((e) => e.attributes.case === 'timerStartedEventAttributes');

/** Starts myWorkflow on workers of `version` and runs them until the workflow sleeps its day. */
async function startUntilSleeping(version: Version, workflowId: string): Promise<WorkflowHandle> {
  const worker = await workerOf(version);
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start('myWorkflow', { taskQueue, workflowId });
    await eventually(async () => sleeping(await handle.fetchHistory()), 10_000, `${workflowId} to sleep`);
    return handle;
  });
}

/** Deploys `version` and waits for the workflow to complete (time skips over its sleep). */
async function finishOn(version: Version, handle: WorkflowHandle): Promise<void> {
  await (await workerOf(version)).runUntil(handle.result());
}

function activityTypes(history: History): string[] {
  return history.events.flatMap((e) =>
    e.attributes.case === 'activityTaskScheduledEventAttributes'
      ? [e.attributes.value.activityType?.name ?? '']
      : [],
  );
}

function markers(history: History) {
  return history.events.flatMap((e) => {
    const marker = patchMarkerOfEvent(e);
    return marker === undefined ? [] : [marker];
  });
}

/** Replays `history` on each version: `ok`, or the error's message. */
async function replayOn(history: History): Promise<Record<Version, string>> {
  const outcome = {} as Record<Version, string>;
  for (const v of versions) {
    outcome[v] = await Worker.runReplayHistory({ workflowBundle: bundles[v] }, history).then(
      () => 'ok',
      (err: unknown) =>
        err instanceof DeterminismViolationError ? err.message : `not an NDE: ${String(err)}`,
    );
  }
  return outcome;
}

describe('P9: the guide’s three stages', () => {
  it('P9: v1 histories replay on v2 (old branch) and fail on v3 and vFinal, naming the first diverging event', async () => {
    const handle = await startUntilSleeping('v1', 'p9-v1');
    const outcome = await replayOn(await handle.fetchHistory());
    expect(outcome.v1).toBe('ok');
    expect(outcome.v2).toBe('ok');
    const divergence =
      '[NDE] workflow "p9-v1" run "' +
      (await handle.describe()).runId +
      '" (type "myWorkflow"): at event 5 the history has ActivityTaskScheduled (activity type "activityA", activity id "1") ' +
      'but the code produced ScheduleActivityTask (activity type "activityB", activity id "1") (a different activity type). ';
    expect(outcome.v3).toBe(
      `${divergence}This run has no marker for patch "my-change-id": it started before the patch and runs the old code, ` +
        "but the code calls `deprecatePatch('my-change-id')`, which is safe only once no such run is open. Deploy the " +
        "version with `if (patched('my-change-id')) { new code } else { old code }` until " +
        '`strata workflow patch-status my-change-id` reports no open workflow without the marker.',
    );
    expect(outcome.vFinal).toBe(
      `${divergence}If this change is intended, wrap the new code in ` +
        "`if (patched('my-change-id')) { new code } else { old code }` so that workflows which started before it " +
        'keep the old code (docs/versioning.md), or start new workflows under a new workflow type or task queue.',
    );

    // Deploying v2: the v1 workflow wakes up on v2 code, replays without the marker and keeps the old branch.
    await finishOn('v2', handle);
    const history = await handle.fetchHistory();
    expect(activityTypes(history)).toEqual(['activityA', 'activityThatMustRunAfterA']);
    expect(markers(history)).toEqual([]);
    expect((await replayOn(history)).v2).toBe('ok');
  });

  it('P9: v2 histories that recorded the marker replay on v2 and v3 and fail on vFinal', async () => {
    const handle = await startUntilSleeping('v2', 'p9-v2');
    const history = await handle.fetchHistory();
    expect(activityTypes(history)).toEqual(['activityB']);
    expect(markers(history)).toEqual([{ id: 'my-change-id', deprecated: false }]);
    const outcome = await replayOn(history);
    expect(outcome.v2).toBe('ok');
    expect(outcome.v3).toBe('ok');
    expect(outcome.v1).toMatch(/at event 5 the history has MarkerRecorded \(patch "my-change-id"\)/);
    expect(outcome.vFinal).toMatch(
      /at event 5 the history has MarkerRecorded \(patch "my-change-id"\) but the code produced ScheduleActivityTask \(activity type "activityB", activity id "1"\) \(a different kind of command\)\. This run recorded patch "my-change-id" at event 5/,
    );

    // Deploying v3: the v2 workflow finishes on v3 code; deprecatePatch matched the marker and recorded nothing new.
    await finishOn('v3', handle);
    const finished = await handle.fetchHistory();
    expect(activityTypes(finished)).toEqual(['activityB']);
    expect(markers(finished)).toEqual([{ id: 'my-change-id', deprecated: false }]);
  });

  it('P9: v3 histories replay on v3, vFinal and v2 (patched branch), so v2 and v3 workers can run side by side', async () => {
    const handle = await startUntilSleeping('v3', 'p9-v3');
    const history = await handle.fetchHistory();
    expect(markers(history)).toEqual([{ id: 'my-change-id', deprecated: true }]);
    const outcome = await replayOn(history);
    expect([outcome.v2, outcome.v3, outcome.vFinal]).toEqual(['ok', 'ok', 'ok']);
    // v1 skips the deprecated marker, then meets activityB where it schedules activityA.
    expect(outcome.v1).toMatch(
      /at event 6 the history has ActivityTaskScheduled \(activity type "activityB"/,
    );

    // A v2 worker still running during the v3 rollout picks the workflow up and takes the patched branch.
    await finishOn('v2', handle);
    expect(activityTypes(await handle.fetchHistory())).toEqual(['activityB']);
  });

  it('P9: a v2 history exported from Temporal (marker, then its TemporalChangeVersion upsert) replays on v2 and v3, not vFinal', async () => {
    const exported = JSON.parse(
      await readFile(new URL('./histories/my-workflow-v2-temporal.json', import.meta.url), 'utf8'),
    ) as { events: unknown[] };
    const outcome = await replayOn(exported as unknown as History);
    expect([outcome.v2, outcome.v3]).toEqual(['ok', 'ok']);
    expect(outcome.vFinal).toMatch(
      /^\[NDE\] workflow "guide-v2-temporal" .*at event 5 the history has MarkerRecorded \(patch "my-change-id"\)/,
    );
  });

  it('P9: a v1 workflow on vFinal fails its workflow task, stays open, and v2 resumes it', async () => {
    const handle = await startUntilSleeping('v1', 'p9-stuck');
    const broken = await workerOf('vFinal');
    await broken.runUntil(async () => {
      // A round trip first: the server must have seen the v1 worker's polls end, or the day's first task could go
      // to one of them and be lost until the workflow task timeout (10 s).
      await handle.describe();
      await env.sleep('1 day');
      await eventually(
        async () => (await handle.describe()).pendingWorkflowTask?.lastFailure !== undefined,
        10_000,
        'the workflow task to fail on vFinal',
      );
    });
    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.pendingWorkflowTask?.lastFailure?.message).toMatch(
      /^\[NDE\] workflow "p9-stuck" .*at event 5 the history has ActivityTaskScheduled \(activity type "activityA"/,
    );

    await finishOn('v2', handle);
    expect(activityTypes(await handle.fetchHistory())).toEqual(['activityA', 'activityThatMustRunAfterA']);
  });
});

describe('P8: the Patches search attribute', () => {
  it('P8: each marker adds its id to Patches (alias TemporalChangeVersion), so runs can be listed by patch', async () => {
    const v1 = await startUntilSleeping('v1', 'p8-v1');
    const v2 = await startUntilSleeping('v2', 'p8-v2');
    const v3 = await startUntilSleeping('v3', 'p8-v3');
    const ids = async (query: string) => {
      const found: string[] = [];
      for await (const info of env.client.workflow.list({ query })) found.push(info.workflowId);
      return found.filter((id) => id.startsWith('p8-')).sort();
    };
    expect(await ids('Patches = "my-change-id"')).toEqual(['p8-v2', 'p8-v3']);
    expect(await ids('TemporalChangeVersion = "my-change-id" AND ExecutionStatus = "Running"')).toEqual([
      'p8-v2',
      'p8-v3',
    ]);
    expect(await ids('WorkflowId = "p8-v1" AND Patches = "my-change-id"')).toEqual([]);
    expect((await v2.describe()).searchAttributes.Patches).toEqual(['my-change-id']);
    expect((await v1.describe()).searchAttributes.Patches).toBeUndefined();
    for (const handle of [v1, v2, v3]) await handle.terminate('done');
  });
});
