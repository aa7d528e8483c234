/**
 * The reconcile loop against a real server, with real versioned worker processes started by the local
 * runtime: Progressive steps timed from the server's ramp change, and gates (C2).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from 'strata/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DefaultLogger, type LogEntry } from '../../src/common/logger.js';
import { RolloutController } from '../../src/controller/controller.js';
import { parseManifests } from '../../src/controller/manifest.js';
import { LocalRuntime } from '../../src/controller/runtime/local.js';
import type { StrataServer } from '../../src/server/index.js';
import { eventually, startTestServer } from '../helpers/strata-server.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const workerScript = fileURLToPath(new URL('./fixtures/versioned-worker.ts', import.meta.url));

let server: StrataServer;
let connection: Connection;
let client: Client;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  server = await startTestServer();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  connection?.close();
  await server?.close();
});

interface Rollout {
  strategy: 'AllAtOnce' | 'Progressive';
  steps?: Array<{ rampPercentage: number; pauseDuration: string }>;
  gate?: { workflowType: string; input?: unknown };
  onGateFailure?: 'block' | 'rollback';
}

/** A deployment whose manifest the test rewrites, run by an in-process controller looping every 100 ms. */
async function deployment(name: string) {
  const work = await mkdtemp(path.join(tmpdir(), 'strata-controller-'));
  const manifestPath = path.join(work, 'deployment.yaml');
  const deploymentName = `${name}/test`;
  const logs: LogEntry[] = [];
  const logger = new DefaultLogger('INFO', (entry) => logs.push(entry));
  const runtime = await LocalRuntime.open({
    stateDir: path.join(work, 'state'),
    address: server.address,
    namespace: 'default',
    logger,
    superviseIntervalMs: 200,
  });
  const controller = new RolloutController({
    manifestPath,
    client,
    runtime,
    logger,
  });
  const stop = new AbortController();
  let loop: Promise<void> | undefined;
  cleanups.push(async () => {
    stop.abort();
    await loop;
    await runtime.close({ stopWorkers: true });
  });
  return {
    deploymentName,
    logs,
    /** Writes the manifest for `tag`; returns its build id. */
    async write(tag: string, rollout: Rollout): Promise<string> {
      const text = [
        'kind: WorkerDeployment',
        `metadata: { name: ${name}, namespace: test }`,
        'spec:',
        '  replicas: 1',
        '  template:',
        `    artifact: ${name}:${tag}`,
        `    command: ${JSON.stringify([process.execPath, '--import', 'tsx', workerScript])}`,
        `    cwd: ${JSON.stringify(repoRoot)}`,
        `    env: { TASK_QUEUE: ${name}, STRATA_LOG_LEVEL: ERROR }`,
        `  rollout: ${JSON.stringify(rollout)}`,
        '  sunset: { scaledownDelay: 1s, deleteDelay: 2s }',
      ].join('\n');
      await writeFile(manifestPath, text);
      return parseManifests(text, manifestPath)[0]!.buildId;
    },
    start(): void {
      loop = controller.run({ intervalMs: 100, signal: stop.signal });
    },
    routing: async () => (await client.workerDeployments.describe(deploymentName)).routingConfig,
    logged: (pattern: RegExp) => logs.some((entry) => pattern.test(entry.message)),
  };
}

describe('controller loop', () => {
  it('C2: Progressive: the first version becomes current; the next ramps, waits its pause from the server ramp time, then becomes current', async () => {
    const d = await deployment('progressive');
    const steps = [{ rampPercentage: 30, pauseDuration: '1500ms' }];
    const v1 = await d.write('v1', { strategy: 'Progressive', steps });
    d.start();
    await eventually(
      async () => (await d.routing().catch(() => undefined))?.currentVersion?.buildId === v1,
      60_000,
      'v1 current',
    );

    const v2 = await d.write('v2', { strategy: 'Progressive', steps });
    const ramp = await eventually(
      async () => {
        const routing = await d.routing();
        return routing.rampingVersion?.buildId === v2 ? routing : undefined;
      },
      60_000,
      'v2 ramping',
    );
    expect(ramp.rampingVersionPercentage).toBe(30);
    expect(ramp.currentVersion?.buildId).toBe(v1);
    const rampedAt = ramp.rampingVersionPercentageChangedTime!.getTime();

    const promoted = await eventually(
      async () => {
        const routing = await d.routing();
        return routing.currentVersion?.buildId === v2 ? routing : undefined;
      },
      30_000,
      'v2 current',
    );
    expect(promoted.currentVersionChangedTime!.getTime() - rampedAt).toBeGreaterThanOrEqual(1500);
    expect(promoted.rampingVersion).toBeUndefined();
    expect(d.logged(new RegExp(`ramp ${v2} to 30%: Progressive`))).toBe(true);
    expect(d.logged(new RegExp(`make ${v2} current: Progressive: the last step \\(30%\\) paused`))).toBe(
      true,
    );
  }, 120_000);

  it('C2: a gate workflow pinned to the new build must complete before promotion; a failing gate blocks it with the reason', async () => {
    const d = await deployment('gated');
    const v1 = await d.write('v1', { strategy: 'AllAtOnce', gate: { workflowType: 'smokeTest' } });
    d.start();
    await eventually(
      async () => (await d.routing().catch(() => undefined))?.currentVersion?.buildId === v1,
      60_000,
      'v1 current',
    );
    const gate = await client.workflow
      .getHandle(`strata-controller-gate:${d.deploymentName}:${v1}`)
      .describe();
    expect(gate.status.name).toBe('COMPLETED');

    const v2 = await d.write('v2', {
      strategy: 'AllAtOnce',
      gate: { workflowType: 'smokeTest', input: { fail: true } },
    });
    await eventually(() => d.logged(/blocked/) || undefined, 60_000, 'the gate to fail');
    const blocked = d.logs.find((entry) => entry.level === 'WARN' && /blocked/.test(entry.message))!;
    expect(blocked.message).toMatch(
      new RegExp(
        `gate workflow smokeTest \\(spec\\.rollout\\.gate\\) failed on ${v2} \\(FAILED: smoke test found a broken build\\); promotion stops`,
      ),
    );
    expect((await d.routing()).currentVersion?.buildId).toBe(v1);
  }, 120_000);
});
