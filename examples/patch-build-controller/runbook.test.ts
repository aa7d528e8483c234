/**
 * C5, end to end: the patch-build runbook with the controller and real worker processes. The patch
 * version never becomes current, yet keeps its workers while the workflows moved to it run, even after
 * the manifest moved on; then it is Drained, scaled down and deleted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from 'strata/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseManifests } from '../../src/controller/manifest.js';
import type { StrataServer } from '../../src/server/index.js';
import { runCli } from '../../test/helpers/run-cli.js';
import { eventually, startTestServer } from '../../test/helpers/strata-server.js';

const exampleDir = fileURLToPath(new URL('.', import.meta.url));
const cli = fileURLToPath(new URL('../../bin/strata.js', import.meta.url));
const DEPLOYMENT = 'my-worker/prod';

let server: StrataServer;
let connection: Connection;
let client: Client;
let work: string;
let manifestFile: string;
const controllers: ChildProcess[] = [];

/** A step's manifest from manifests/ copied to the test's deployment.yaml, `cwd` made this folder; returns its build id. */
async function deploy(release: string): Promise<string> {
  const text = (await readFile(path.join(exampleDir, 'manifests', `${release}.yaml`), 'utf8')).replace(
    /cwd: \..*/,
    `cwd: ${JSON.stringify(exampleDir)}`,
  );
  await writeFile(manifestFile, text);
  return parseManifests(text, manifestFile)[0]!.buildId;
}

/** `strata controller run` as the user starts it; resolves once it logged its first loop. */
function startController(): { child: ChildProcess; output: () => string } {
  const child = spawn(
    process.execPath,
    [
      cli,
      'controller',
      'run',
      '-f',
      manifestFile,
      '--interval',
      '250ms',
      '--state-dir',
      path.join(work, 'state'),
    ],
    { env: { ...process.env, STRATA_ADDRESS: server.address }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  controllers.push(child);
  return { child, output: () => output };
}

async function stopController(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const versionOf = async (buildId: string) => {
  const description = await client.workerDeployments.describe(DEPLOYMENT);
  return description.versionSummaries.find((summary) => summary.version.buildId === buildId);
};

beforeAll(async () => {
  server = await startTestServer();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  work = await mkdtemp(path.join(tmpdir(), 'strata-runbook-'));
  manifestFile = path.join(work, 'deployment.yaml');
});

afterAll(async () => {
  for (const child of controllers) await stopController(child);
  // Stop the workers the controller left running.
  await runCli(
    [
      'controller',
      'run',
      '--once',
      '--stop-workers',
      '-f',
      manifestFile,
      '--state-dir',
      path.join(work, 'state'),
    ],
    {
      STRATA_ADDRESS: server.address,
    },
  );
  connection?.close();
  await server?.close();
});

it('C5: the runbook with the controller: the Manual patch version keeps its workers until its moved workflows finish, then is retired', async () => {
  // v1.2.0 rolled out AllAtOnce; orders start pinned to it.
  const v120 = await deploy('v1.2.0');
  let controller = startController();
  await eventually(
    async () =>
      (await client.workerDeployments.describe(DEPLOYMENT).catch(() => undefined))?.routingConfig
        .currentVersion?.buildId === v120,
    60_000,
    `v1.2.0 (${v120}) to become current`,
  );
  const orders = await Promise.all(
    ['o-1', 'o-2', 'o-3'].map((id) =>
      client.workflow.start('order', { taskQueue: 'orders', workflowId: id, args: [id] }),
    ),
  );
  await eventually(
    async () => (await versionOf(v120))?.openPinnedWorkflows === 3,
    30_000,
    'three pinned orders',
  );

  // The patch: Manual. Its workers start; it is not promoted.
  const v121 = await deploy('v1.2.1');
  await eventually(
    async () => {
      const version = await client.workerDeployments
        .describeVersion({ deploymentName: DEPLOYMENT, buildId: v121 })
        .catch(() => undefined);
      return version?.taskQueues.some((queue) => queue.pollers.length > 0);
    },
    60_000,
    'the patch workers to poll',
  );

  // A restarted controller adopts the workers: the same processes keep running.
  const statePath = path.join(work, 'state', 'state.json');
  const pidsBefore = JSON.parse(await readFile(statePath, 'utf8'))
    .builds.flatMap((b: { processes: Array<{ pid: number }> }) => b.processes.map((p) => p.pid))
    .sort();
  await stopController(controller.child);
  controller = startController();
  await eventually(
    () => controller.output().includes('controller: running'),
    30_000,
    'the controller to restart',
  );
  const pidsAfter = JSON.parse(await readFile(statePath, 'utf8'))
    .builds.flatMap((b: { processes: Array<{ pid: number }> }) => b.processes.map((p) => p.pid))
    .sort();
  expect(pidsAfter).toEqual(pidsBefore);

  // The runbook's command, verbatim with strata.
  const moved = await runCli(
    [
      'workflow',
      'update-options',
      '--versioning-override-behavior',
      'pinned',
      '--versioning-override-build-id',
      v121,
      '--versioning-override-deployment-name',
      DEPLOYMENT,
      '--query',
      `TemporalWorkerDeploymentVersion = "${DEPLOYMENT}:${v120}" and TemporalWorkerVersioningBehavior = "Pinned" and Status = "Running"`,
    ],
    { STRATA_ADDRESS: server.address },
  );
  expect(moved.exitCode, moved.stderr).toBe(0);
  await eventually(
    async () => (await versionOf(v121))?.openPinnedWorkflows === 3,
    30_000,
    'the orders on the patch',
  );
  expect((await client.workerDeployments.describe(DEPLOYMENT)).routingConfig.currentVersion?.buildId).toBe(
    v120,
  );

  // The manifest moves on: v1.3.0, AllAtOnce. v1.2.0 drains and goes; the patch keeps its workers.
  const v130 = await deploy('v1.3.0');
  await eventually(
    async () =>
      (await client.workerDeployments.describe(DEPLOYMENT)).routingConfig.currentVersion?.buildId === v130,
    60_000,
    'v1.3.0 to become current',
  );
  await eventually(
    async () => (await versionOf(v120)) === undefined,
    60_000,
    'v1.2.0 to be deleted after its delays',
  );
  expect(await versionOf(v121)).toMatchObject({ status: 'DRAINING', openPinnedWorkflows: 3 });
  const status = await runCli(
    ['controller', 'status', '-f', manifestFile, '--state-dir', path.join(work, 'state')],
    {
      STRATA_ADDRESS: server.address,
    },
  );
  expect(status.stdout).toMatch(new RegExp(`${v121}\\s+DRAINING\\s+1/1\\s+3`));

  // The orders finish on the patch; then it is Drained, scaled down and deleted.
  for (const handle of orders) await handle.signal('finish');
  expect(await Promise.all(orders.map((handle) => handle.result()))).toEqual(
    ['o-1', 'o-2', 'o-3'].map((id) => `order ${id} shipped by ${v121}`),
  );
  await eventually(
    async () => (await versionOf(v121)) === undefined,
    60_000,
    'the patch to be deleted after its delays',
  );
  expect(controller.output()).toMatch(new RegExp(`scale ${v121} to 0 worker\\(s\\): Drained since`));
  expect(controller.output()).toMatch(new RegExp(`delete version ${v121} and its processes: Drained since`));
}, 240_000);
