/**
 * What the walks of `worker-versioning` and `patch-build` need around them: worker processes started the
 * way a process manager starts them (their version in the environment), and the `strata` CLI run as its
 * own process against the server, its command and output printed.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Client, Connection } from 'strata/client';
import { DefaultLogger, Worker } from 'strata/worker';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../../bin/strata.js', import.meta.url));

export interface WorkerProcess {
  buildId: string;
  child: ChildProcess;
}

export async function pause(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Starts `script` as a worker process of `deploymentName:buildId` against the client's server; resolves
 * once the server lists its poller.
 */
export async function startWorker(
  script: string,
  client: Client,
  deploymentName: string,
  buildId: string,
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: {
      ...process.env,
      STRATA_ADDRESS: client.connection.address,
      STRATA_DEPLOYMENT_NAME: deploymentName,
      STRATA_WORKER_BUILD_ID: buildId,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exitCode: number | null | undefined;
  const onExit = (code: number | null): void => {
    exitCode = code;
  };
  child.once('exit', onExit);
  for (;;) {
    if (exitCode !== undefined) throw new Error(`worker ${buildId} exited (code ${exitCode}) before polling`);
    const version = await client.workerDeployments
      .describeVersion({ deploymentName, buildId })
      .catch(() => undefined);
    if (version?.taskQueues.some((queue) => queue.pollers.length > 0)) break;
    await pause(50);
  }
  child.off('exit', onExit);
  console.log(`[worker ${buildId}] started: a process of ${deploymentName}:${buildId}`);
  return { buildId, child };
}

/** Stops a worker process gracefully (SIGTERM: it finishes its tasks and leaves the poller lists). */
export async function stopWorker(worker: WorkerProcess): Promise<void> {
  const exited = once(worker.child, 'exit');
  worker.child.kill('SIGTERM');
  await exited;
  console.log(`[worker ${worker.buildId}] stopped`);
}

/** Runs `strata <args>` against the server and prints the command line and what it printed. */
export async function strata(address: string, args: string[]): Promise<string> {
  const shown = args.map((arg) => (/^[\w./:=-]+$/.test(arg) ? arg : `'${arg}'`)).join(' ');
  console.log(`\n$ strata ${shown}`);
  const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args, '--address', address], {
    cwd: root,
  });
  console.log(stdout.trimEnd().replace(/^/gm, '  '));
  return stdout;
}

/**
 * The body of a worker process: a worker of `taskQueue` whose version the environment gives (a worker
 * reads STRATA_DEPLOYMENT_NAME and STRATA_WORKER_BUILD_ID itself), running until SIGTERM.
 */
export async function runWorkerProcess(options: {
  taskQueue: string;
  workflowsPath: string;
  activities: object;
}): Promise<void> {
  const connection = await Connection.connect({ address: process.env.STRATA_ADDRESS });
  const worker = await Worker.create({ connection, ...options, logger: new DefaultLogger('WARN') });
  const running = worker.run();
  console.log(`polling as ${process.env.STRATA_DEPLOYMENT_NAME}:${process.env.STRATA_WORKER_BUILD_ID}`);
  process.once('SIGTERM', () => worker.shutdown());
  await running;
  connection.close();
}

/** `strata worker deployment ...` commands on one deployment, printed as they run. */
export function deploymentCli(address: string, deploymentName: string) {
  const run = (...args: string[]) => strata(address, ['worker', 'deployment', ...args]);
  const version = (buildId: string) => ['--deployment-name', deploymentName, '--build-id', buildId];
  return {
    setCurrent: (buildId: string) => run('set-current-version', ...version(buildId), '--yes'),
    setRamping: (buildId: string, percentage: number) =>
      run('set-ramping-version', ...version(buildId), '--percentage', String(percentage), '--yes'),
    describe: () => run('describe', '--name', deploymentName),
    describeVersion: (buildId: string) => run('describe-version', ...version(buildId)),
    deleteVersion: (buildId: string) => run('delete-version', ...version(buildId)),
    list: () => run('list'),
  };
}
