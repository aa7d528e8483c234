/**
 * `strata worker deployment ...` from the user's side: a real versioned worker polls, workflows are pinned
 * by overrides to a version that never becomes current, and the CLI shows statuses, pollers, task queues,
 * open pinned workflows and drainage times (V8), deletes by the V9 rules, and changes routing (V2).
 */
import { fileURLToPath } from 'node:url';
import { Client, Connection } from 'strata/client';
import { Worker } from 'strata/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StrataServer } from '../../src/server/index.js';
import { runCli } from '../helpers/run-cli.js';
import { eventually, startTestServer } from '../helpers/strata-server.js';
import { waitForApproval } from './workflows.js';

const deploymentName = 'cli/prod';
const taskQueue = 'cli-versions';
const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));

let server: StrataServer;
let connection: Connection;
let client: Client;
let worker: Worker;
let running: Promise<void>;
const cli = (...args: string[]) => runCli([...args, '--address', server.address]);
const deployment = (...args: string[]) => cli('worker', 'deployment', ...args);
/** `--deployment-name cli/prod --build-id <id>` */
const versionFlags = (buildId: string) => ['--deployment-name', deploymentName, '--build-id', buildId];

beforeAll(async () => {
  server = await startTestServer();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath,
    identity: 'worker-v1@test',
    activities: { noop: async () => undefined },
    workerDeploymentOptions: {
      version: { deploymentName, buildId: 'v1' },
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'PINNED',
    },
  });
  running = worker.run();
  await eventually(
    async () => {
      const version = await client.workerDeployments
        .describeVersion({ deploymentName, buildId: 'v1' })
        .catch(() => undefined);
      return version?.taskQueues.some((queue) => queue.pollers.length > 0) || undefined;
    },
    10_000,
    'the v1 worker to be listed as a poller',
  );
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  connection?.close();
  await server?.close();
});

describe('strata worker deployment', () => {
  it('V2: set-current-version asks for --yes without a terminal, then promotes and says what was current; --delete removes a ramp', async () => {
    const refused = await deployment('set-current-version', ...versionFlags('v1'));
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('changing the routing needs confirmation: pass --yes');
    const both = await deployment('set-current-version', ...versionFlags('v1'), '--unversioned', '--yes');
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('give either --build-id or --unversioned, not both');
    const promoted = await deployment('set-current-version', ...versionFlags('v1'), '--yes');
    expect(promoted.stderr).toBe('');
    expect(promoted.stdout).toBe(
      'Current version of "cli/prod" is now cli/prod:v1 (was unversioned workers).\n',
    );
    const unramped = await deployment(
      'set-ramping-version',
      '--deployment-name',
      deploymentName,
      '--delete',
      '--yes',
    );
    expect(unramped.stderr).toBe('');
    expect(unramped.stdout).toBe('Ramp of "cli/prod" removed (was none).\n');
  });

  it('V8: describe shows each version with status, open pinned workflows, drainage, pollers and task queues', async () => {
    const before = Date.now();
    for (const id of ['cli-pin-1', 'cli-pin-2']) {
      await client.workflow.start(waitForApproval, {
        taskQueue,
        workflowId: id,
        versioningOverride: { pinnedTo: { deploymentName, buildId: 'v2-patch' } },
      });
    }
    const described = await deployment('describe', '--name', deploymentName);
    expect(described.stderr).toBe('');
    const lines = described.stdout.split('\n');
    expect(lines[0]).toBe('Name            cli/prod');
    expect(described.stdout).toMatch(/\nCurrentVersion {2}cli\/prod:v1 \(since \d{4}-\d\d-\d\dT[\d:.]+Z\)\n/);
    expect(described.stdout).toContain('\nRampingVersion  none\n');
    expect(described.stdout).toMatch(
      /\nBuildId +Status +OpenPinned +Drainage +Pollers +TaskQueues +CreateTime\n/,
    );
    expect(described.stdout).toMatch(/\nv1 +CURRENT +0 +1 +cli-versions +\d{4}-/);
    expect(described.stdout).toMatch(
      /\nv2-patch +DRAINING +2 +DRAINING since (\d{4}-\d\d-\d\dT[\d:.]+Z) +0 +\d{4}-/,
    );
    const since = /DRAINING since (\S+)/.exec(described.stdout)?.[1] ?? '';
    expect(Date.parse(since)).toBeGreaterThanOrEqual(before - 1000);

    const json = JSON.parse((await deployment('describe', '--name', deploymentName, '-o', 'json')).stdout);
    expect(json.versions.map((v: { status: string }) => v.status)).toEqual(['CURRENT', 'DRAINING']);
    expect(json.versions[1]).toMatchObject({ openPinnedWorkflows: 2, drainageInfo: { status: 'DRAINING' } });

    const version = await deployment('describe-version', ...versionFlags('v1'));
    expect(version.stdout).toMatch(/^Version +cli\/prod:v1\nStatus +CURRENT\nOpenPinnedWorkflows +0\n/);
    expect(version.stdout).toMatch(
      /\nTaskQueue +Type +Pollers\ncli-versions +ACTIVITY +1\ncli-versions +WORKFLOW +1\n/,
    );
    expect(version.stdout).toMatch(/\ncli-versions +WORKFLOW +worker-v1@test +\d{4}-/);

    const listed = await deployment('list');
    expect(listed.stdout).toMatch(
      /^Name +CurrentVersion +RampingVersion +CreateTime\ncli\/prod +cli\/prod:v1 +\d{4}-/,
    );

    const workflow = await cli('workflow', 'describe', '-w', 'cli-pin-1');
    expect(workflow.stdout).toContain(
      '\nVersioning Info:\n  Override           pinned to cli/prod:v2-patch\n  EffectiveBehavior  PINNED\n  PinnedVersion      cli/prod:v2-patch\n',
    );

    // The last pinned workflow closes: drained, since then.
    await client.workflow.getHandle('cli-pin-1').terminate();
    const closing = Date.now();
    await client.workflow.getHandle('cli-pin-2').terminate();
    const drained = await deployment('describe-version', ...versionFlags('v2-patch'), '-o', 'json');
    const parsed = JSON.parse(drained.stdout);
    expect(parsed).toMatchObject({
      status: 'DRAINED',
      openPinnedWorkflows: 0,
      drainageInfo: { status: 'DRAINED' },
    });
    expect(Date.parse(parsed.drainageInfo.lastChangedTime)).toBeGreaterThanOrEqual(closing - 1000);
  });

  it('V9: delete-version refuses the current version and a polled one; delete needs the versions gone; unknown names say how to list', async () => {
    const current = await deployment('delete-version', ...versionFlags('v1'), '--force');
    expect(current.exitCode).toBe(1);
    expect(current.stderr).toContain(
      'cannot delete worker deployment version "cli/prod:v1": it is the current version',
    );
    const deleted = await deployment('delete-version', ...versionFlags('v2-patch'));
    expect(deleted.stderr).toBe('');
    expect(deleted.stdout).toBe('Deleted version cli/prod:v2-patch.\n');
    const withVersions = await deployment('delete', '--name', deploymentName);
    expect(withVersions.exitCode).toBe(1);
    expect(withVersions.stderr).toContain('it still has 1 version (v1)');
    const unknown = await deployment('describe', '--name', 'nope');
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain(
      '[DEPLOYMENT_NOT_FOUND] worker deployment "nope" not found in namespace "default"; list the deployments with: strata worker deployment list --namespace default\n',
    );
  });
});
