/**
 * Exact drainage (V8), the versioning search attributes (V7) and version deletion (V9), on the store the
 * project runs (SQLite and PostgreSQL). Workflows are pinned by overrides and driven through raw workflow
 * tasks, so every kind of execution write is met: start, override, terminate, complete, continue-as-new.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection, ServiceError } from '../../src/client/index.js';
import type { WorkerDeploymentVersion } from '../../src/common/versioning.js';
import { overrideToProto } from '../../src/common/versioning-proto.js';
import type { Command } from '../../src/gen/strata/v1/command_pb.js';
import { VersioningBehavior } from '../../src/gen/strata/v1/deployment_pb.js';
import { eventually } from '../helpers/strata-server.js';
import { command, useTestServer, type WorkflowClient, waitForClose } from './helpers.js';

const deploymentName = 'drain/prod';
const v2: WorkerDeploymentVersion = { deploymentName, buildId: 'v2' };
const v3: WorkerDeploymentVersion = { deploymentName, buildId: 'v3' };

describe('worker deployment drainage', () => {
  const t = useTestServer();
  let connection: Connection;
  let client: Client;
  beforeAll(async () => {
    connection = await Connection.connect({ address: t.server.address });
    client = new Client({ connection });
  });
  afterAll(() => connection?.close());

  async function startPinned(workflowId: string, taskQueue: string, version: WorkerDeploymentVersion) {
    const response = await t.client.startWorkflowExecution({
      namespace: 'default',
      workflowId,
      workflowType: { name: 'Pinned' },
      taskQueue,
      requestId: `${workflowId}-start`,
      versioningOverride: overrideToProto({ pinnedTo: version }),
    });
    return response.runId;
  }

  async function summary(version: WorkerDeploymentVersion) {
    const description = await client.workerDeployments.describe(version.deploymentName);
    const found = description.versionSummaries.find((entry) => entry.version.buildId === version.buildId);
    if (!found) throw new Error(`no version ${version.buildId}`);
    return found;
  }

  async function runningOn(version: WorkerDeploymentVersion): Promise<string[]> {
    const ids: string[] = [];
    const query = `TemporalWorkerDeploymentVersion = "${version.deploymentName}:${version.buildId}" and TemporalWorkerVersioningBehavior = "Pinned" and Status = "Running"`;
    for await (const info of client.workflow.list({ query })) ids.push(info.workflowId);
    return ids.sort();
  }

  /** Polls the queue as a worker of `version` and answers its workflow task with `commands`. */
  async function complete(
    raw: WorkflowClient,
    taskQueue: string,
    version: WorkerDeploymentVersion,
    commands: Command[],
  ) {
    const deploymentOptions = { version, useWorkerVersioning: true, defaultVersioningBehavior: 1 };
    const task = await raw.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue,
      taskQueueKind: 1,
      identity: `worker-${version.buildId}`,
      deploymentOptions,
    });
    expect(task.taskToken.length).toBeGreaterThan(0);
    await raw.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: task.taskToken,
      commands,
      identity: `worker-${version.buildId}`,
      deploymentOptions,
      versioningBehavior: VersioningBehavior.PINNED,
    });
    return task;
  }

  it('V8: the runbook case: a version never current, pinned by overrides, is DRAINING until the last of them closes, then DRAINED', async () => {
    const patch = { deploymentName: 'runbook/prod', buildId: 'v1.2.1-4543' };
    await startPinned('runbook-1', 'runbook-q', patch);
    await startPinned('runbook-2', 'runbook-q', patch);
    const draining = await summary(patch);
    expect(draining).toMatchObject({ status: 'DRAINING', openPinnedWorkflows: 2 });
    expect(draining.firstActivationTime).toBeUndefined();
    await client.workflow.getHandle('runbook-1').terminate();
    // Still draining, since the same time: the count did not reach zero.
    expect(await summary(patch)).toMatchObject({
      status: 'DRAINING',
      openPinnedWorkflows: 1,
      drainageInfo: draining.drainageInfo,
    });
    const lastClose = Date.now();
    await client.workflow.getHandle('runbook-2').terminate();
    const drained = await summary(patch);
    expect(drained).toMatchObject({ status: 'DRAINED', openPinnedWorkflows: 0 });
    expect(drained.drainageInfo?.status).toBe('DRAINED');
    expect(drained.drainageInfo?.lastChangedTime.getTime()).toBeGreaterThanOrEqual(lastClose - 1000);
  });

  it('V8: counts stay exact through start, override, terminate, complete and continue-as-new', async () => {
    const queue = 'drain-q';
    const startedAt = Date.now();
    for (const id of ['a', 'b', 'c']) await startPinned(`drain-${id}`, queue, v2);
    let v2Summary = await summary(v2);
    // Never current or ramping: pinned by overrides only, yet draining (the runbook's case).
    expect(v2Summary).toMatchObject({ status: 'DRAINING', openPinnedWorkflows: 3 });
    expect(v2Summary.drainageInfo?.status).toBe('DRAINING');
    expect(v2Summary.drainageInfo?.lastChangedTime.getTime()).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(await runningOn(v2)).toEqual(['drain-a', 'drain-b', 'drain-c']);

    // V5 override: a moves to v3, in the same transaction as both counts.
    await client.workflow.getHandle('drain-a').updateOptions({ versioningOverride: { pinnedTo: v3 } });
    expect((await summary(v2)).openPinnedWorkflows).toBe(2);
    expect(await summary(v3)).toMatchObject({ status: 'DRAINING', openPinnedWorkflows: 1 });
    expect(await runningOn(v2)).toEqual(['drain-b', 'drain-c']);
    expect(await runningOn(v3)).toEqual(['drain-a']);
    const described = await client.workflow.getHandle('drain-a').describe();
    expect(described.versioningInfo).toMatchObject({
      versioningOverride: { pinnedTo: v3 },
      effectiveBehavior: 'PINNED',
      pinnedVersion: v3,
    });
    expect(described.searchAttributes).toMatchObject({
      WorkerDeploymentVersion: [`${deploymentName}:v3`],
      WorkerDeployment: [deploymentName],
      WorkflowVersioningBehavior: ['Pinned'],
    });

    await client.workflow.getHandle('drain-b').terminate('done with it');
    expect((await summary(v2)).openPinnedWorkflows).toBe(1);

    // c completes on a v2 worker: v2 is drained, and says since when.
    const beforeClose = Date.now();
    await complete(t.client, queue, v2, [command({ case: 'completeWorkflowExecution', value: {} })]);
    await waitForClose(t.client, 'drain-c');
    v2Summary = await summary(v2);
    expect(v2Summary).toMatchObject({ status: 'DRAINED', openPinnedWorkflows: 0 });
    expect(v2Summary.drainageInfo?.status).toBe('DRAINED');
    expect(v2Summary.drainageInfo?.lastChangedTime.getTime()).toBeGreaterThanOrEqual(beforeClose - 1000);
    expect(await runningOn(v2)).toEqual([]);

    // a continues as new on v3: the new run inherits the pinned override, so v3 still counts one.
    await complete(t.client, queue, v3, [
      command({
        case: 'continueAsNewWorkflowExecution',
        value: { workflowType: { name: 'Pinned' }, taskQueue: queue },
      }),
    ]);
    const next = await client.workflow.getHandle('drain-a').describe();
    expect(next.status.name).toBe('RUNNING');
    expect(next.versioningInfo?.pinnedVersion).toEqual(v3);
    expect(await summary(v3)).toMatchObject({ status: 'DRAINING', openPinnedWorkflows: 1 });
    expect(await runningOn(v3)).toEqual(['drain-a']);
    await client.workflow.getHandle('drain-a').terminate();
    expect(await summary(v3)).toMatchObject({ status: 'DRAINED', openPinnedWorkflows: 0 });
  });

  it('V8: a workflow pinned by the worker that completes its first task counts for that version', async () => {
    const version = { deploymentName: 'behavior/prod', buildId: 'b1' };
    // The worker's poll registers its version and waits; the version becomes current; the start reaches it.
    const polled = complete(t.client, 'behavior-q', version, []);
    await eventually(
      () => client.workerDeployments.describeVersion(version).catch(() => undefined),
      10_000,
      'the version to be registered by its poll',
    );
    await client.workerDeployments.setCurrentVersion(version.deploymentName, version.buildId);
    await t.client.startWorkflowExecution({
      namespace: 'default',
      workflowId: 'behavior-1',
      workflowType: { name: 'Pinned' },
      taskQueue: 'behavior-q',
      requestId: 'behavior-1-start',
    });
    await polled;
    expect(await summary(version)).toMatchObject({ status: 'CURRENT', openPinnedWorkflows: 1 });
    const listed = [];
    for await (const info of client.workflow.list({ query: 'WorkflowId = "behavior-1"' })) listed.push(info);
    expect(listed[0]?.versioningInfo).toMatchObject({ behavior: 'PINNED', version, pinnedVersion: version });
    expect(await runningOn(version)).toEqual(['behavior-1']);
    await client.workflow.getHandle('behavior-1').terminate();
    expect(await summary(version)).toMatchObject({ status: 'CURRENT', openPinnedWorkflows: 0 });
  });

  it('V8: concurrent starts and terminations never lose a count', async () => {
    const version = { deploymentName, buildId: 'v-many' };
    const ids = Array.from({ length: 16 }, (_, i) => `many-${i}`);
    await Promise.all(ids.map((id) => startPinned(id, 'many-q', version)));
    expect(await summary(version)).toMatchObject({ status: 'DRAINING', openPinnedWorkflows: ids.length });
    await Promise.all(ids.map((id) => client.workflow.getHandle(id).terminate()));
    expect(await summary(version)).toMatchObject({ status: 'DRAINED', openPinnedWorkflows: 0 });
  });

  it('V9: a draining version is not deleted without --force; forced, its workflows close without it', async () => {
    const version = { deploymentName, buildId: 'v-delete' };
    await startPinned('delete-1', 'delete-q', version);
    const refused = await client.workerDeployments.deleteVersion(version).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ServiceError);
    expect((refused as ServiceError).code).toBe(Code.FailedPrecondition);
    expect((refused as ServiceError).message).toContain(
      'cannot delete worker deployment version "drain/prod:v-delete": 1 open workflow is pinned to it',
    );
    await client.workerDeployments.deleteVersion(version, { skipDrainage: true });
    await client.workflow.getHandle('delete-1').terminate();
    const versions = (await client.workerDeployments.describe(deploymentName)).versionSummaries;
    expect(versions.map((entry) => entry.version.buildId)).not.toContain('v-delete');
  });

  it('V9: a deployment is deleted only once it has no versions; unknown names say how to list them', async () => {
    const name = 'short-lived';
    const version = { deploymentName: name, buildId: 'only' };
    await startPinned('short-1', 'short-q', version);
    await client.workflow.getHandle('short-1').terminate();
    const refused = await client.workerDeployments.delete(name).catch((error: unknown) => error);
    expect((refused as ServiceError).code).toBe(Code.FailedPrecondition);
    expect((refused as ServiceError).message).toContain('it still has 1 version (only)');
    await client.workerDeployments.deleteVersion(version);
    await client.workerDeployments.delete(name);
    expect((await client.workerDeployments.list()).map((entry) => entry.name)).not.toContain(name);

    const missing = await client.workerDeployments.describe(name).catch((error: unknown) => error);
    expect((missing as ServiceError).code).toBe(Code.NotFound);
    expect((missing as ServiceError).message).toContain(
      '[DEPLOYMENT_NOT_FOUND] worker deployment "short-lived" not found in namespace "default"; list the deployments with: strata worker deployment list',
    );
    const missingVersion = await client.workerDeployments
      .describeVersion({ deploymentName, buildId: 'nope' })
      .catch((error: unknown) => error);
    expect((missingVersion as ServiceError).message).toContain(
      '[DEPLOYMENT_VERSION_NOT_FOUND] worker deployment version "drain/prod:nope" not found',
    );
    const raw = await t.client
      .describeWorkerDeploymentVersion({
        namespace: 'default',
        version: { deploymentName: '', buildId: 'x' },
      })
      .catch((error: unknown) => error);
    expect(ConnectError.from(raw).code).toBe(Code.InvalidArgument);
  });
});
