import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DefaultLogger, type LogEntry } from '../../src/common/logger.js';
import { LocalRuntime, type LocalRuntimeOptions } from '../../src/controller/runtime/local.js';
import { isWorkerAlive } from '../../src/controller/runtime/local-process.js';
import type { ResolvedTemplate } from '../../src/controller/runtime/runtime.js';
import { eventually } from '../helpers/strata-server.js';

const fakeWorker = fileURLToPath(new URL('./fixtures/fake-worker.mjs', import.meta.url));
const DEPLOYMENT = 'shop/test';

interface Report {
  pid: number;
  cwd: string;
  env: Record<string, string>;
}

const opened: LocalRuntime[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((runtime) => runtime.close({ stopWorkers: true })));
});

async function setup(options: Partial<LocalRuntimeOptions> = {}) {
  const root = await mkdtemp(path.join(tmpdir(), 'strata-runtime-'));
  const outDir = path.join(root, 'out');
  await mkdir(outDir);
  const logs: LogEntry[] = [];
  const runtimeOptions: LocalRuntimeOptions = {
    stateDir: path.join(root, 'state'),
    address: '127.0.0.1:7999',
    namespace: 'orders-ns',
    superviseIntervalMs: 50,
    stopGraceMs: 2000,
    restartBackoff: { initialMs: 100, maxMs: 2000 },
    logger: new DefaultLogger('INFO', (entry) => logs.push(entry)),
    ...options,
  };
  const open = async (more: Partial<LocalRuntimeOptions> = {}) => {
    const runtime = await LocalRuntime.open({ ...runtimeOptions, ...more });
    opened.push(runtime);
    return runtime;
  };
  const template = (env: Record<string, string> = {}): ResolvedTemplate => ({
    artifact: 'shop:v1',
    command: [process.execPath, fakeWorker],
    cwd: root,
    env: { OUT_DIR: outDir, FAKE_FLAVOUR: 'plain', ...env },
  });
  const reports = async (): Promise<Report[]> =>
    Promise.all(
      (await readdir(outDir))
        .filter((file) => file.endsWith('.json'))
        .map(async (file) => JSON.parse(await readFile(path.join(outDir, file), 'utf8')) as Report),
    );
  const alive = async () => (await reports()).filter((report) => processAlive(report.pid));
  return { root, open, template, reports, alive, logs, stateDir: runtimeOptions.stateDir };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local runtime', () => {
  it('runs replicas worker processes of a build with the server address, namespace and version injected', async () => {
    const { open, template, reports, root } = await setup();
    const runtime = await open();
    await runtime.scale(DEPLOYMENT, 'v1-abcd', 2, template());
    const started = await eventually(async () => ((await reports()).length === 2 ? reports() : undefined));
    for (const report of started) {
      expect(report.cwd).toBe(root);
      expect(report.env).toMatchObject({
        STRATA_ADDRESS: '127.0.0.1:7999',
        STRATA_NAMESPACE: 'orders-ns',
        STRATA_DEPLOYMENT_NAME: DEPLOYMENT,
        STRATA_WORKER_BUILD_ID: 'v1-abcd',
        FAKE_FLAVOUR: 'plain',
      });
    }
    expect(await runtime.list(DEPLOYMENT)).toEqual([
      { buildId: 'v1-abcd', desiredReplicas: 2, runningReplicas: 2, hasTemplate: true },
    ]);
    expect(await runtime.list('other/test')).toEqual([]);
  });

  it('restarts a killed worker, and backs off when a worker keeps crashing', async () => {
    const { open, template, reports, alive, logs } = await setup({
      restartBackoff: { initialMs: 150, maxMs: 600 },
    });
    const runtime = await open();
    await runtime.scale(DEPLOYMENT, 'v1-good', 1, template());
    const [first] = await eventually(async () => ((await alive()).length === 1 ? alive() : undefined));
    process.kill(first!.pid, 'SIGKILL');
    await eventually(async () => (await alive()).some((report) => report.pid !== first!.pid));

    await runtime.delete(DEPLOYMENT, 'v1-good');
    const before = (await reports()).length;
    await runtime.scale(DEPLOYMENT, 'v1-crashy', 1, template({ CRASH_AFTER_MS: '20' }));
    await eventually(async () => (await reports()).length >= before + 4, 15_000);
    const restarts = logs.filter((entry) => /v1-crashy .* restarting in (\d+) ms/.test(entry.message));
    const delays = restarts.map((entry) => Number(/restarting in (\d+) ms/.exec(entry.message)![1]));
    expect(delays.slice(0, 3)).toEqual([150, 300, 600]);
    expect(restarts[0]?.level).toBe('WARN');
  });

  it('a restarted controller adopts the workers it started: no doubles, no orphans', async () => {
    const { open, template, reports, alive, stateDir } = await setup();
    const first = await open();
    await first.scale(DEPLOYMENT, 'v1-abcd', 2, template());
    await eventually(async () => (await alive()).length === 2);
    await first.close();
    // Stopping the controller leaves its workers running.
    expect((await alive()).length).toBe(2);

    const second = await open();
    expect(await second.list(DEPLOYMENT)).toEqual([
      { buildId: 'v1-abcd', desiredReplicas: 2, runningReplicas: 2, hasTemplate: true },
    ]);
    expect((await reports()).length).toBe(2);
    await second.scale(DEPLOYMENT, 'v1-abcd', 3);
    await eventually(async () => (await alive()).length === 3);
    expect((await reports()).length).toBe(3);

    await second.close({ stopWorkers: true });
    expect((await alive()).length).toBe(0);
    const state = JSON.parse(await readFile(path.join(stateDir, 'state.json'), 'utf8'));
    expect(state.builds[0]).toMatchObject({ buildId: 'v1-abcd', replicas: 3, processes: [] });

    // The next controller starts them again: the record says 3 replicas.
    const third = await open();
    await eventually(async () => (await alive()).length === 3);
    expect((await third.list(DEPLOYMENT))[0]?.runningReplicas).toBe(3);
  });

  it('scaling down stops the extra workers; delete stops the rest and forgets the build', async () => {
    const { open, template, alive, stateDir } = await setup();
    const runtime = await open();
    await runtime.scale(DEPLOYMENT, 'v1-abcd', 3, template());
    await eventually(async () => (await alive()).length === 3);
    await runtime.scale(DEPLOYMENT, 'v1-abcd', 1);
    await eventually(async () => (await alive()).length === 1);
    expect((await runtime.list(DEPLOYMENT))[0]).toMatchObject({ desiredReplicas: 1, runningReplicas: 1 });

    await runtime.delete(DEPLOYMENT, 'v1-abcd');
    await eventually(async () => (await alive()).length === 0);
    expect(await runtime.list(DEPLOYMENT)).toEqual([]);
    const state = JSON.parse(await readFile(path.join(stateDir, 'state.json'), 'utf8'));
    expect(state.builds).toEqual([]);
  });

  it("a second controller on the same state folder is refused; a dead one's lock is taken over", async () => {
    const { open, stateDir } = await setup();
    const first = await open();
    await expect(LocalRuntime.open({ stateDir, address: 'x', namespace: 'default' })).rejects.toThrow(
      /\[CONTROLLER_RUNNING\] another controller \(pid \d+\) runs the workers recorded in/,
    );
    await first.close();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    await writeFile(path.join(stateDir, 'controller.lock'), gone.stdout.toString());
    await open();
  });

  it('a recorded pid now used by another process is neither adopted nor stopped', async () => {
    const { open, template, alive, stateDir } = await setup();
    const runtime = await open();
    await runtime.scale(DEPLOYMENT, 'v1-abcd', 1, template());
    await eventually(async () => (await alive()).length === 1);
    await runtime.close({ stopWorkers: true });
    // Pretend the worker's pid went to this test process.
    const statePath = path.join(stateDir, 'state.json');
    const state = JSON.parse(await readFile(statePath, 'utf8'));
    state.builds[0].processes = [{ slot: 0, pid: process.pid, marker: 'not-this-process', startedAtMs: 0 }];
    await writeFile(statePath, JSON.stringify(state));
    expect(isWorkerAlive(process.pid, 'not-this-process')).toBe(false);

    await open();
    await eventually(async () => (await alive()).length === 1);
    expect(processAlive(process.pid)).toBe(true);
  });

  it('a command that cannot start is logged with what to fix, and retried', async () => {
    const { open, root, logs } = await setup();
    const runtime = await open();
    await runtime.scale(DEPLOYMENT, 'v1-bad', 1, {
      artifact: 'x:v1',
      command: ['./no-such-program'],
      cwd: root,
      env: {},
    });
    await eventually(() => logs.filter((entry) => entry.level === 'ERROR').length >= 2 || undefined);
    expect(logs.find((entry) => entry.level === 'ERROR')?.message).toMatch(
      /\[WORKER_START_FAILED\] cannot start \.\/no-such-program in .*: check spec\.template\.command and cwd/,
    );
    expect((await runtime.list(DEPLOYMENT))[0]).toMatchObject({ desiredReplicas: 1, runningReplicas: 0 });
  });
});
