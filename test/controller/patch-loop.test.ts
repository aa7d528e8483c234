/**
 * Replay checks in the reconcile loop, with real worker processes started by the local runtime:
 * `spec.patch` (the patch build's workers start, Manual and never promoted, replay the workflows pinned
 * to the broken build, and the controller moves them only when none diverges: C5, native patch builds),
 * and replay-verified promotion (the new build's workers replay the open AutoUpgrade workflows first).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, type WorkflowHandle } from 'strata/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DefaultLogger, type LogEntry } from '../../src/common/logger.js';
import { RolloutController } from '../../src/controller/controller.js';
import { parseManifests } from '../../src/controller/manifest.js';
import { LocalRuntime } from '../../src/controller/runtime/local.js';
import type { StrataServer } from '../../src/server/index.js';
import { runCli } from '../helpers/run-cli.js';
import { eventually, startTestServer } from '../helpers/strata-server.js';
import { autoOrderWorkflow, orderWorkflow, release } from '../versioning/fixtures/patch-v1.2.0/workflows.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const workerScript = fileURLToPath(new URL('../faults/fixtures/worker.ts', import.meta.url));
const fixture = (name: string): string =>
  fileURLToPath(new URL(`../versioning/fixtures/${name}`, import.meta.url));
const taskQueue = `patch-loop-${randomUUID()}`;

let server: StrataServer;
let connection: Connection;
let client: Client;
let runtime: LocalRuntime;
let manifestPath: string;
let stateDir: string;
const logs: LogEntry[] = [];
const stop = new AbortController();
let loop: Promise<void> | undefined;

beforeAll(async () => {
  server = await startTestServer();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  const work = await mkdtemp(path.join(tmpdir(), 'strata-patch-loop-'));
  manifestPath = path.join(work, 'deployment.yaml');
  const logger = new DefaultLogger('INFO', (entry) => logs.push(entry));
  stateDir = path.join(work, 'state');
  runtime = await LocalRuntime.open({
    stateDir,
    address: server.address,
    namespace: 'default',
    logger,
    superviseIntervalMs: 200,
  });
  const controller = new RolloutController({ manifestPath, client, runtime, logger, stateDir });
  loop = controller.run({ intervalMs: 200, signal: stop.signal });
});
afterAll(async () => {
  stop.abort();
  await loop;
  await runtime?.close({ stopWorkers: true });
  connection?.close();
  await server?.close();
});

/**
 * Writes the manifest of deployment `<name>/test`, build `tag`, running the workflows of fixture folder
 * `folder` on the task queue `<name>-...`; returns its build id.
 */
async function write(
  name: string,
  tag: string,
  folder: string,
  rollout: object,
  patchFrom?: string,
): Promise<string> {
  const text = [
    'kind: WorkerDeployment',
    `metadata: { name: ${name}, namespace: test }`,
    'spec:',
    '  replicas: 1',
    '  template:',
    `    artifact: ${name}:${tag}`,
    `    command: ${JSON.stringify([process.execPath, '--import', 'tsx', workerScript])}`,
    `    cwd: ${JSON.stringify(repoRoot)}`,
    `    env: { TASK_QUEUE: ${JSON.stringify(`${name}-${taskQueue}`)}, WORKER_FIXTURES: ${JSON.stringify(fixture(folder))}, STRATA_LOG_LEVEL: ERROR }`,
    `  rollout: ${JSON.stringify(rollout)}`,
    '  sunset: { scaledownDelay: 1s, deleteDelay: 1h }',
    ...(patchFrom ? [`  patch: { from: ${patchFrom} }`] : []),
  ].join('\n');
  await writeFile(manifestPath, text);
  return parseManifests(text, manifestPath)[0]!.buildId;
}

/** Waits until `buildId` is the deployment's current version. */
async function currentIs(deploymentName: string, buildId: string): Promise<void> {
  await eventually(
    async () =>
      (await client.workerDeployments.describe(deploymentName).catch(() => undefined))?.routingConfig
        .currentVersion?.buildId === buildId || undefined,
    60_000,
    `${buildId} current`,
  );
}

/** Starts two workflows and waits until they ran their first activity and wait for `release`. */
async function startBlocked(workflow: typeof orderWorkflow, taskQueue: string): Promise<WorkflowHandle[]> {
  const handles = await Promise.all(
    [0, 1].map((i) =>
      client.workflow.start(workflow, { taskQueue, workflowId: `order-${i}-${randomUUID()}` }),
    ),
  );
  await eventually(
    async () => {
      const counts = await Promise.all(handles.map(async (h) => (await h.describe()).historyLength));
      return counts.every((count) => count >= 10) || undefined;
    },
    30_000,
    'the workflows to block on their signal',
  );
  return handles;
}

const pinnedBuild = async (handle: WorkflowHandle) =>
  (await handle.describe()).versioningInfo?.pinnedVersion?.buildId;
const logged = (pattern: RegExp) => logs.find((entry) => pattern.test(entry.message));

describe('controller: replay checks', () => {
  it('C5: a diverging patch build is refused with the report; a compatible one gets the workflows, which finish on it', async () => {
    const deploymentName = 'orders/test';
    const broken = await write('orders', 'v1.2.0', 'patch-v1.2.0', { strategy: 'AllAtOnce' });
    await currentIs(deploymentName, broken);
    const handles = await startBlocked(orderWorkflow, `orders-${taskQueue}`);

    // A patch that changes the command order: its workers start, replay, and nothing moves.
    const bad = await write('orders', 'v1.2.2', 'patch-reordered', { strategy: 'Manual' }, broken);
    const refusal = await eventually(() => logged(/\[PATCH_REFUSED\]/), 90_000, 'the refusal');
    expect(refusal.message).toContain(
      `2 of 2 workflow(s) pinned to ${deploymentName}:${broken} would not replay on ${deploymentName}:${bad}; nothing moved`,
    );
    for (const handle of handles)
      expect(refusal.message).toMatch(
        new RegExp(
          `${handle.workflowId} \\(run [^,]+, orderWorkflow\\) at event 5: DeterminismViolationError`,
        ),
      );
    for (const handle of handles) expect(await pinnedBuild(handle)).toBe(broken);

    // The compatible patch: moved by the controller, never promoted.
    const patch = await write('orders', 'v1.2.1', 'patch-v1.2.1', { strategy: 'Manual' }, broken);
    await eventually(
      async () =>
        (await Promise.all(handles.map(pinnedBuild))).every((b) => b === patch) ? true : undefined,
      90_000,
      'the workflows to move to the patch',
    );
    // The batch reports after the overrides are applied: the controller logs the move once it completed.
    await eventually(
      () =>
        logged(
          new RegExp(
            `moved 2 workflow\\(s\\) from ${deploymentName}:${broken} to ${deploymentName}:${patch}`,
          ),
        ),
      30_000,
      'the move to be logged',
    );
    const description = await client.workerDeployments.describe(deploymentName);
    expect(description.routingConfig.currentVersion?.buildId).toBe(broken);
    expect(description.versionSummaries.find((v) => v.version.buildId === patch)?.status).toBe('DRAINING');
    for (const handle of handles) await handle.signal(release);
    for (const handle of handles)
      expect(await handle.result()).toEqual([`${broken} (fixed)`, `${patch} (fixed)`]);
  }, 240_000);

  it('C2: AllAtOnce promotion waits until the new build replays the open AutoUpgrade workflows; a divergence blocks it with the first diverging event', async () => {
    const deploymentName = 'shop/test';
    const v1 = await write('shop', 'v1', 'patch-v1.2.0', { strategy: 'AllAtOnce' });
    await currentIs(deploymentName, v1);
    const handles = await startBlocked(autoOrderWorkflow, `shop-${taskQueue}`);

    // v2 changes the command order: its workers replay a sample of the workflows it would take, and diverge.
    const v2 = await write('shop', 'v2', 'patch-reordered', { strategy: 'AllAtOnce', replaySample: 5 });
    const blocked = await eventually(
      () => logged(/\[REPLAY_DIVERGED\]/),
      90_000,
      'the promotion to be blocked',
    );
    expect(blocked.message).toContain(
      `make ${v2} current failed: [REPLAY_DIVERGED] 2 of 2 open AutoUpgrade workflow(s) would not replay on ${deploymentName}:${v2}, so it is not promoted`,
    );
    for (const handle of handles) {
      expect(blocked.message).toMatch(
        new RegExp(
          `${handle.workflowId} \\(run [^,]+, autoOrderWorkflow\\) at event 5: DeterminismViolationError`,
        ),
      );
    }
    expect(
      (await client.workerDeployments.describe(deploymentName)).routingConfig.currentVersion?.buildId,
    ).toBe(v1);
    // Another process, `strata controller status`, shows why the promotion is held.
    const status = await runCli(
      ['controller', 'status', '-f', manifestPath, '--state-dir', stateDir, '-o', 'json'],
      { STRATA_ADDRESS: server.address },
    );
    expect(status.exitCode, status.stderr).toBe(0);
    const shop = (JSON.parse(status.stdout) as Array<{ deploymentName: string; refusals: unknown[] }>).find(
      (document) => document.deploymentName === deploymentName,
    );
    expect(shop?.refusals).toEqual([
      expect.objectContaining({
        check: `promote ${v2}`,
        message: expect.stringMatching(
          /^\[REPLAY_DIVERGED\] 2 of 2 .* at event 5: DeterminismViolationError/,
        ),
      }),
    ]);

    // v3 is compatible: verified, promoted; the workflows move to it at their next task and finish there.
    const v3 = await write('shop', 'v3', 'patch-v1.2.1', { strategy: 'AllAtOnce' });
    await currentIs(deploymentName, v3);
    expect(
      logged(new RegExp(`2 open AutoUpgrade workflow\\(s\\) replay without divergence on ${v3}`)),
    ).toBeDefined();
    for (const handle of handles) await handle.signal(release);
    for (const handle of handles) expect(await handle.result()).toEqual([`${v1} (fixed)`, `${v3} (fixed)`]);
  }, 240_000);
});
