/**
 * Real processes for the fault tests: a `strata server start-dev` and workers, each a child process the
 * test can kill with SIGKILL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eventually } from '../helpers/strata-server.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = fileURLToPath(new URL('../../bin/strata.js', import.meta.url));
const workerScript = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));

export interface ChildHandle {
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far, for failure messages. */
  output(): string;
  /** Sends `signal` (SIGKILL by default) and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function startChild(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{
  handle: ChildHandle;
  match: RegExpExecArray;
}> {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: ChildHandle = {
    child,
    output: () => output,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) resolve({ handle, match });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) =>
      reject(new Error(`${args.join(' ')} exited (${code ?? signal}) before it was ready:\n${output}`)),
    );
  });
}

/**
 * A worker of fixtures/workflows.ts and fixtures/activities.ts in its own process, once it polls; with
 * `env`, more of its environment (e.g. WORKER_FIXTURES, another folder of workflows and activities).
 */
export async function startWorkerProcess(
  address: string,
  taskQueue: string,
  env: Record<string, string> = {},
): Promise<ChildHandle> {
  const { handle } = await startChild(
    ['--import', 'tsx', workerScript],
    { STRATA_ADDRESS: address, TASK_QUEUE: taskQueue, STRATA_LOG_LEVEL: 'ERROR', ...env },
    /worker: running/,
  );
  return handle;
}

export interface ServerProcess extends ChildHandle {
  /** `127.0.0.1:port` */
  readonly address: string;
  readonly port: number;
}

/**
 * `strata server start-dev --port <port> --db-filename <dbFilename>`, or with `db` (a PostgreSQL URL)
 * `strata server start --port <port> --db <db>`, with `extraArgs` after, once it listens.
 */
export async function startServerProcess(
  options: { port: number; extraArgs?: string[] } & ({ dbFilename: string } | { db: string }),
): Promise<ServerProcess> {
  const storage =
    'db' in options ? ['start', '--db', options.db] : ['start-dev', '--db-filename', options.dbFilename];
  const { handle, match } = await startChild(
    [
      cli,
      'server',
      ...storage,
      '--port',
      String(options.port),
      '--log-level',
      'error',
      ...(options.extraArgs ?? []),
    ],
    {},
    /listening on (\S+):(\d+)/,
  );
  const port = Number(match[2]);
  return { ...handle, address: `127.0.0.1:${port}`, port };
}

/** `eventually` with what it waits for first, as the fault tests read. */
export function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  return eventually(check, timeoutMs, what);
}
