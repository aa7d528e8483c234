/**
 * The quickstart in one command: starts a dev server, a worker and the client as three processes, prints
 * what each says, then stops them. `STRATA_PORT` picks the port (default 7233).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const port = process.env.STRATA_PORT ?? '7233';
const env: NodeJS.ProcessEnv = { ...process.env };

function start(name: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().trimEnd().split('\n')) console.log(`[${name}] ${line}`);
  });
  return child;
}

/** Resolves with the match once the child prints `pattern`; the stream keeps flowing afterwards. */
function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (!match) return;
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      resolve(match);
    };
    const onExit = (): void => reject(new Error(`process exited before printing ${pattern}`));
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

const server = start('server', ['bin/strata.js', 'server', 'start-dev', '--port', port]);
// With STRATA_PORT=0 the server picks a free port; its first line says which.
const [, address] = await waitForLine(server, /listening on (\S+)/);
env.STRATA_ADDRESS = address;
const worker = start('worker', ['--import', 'tsx', 'examples/hello/worker.ts']);
await waitForLine(worker, /polling/);
const client = start('client', ['--import', 'tsx', 'examples/hello/client.ts']);
const [code] = await once(client, 'exit');

for (const child of [worker, server]) {
  child.kill('SIGTERM');
  await once(child, 'exit');
}
process.exit(code ?? 1);
