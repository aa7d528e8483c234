import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { rampBucket } from '../../src/common/versioning.js';
import { VersioningBehavior, WorkerDeploymentOptionsSchema } from '../../src/gen/strata/v1/deployment_pb.js';
import { EventType } from '../../src/gen/strata/v1/history_pb.js';
import type { PollWorkflowTaskQueueResponse } from '../../src/gen/strata/v1/service_pb.js';
import {
  command,
  fromJson,
  history,
  json,
  startWorkflow,
  useTestServer,
  type WorkflowClient,
} from './helpers.js';

/** Routing by version through the raw API (V2-V6); test/versioning/ has the same with real worker processes. */
const deployment = 'orders/prod';

function options(buildId: string) {
  return create(WorkerDeploymentOptionsSchema, {
    version: { deploymentName: deployment, buildId },
    useWorkerVersioning: true,
    defaultVersioningBehavior: VersioningBehavior.PINNED,
  });
}

/** One workflow poll as a worker of `buildId` ('' = unversioned); empty after the server's short long poll. */
async function poll(
  client: WorkflowClient,
  taskQueue: string,
  buildId: string,
): Promise<PollWorkflowTaskQueueResponse> {
  return client.pollWorkflowTaskQueue({
    namespace: 'default',
    taskQueue,
    taskQueueKind: 1,
    identity: `worker-${buildId || 'unversioned'}`,
    deploymentOptions: buildId ? options(buildId) : undefined,
  });
}

async function complete(
  client: WorkflowClient,
  task: PollWorkflowTaskQueueResponse,
  buildId: string,
  behavior = VersioningBehavior.PINNED,
): Promise<void> {
  await client.respondWorkflowTaskCompleted({
    namespace: 'default',
    taskToken: task.taskToken,
    commands: [],
    identity: `worker-${buildId}`,
    deploymentOptions: buildId ? options(buildId) : undefined,
    versioningBehavior: buildId ? behavior : VersioningBehavior.UNSPECIFIED,
  });
}

async function signal(client: WorkflowClient, workflowId: string): Promise<void> {
  await client.signalWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId },
    signalName: 'go',
    identity: 'test',
  });
}

async function setCurrent(
  client: WorkflowClient,
  buildId: string,
  extra: { conflictToken?: Uint8Array; ignoreMissingTaskQueues?: boolean } = {},
) {
  return client.setWorkerDeploymentCurrentVersion({
    namespace: 'default',
    deploymentName: deployment,
    buildId,
    identity: 'operator',
    ...extra,
  });
}

describe('worker versioning: routing (raw API)', () => {
  const t = useTestServer({ limits: { longPollTimeoutMs: 300 } });

  it('V2 V3 V4: new workflows go to the current version, pinned ones stay (queries and updates too), stale conflict tokens are refused', async () => {
    const queue = 'routing-v2';
    // Both versions register on their first poll; nothing is routed to them yet.
    expect((await poll(t.client, queue, 'a')).taskToken).toHaveLength(0);
    expect((await poll(t.client, queue, 'b')).taskToken).toHaveLength(0);
    const first = await setCurrent(t.client, 'a');
    expect(first.previousVersion).toBeUndefined();

    await startWorkflow(t.client, 'v2-pinned', queue);
    expect((await poll(t.client, queue, 'b')).taskToken).toHaveLength(0);
    const taskA = await poll(t.client, queue, 'a');
    expect(taskA.workflowExecution?.workflowId).toBe('v2-pinned');
    await complete(t.client, taskA, 'a');
    const described = await t.client.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: 'v2-pinned' },
    });
    expect(described.workflowExecutionInfo?.versioningInfo).toMatchObject({
      behavior: VersioningBehavior.PINNED,
      pinnedVersion: { deploymentName: deployment, buildId: 'a' },
    });

    const moved = await setCurrent(t.client, 'b', { conflictToken: first.conflictToken });
    expect(moved.previousVersion).toMatchObject({ buildId: 'a' });
    // The token of the first change is stale now.
    await expect(setCurrent(t.client, 'a', { conflictToken: first.conflictToken })).rejects.toThrow(
      /\[FAILED_PRECONDITION\] the routing of worker deployment "orders\/prod" changed since it was read \(conflict token 1, now 2, last changed by operator\)/,
    );

    // New workflows go to b; the pinned one stays on a.
    await startWorkflow(t.client, 'v2-new', queue);
    await signal(t.client, 'v2-pinned');
    const taskB = await poll(t.client, queue, 'b');
    expect(taskB.workflowExecution?.workflowId).toBe('v2-new');
    const taskA2 = await poll(t.client, queue, 'a');
    expect(taskA2.workflowExecution?.workflowId).toBe('v2-pinned');
    await complete(t.client, taskA2, 'a');
    // A query of the pinned workflow goes to the pollers of its version only.
    const answer = t.client.queryWorkflow({
      namespace: 'default',
      execution: { workflowId: 'v2-pinned' },
      query: { queryType: 'where' },
    });
    expect((await poll(t.client, queue, 'b')).taskToken).toHaveLength(0);
    const queryTask = await poll(t.client, queue, 'a');
    expect(queryTask.query?.queryType).toBe('where');
    await t.client.respondQueryTaskCompleted({
      namespace: 'default',
      taskToken: queryTask.taskToken,
      queryResult: json('on a'),
    });
    expect(fromJson((await answer).queryResult)).toBe('on a');
    // So does an update's speculative workflow task.
    const update = t.client.updateWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: 'v2-pinned' },
      waitPolicy: { lifecycleStage: 3 },
      request: { meta: { updateId: 'u1', identity: 'test' }, input: { name: 'setValue', args: json(1) } },
    });
    expect((await poll(t.client, queue, 'b')).taskToken).toHaveLength(0);
    const updateTask = await poll(t.client, queue, 'a');
    const [message] = updateTask.updateRequests;
    expect(message?.request?.input?.name).toBe('setValue');
    await t.client.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: updateTask.taskToken,
      identity: 'worker-a',
      deploymentOptions: options('a'),
      versioningBehavior: VersioningBehavior.PINNED,
      commands: [
        command({
          case: 'rejectWorkflowUpdate',
          value: {
            protocolInstanceId: message?.protocolInstanceId ?? '',
            rejectedRequestMessageId: message?.id ?? '',
            rejectedRequest: message?.request,
            failure: { message: 'no', source: 'test' },
          },
        }),
      ],
    });
    // The call returned once the update was admitted (the test server's waits are short).
    expect((await update).updateRef?.updateId).toBe('u1');
    const completed = (await history(t.client, 'v2-pinned')).find(
      (event) => event.eventType === EventType.WORKFLOW_TASK_COMPLETED,
    );
    expect(completed?.attributes.value).toMatchObject({
      deploymentVersion: { deploymentName: deployment, buildId: 'a' },
      versioningBehavior: VersioningBehavior.PINNED,
    });
  });

  it('V3: a ramp sends the workflows whose bucket is below the percentage to the ramping version', async () => {
    const queue = 'routing-v3';
    const name = 'ramp/prod';
    const opts = (buildId: string) =>
      create(WorkerDeploymentOptionsSchema, {
        version: { deploymentName: name, buildId },
        useWorkerVersioning: true,
        defaultVersioningBehavior: VersioningBehavior.PINNED,
      });
    const pollAs = (buildId: string) =>
      t.client.pollWorkflowTaskQueue({
        namespace: 'default',
        taskQueue: queue,
        taskQueueKind: 1,
        identity: buildId,
        deploymentOptions: opts(buildId),
      });
    await pollAs('one');
    await pollAs('two');
    await t.client.setWorkerDeploymentCurrentVersion({
      namespace: 'default',
      deploymentName: name,
      buildId: 'one',
    });
    await t.client.setWorkerDeploymentRampingVersion({
      namespace: 'default',
      deploymentName: name,
      buildId: 'two',
      percentage: 50,
    });
    const ids = Array.from({ length: 8 }, (_, i) => `ramp-${i}`);
    for (const id of ids) await startWorkflow(t.client, id, queue);
    const expected = {
      one: ids.filter((id) => rampBucket(id) >= 50).sort(),
      two: ids.filter((id) => rampBucket(id) < 50).sort(),
    };
    expect(expected.one.length).toBeGreaterThan(0);
    expect(expected.two.length).toBeGreaterThan(0);
    for (const buildId of ['one', 'two'] as const) {
      const got: string[] = [];
      for (;;) {
        const task = await pollAs(buildId);
        if (task.taskToken.length === 0) break;
        got.push(task.workflowExecution?.workflowId ?? '');
      }
      expect(got.sort()).toEqual(expected[buildId]);
    }
    // Removing the ramp: build id '' and 0 %.
    const removed = await t.client.setWorkerDeploymentRampingVersion({
      namespace: 'default',
      deploymentName: name,
      buildId: '',
      percentage: 0,
    });
    expect(removed).toMatchObject({ previousVersion: { buildId: 'two' }, previousPercentage: 50 });
  });

  it('V6: a version without pollers cannot become current unless forced', async () => {
    const queue = 'routing-v6';
    const name = 'v6/prod';
    const opts = (buildId: string) =>
      create(WorkerDeploymentOptionsSchema, {
        version: { deploymentName: name, buildId },
        useWorkerVersioning: true,
        defaultVersioningBehavior: VersioningBehavior.PINNED,
      });
    await t.client.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: queue,
      identity: 'w1',
      deploymentOptions: opts('1'),
    });
    await t.client.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: queue,
      identity: 'w2',
      deploymentOptions: opts('2'),
    });
    await t.client.setWorkerDeploymentCurrentVersion({
      namespace: 'default',
      deploymentName: name,
      buildId: '1',
    });
    // The worker of version 2 stops: it leaves the queue's pollers at once.
    await t.client.shutdownWorker({ namespace: 'default', identity: 'w2' });
    const described = await t.client.describeTaskQueue({ namespace: 'default', taskQueue: queue });
    expect(described.pollers.map((poller) => poller.identity)).toEqual(['w1']);
    await expect(
      t.client.setWorkerDeploymentCurrentVersion({
        namespace: 'default',
        deploymentName: name,
        buildId: '2',
      }),
    ).rejects.toThrow(
      /\[FAILED_PRECONDITION\] version v6\/prod:2 has no pollers on "routing-v6" \(workflow\), which the current version v6\/prod:1 serves; .*--force/,
    );
    const forced = await t.client.setWorkerDeploymentCurrentVersion({
      namespace: 'default',
      deploymentName: name,
      buildId: '2',
      ignoreMissingTaskQueues: true,
    });
    expect(forced.previousVersion).toMatchObject({ buildId: '1' });
  });

  it('V5: an override moves a pinned workflow to another version at its next task; removing it restores its own', async () => {
    const queue = 'routing-v5';
    const name = 'v5/prod';
    const opts = (buildId: string) =>
      create(WorkerDeploymentOptionsSchema, {
        version: { deploymentName: name, buildId },
        useWorkerVersioning: true,
        defaultVersioningBehavior: VersioningBehavior.PINNED,
      });
    const pollAs = (buildId: string) =>
      t.client.pollWorkflowTaskQueue({
        namespace: 'default',
        taskQueue: queue,
        taskQueueKind: 1,
        identity: buildId,
        deploymentOptions: opts(buildId),
      });
    const completeAs = (task: PollWorkflowTaskQueueResponse, buildId: string) =>
      t.client.respondWorkflowTaskCompleted({
        namespace: 'default',
        taskToken: task.taskToken,
        commands: [],
        identity: buildId,
        deploymentOptions: opts(buildId),
        versioningBehavior: VersioningBehavior.PINNED,
      });
    await pollAs('old');
    await pollAs('patch');
    await t.client.setWorkerDeploymentCurrentVersion({
      namespace: 'default',
      deploymentName: name,
      buildId: 'old',
    });
    await startWorkflow(t.client, 'v5-wf', queue);
    const first = await pollAs('old');
    // Its activity goes to a queue no deployment serves: unversioned workers take it, override or not.
    await t.client.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: first.taskToken,
      identity: 'old',
      deploymentOptions: opts('old'),
      versioningBehavior: VersioningBehavior.PINNED,
      commands: [
        command({
          case: 'scheduleActivityTask',
          value: {
            activityId: 'a1',
            activityType: { name: 'work' },
            taskQueue: 'routing-v5-plain',
            startToCloseTimeoutMs: 5000,
          },
        }),
      ],
    });

    const update = (versioningOverride: unknown) =>
      t.client.updateWorkflowExecutionOptions({
        namespace: 'default',
        workflowId: 'v5-wf',
        workflowExecutionOptions: { versioningOverride: versioningOverride as never },
        updatePaths: ['versioning_override'],
        identity: 'operator',
      });
    const pinPatch = {
      behavior: VersioningBehavior.PINNED,
      pinnedVersion: { deploymentName: name, buildId: 'patch' },
    };
    await update(pinPatch);
    // The same override again changes nothing and writes nothing.
    await update(pinPatch);
    const activity = await t.client.pollActivityTaskQueue({
      namespace: 'default',
      taskQueue: 'routing-v5-plain',
      identity: 'plain',
    });
    expect(activity.activityId).toBe('a1');
    await signal(t.client, 'v5-wf');
    expect((await pollAs('old')).taskToken).toHaveLength(0);
    const onPatch = await pollAs('patch');
    expect(onPatch.workflowExecution?.workflowId).toBe('v5-wf');
    await completeAs(onPatch, 'patch');

    await update(undefined);
    await signal(t.client, 'v5-wf');
    // Its own behavior: pinned to the version that completed its last task (patch).
    expect((await pollAs('patch')).workflowExecution?.workflowId).toBe('v5-wf');

    const events = await history(t.client, 'v5-wf');
    const updates = events.filter(
      (event) => event.eventType === EventType.WORKFLOW_EXECUTION_OPTIONS_UPDATED,
    );
    expect(updates.map((event) => event.attributes.value)).toMatchObject([
      { versioningOverride: pinPatch, identity: 'operator' },
      { unsetVersioningOverride: true },
    ]);
    await expect(
      t.client.updateWorkflowExecutionOptions({
        namespace: 'default',
        workflowId: 'v5-wf',
        workflowExecutionOptions: { versioningOverride: { behavior: VersioningBehavior.PINNED } },
      }),
    ).rejects.toThrow(
      /\[INVALID_ARGUMENT\] workflow_execution_options.versioning_override: a PINNED versioning override needs the version/,
    );
    await expect(
      t.client.updateWorkflowExecutionOptions({
        namespace: 'default',
        workflowId: 'v5-wf',
        workflowExecutionOptions: {
          versioningOverride: {
            behavior: VersioningBehavior.PINNED,
            pinnedVersion: { deploymentName: 'a:b', buildId: 'v1' },
          },
        },
      }),
    ).rejects.toThrow(
      '[INVALID_ARGUMENT] workflow_execution_options.versioning_override: the deployment name "a:b" contains ":", which separates it from the build id',
    );
  });

  it('V2: unversioned workers serve a deployment queue while no version is current, stop once one is, and serve again when made current', async () => {
    const queue = 'routing-unversioned';
    const name = 'unv/prod';
    const opts = create(WorkerDeploymentOptionsSchema, {
      version: { deploymentName: name, buildId: 'x' },
      useWorkerVersioning: true,
      defaultVersioningBehavior: VersioningBehavior.AUTO_UPGRADE,
    });
    const pollX = () =>
      t.client.pollWorkflowTaskQueue({
        namespace: 'default',
        taskQueue: queue,
        identity: 'x',
        deploymentOptions: opts,
      });
    await pollX();
    await startWorkflow(t.client, 'unv-1', queue);
    const unversioned = await t.client.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: queue,
      identity: 'u',
    });
    expect(unversioned.workflowExecution?.workflowId).toBe('unv-1');
    await t.client.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: unversioned.taskToken,
      commands: [command({ case: 'startTimer', value: { timerId: 't', startToFireTimeoutMs: 3_600_000 } })],
    });
    await t.client.setWorkerDeploymentCurrentVersion({
      namespace: 'default',
      deploymentName: name,
      buildId: 'x',
    });
    await signal(t.client, 'unv-1');
    expect(
      (await t.client.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: queue, identity: 'u' }))
        .taskToken,
    ).toHaveLength(0);
    const onX = await pollX();
    expect(onX.workflowExecution?.workflowId).toBe('unv-1');
    await t.client.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: onX.taskToken,
      commands: [],
      deploymentOptions: opts,
      versioningBehavior: VersioningBehavior.AUTO_UPGRADE,
    });
    // Unversioned workers made current again (build id ''): the auto-upgrade workflow goes back to them.
    const back = await t.client.setWorkerDeploymentCurrentVersion({
      namespace: 'default',
      deploymentName: name,
      buildId: '',
    });
    expect(back.previousVersion).toMatchObject({ deploymentName: name, buildId: 'x' });
    await signal(t.client, 'unv-1');
    expect((await pollX()).taskToken).toHaveLength(0);
    const unversionedAgain = await t.client.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: queue,
      identity: 'u',
    });
    expect(unversionedAgain.workflowExecution?.workflowId).toBe('unv-1');
  });
});
