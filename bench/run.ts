/**
 * `npm run bench`: starts a dev server (SQLite in WAL mode, durable) and a worker as separate processes,
 * drives them from this process as the client, and prints throughput, latency, replay speed and worker
 * memory per cached workflow, and how fast `strata workflow replay` checks live histories. Options: `-n 5000`
 * workflows, `--concurrency 64`, `--cached 10000`, `--cli-replay-histories 200 --cli-replay-steps 20`.
 * `--db postgres` runs `strata server start` on a throwaway PostgreSQL server (durable settings) instead,
 * `--db postgres://...` on an existing database; `--servers 2` then starts two server processes, each
 * with its own worker process, and the client spreads workflows over both. `--synchronous-commit off`
 * sets that on the throwaway server.
 */
import { type ChildProcess, execFile, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Client, Connection } from 'strata/client';
import { Worker } from 'strata/worker';
import { type PostgresServer, startPostgres } from '../test/helpers/postgres.js';
import { finish, manySteps, oneActivity, parked } from './workflows.js';

const { values: options } = parseArgs({
  options: {
    n: { type: 'string', short: 'n', default: '5000' },
    concurrency: { type: 'string', default: '64' },
    latency: { type: 'string', default: '300' },
    cached: { type: 'string', default: '10000' },
    'replay-steps': { type: 'string', default: '1000' },
    'cli-replay-histories': { type: 'string', default: '200' },
    'cli-replay-steps': { type: 'string', default: '20' },
    db: { type: 'string', default: 'sqlite' },
    servers: { type: 'string', default: '1' },
    'synchronous-commit': { type: 'string', default: 'on' },
  },
});
const serverCount = Number(options.servers);
if (options.db === 'sqlite' && serverCount !== 1) {
  throw new Error('--servers needs --db postgres: server processes share work only through PostgreSQL');
}
// Extra Node flags for the server and worker processes, e.g. STRATA_BENCH_NODE_ARGS='--cpu-prof' to profile.
const nodeArgs = (process.env.STRATA_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const root = fileURLToPath(new URL('..', import.meta.url));
const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Resolves when the child prints a line matching `pattern`; the stream keeps flowing afterwards. */
function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (!pattern.test(seen)) return;
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      resolve();
    };
    const onExit = (): void => reject(new Error(`process exited before printing ${pattern}`));
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** CPU seconds a process has used (Linux `/proc`, clock ticks of 10 ms); 0 where `/proc` is missing. */
function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs the `strata` CLI against the bench server and returns what it printed. */
async function strataCli(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['bin/strata.js', ...args], {
    cwd: root,
    env: { ...process.env, STRATA_ADDRESS: address },
    maxBuffer: 64 * 2 ** 20,
  });
  return stdout;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function inParallel(total: number, concurrency: number, run: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await run(next++);
    }),
  );
}

type MemoryReport = { heapUsed: number; rss: number; cachedRuns: number };
function askMemory(worker: ChildProcess): Promise<MemoryReport> {
  return new Promise((resolve) => {
    worker.once('message', (message) => resolve(message as MemoryReport));
    worker.send({ cmd: 'memory' });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-'));
// PostgreSQL as a production deployment keeps it: fsync and full page writes on; synchronous commit on
// unless `--synchronous-commit off` (about the durability of SQLite's synchronous=NORMAL: a crash of the
// database host may lose the last commits, a crash of a process loses nothing).
const postgresSettings = {
  fsync: 'on',
  synchronous_commit: options['synchronous-commit'],
  full_page_writes: 'on',
  max_connections: '100',
};
let postgres: PostgresServer | undefined;
let storageArgs: string[];
let storage: string;
if (options.db === 'sqlite') {
  storageArgs = ['start-dev', '--db-filename', join(dir, 'bench.db')];
  storage = 'SQLite WAL, durable';
} else if (options.db === 'postgres') {
  postgres = await startPostgres({ settings: postgresSettings });
  storageArgs = ['start', '--db', await postgres.createDatabase('strata_bench')];
  storage = `PostgreSQL (throwaway local server, ${Object.entries(postgresSettings)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ')}, pool 10 per server)`;
} else {
  storageArgs = ['start', '--db', options.db];
  storage = 'PostgreSQL (given database)';
}

const servers: ChildProcess[] = [];
const addresses: string[] = [];
const workers: ChildProcess[] = [];
const connections: Connection[] = [];
for (let i = 0; i < serverCount; i++) {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  addresses.push(address);
  const server = spawn(
    process.execPath,
    [...nodeArgs, 'bin/strata.js', 'server', ...storageArgs, '--port', String(port)],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await waitForOutput(server, /listening/);
  servers.push(server);
  const worker = fork(fileURLToPath(new URL('./worker.ts', import.meta.url)), {
    cwd: root,
    execArgv: [...nodeArgs, '--import', 'tsx', '--expose-gc'],
    env: { ...process.env, STRATA_ADDRESS: address },
  });
  await once(worker, 'message');
  workers.push(worker);
  connections.push(await Connection.connect({ address }));
}
const clients = connections.map((connection) => new Client({ connection }));
// The CLI measurements below use the first server.
const server = servers[0] as ChildProcess;
const address = addresses[0] as string;
// Workflow i goes through server i mod N (as a load balancer would spread them).
const clientFor = (i: number): Client => clients[i % clients.length] as Client;
const client = clients[0] as Client;
const results: Record<string, string> = {};

const total = Number(options.n);
const concurrency = Number(options.concurrency);
await inParallel(200, concurrency, (i) =>
  clientFor(i).workflow.execute(oneActivity, { taskQueue: 'bench', workflowId: `warm-${i}`, args: ['x'] }),
);
let started = performance.now();
await inParallel(total, concurrency, (i) =>
  clientFor(i).workflow.execute(oneActivity, { taskQueue: 'bench', workflowId: `tp-${i}`, args: ['x'] }),
);
const seconds = (performance.now() - started) / 1000;
results['throughput (workflows/s, one activity each)'] =
  `${(total / seconds).toFixed(0)} (${total} workflows, ${concurrency} in flight, ${seconds.toFixed(1)} s)`;

const latencies: number[] = [];
for (let i = 0; i < Number(options.latency); i++) {
  const t0 = performance.now();
  await client.workflow.execute(oneActivity, { taskQueue: 'bench', workflowId: `lat-${i}`, args: ['x'] });
  latencies.push(performance.now() - t0);
}
latencies.sort((a, b) => a - b);
results['end-to-end latency, one at a time'] =
  `p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms (${latencies.length} runs)`;

const steps = Number(options['replay-steps']);
const long = await client.workflow.start(manySteps, {
  taskQueue: 'bench',
  workflowId: 'replay',
  args: [steps],
});
await long.result();
const history = await long.fetchHistory();
const rounds = 20;
started = performance.now();
for (let i = 0; i < rounds; i++) await Worker.runReplayHistory({ workflowsPath }, history);
const replaySeconds = (performance.now() - started) / 1000;
results['replay speed (history events/s)'] =
  `${((history.events.length * rounds) / replaySeconds).toFixed(0)} (${history.events.length} events x ${rounds}, bundle built once per call)`;

// `strata workflow replay` as a deploy check runs it: histories fetched from the server by a query, replayed in the
// CLI process. Its own timer covers fetching and replaying (bundling and process start are reported apart).
const cliHistories = Number(options['cli-replay-histories']);
const cliSteps = Number(options['cli-replay-steps']);
await inParallel(cliHistories, concurrency, (i) =>
  client.workflow.execute(manySteps, { taskQueue: 'bench', workflowId: `cli-replay-${i}`, args: [cliSteps] }),
);
const cliQuery = 'WorkflowType = "manySteps" AND WorkflowId != "replay"';
started = performance.now();
const serverCpuBefore = cpuSecondsOf(server.pid);
const cliReport = JSON.parse(
  await strataCli(['workflow', 'replay', '--workflows', workflowsPath, '-q', cliQuery, '-o', 'json']),
) as {
  histories: number;
  diverged: number;
  events: number;
  seconds: number;
  cpuSeconds: number;
  eventsPerSecond: number;
};
const cliWallSeconds = (performance.now() - started) / 1000;
const serverCpu = cpuSecondsOf(server.pid) - serverCpuBefore;
if (cliReport.diverged > 0)
  throw new Error(`strata workflow replay: ${cliReport.diverged} histories diverged`);
results['strata workflow replay (history events/s)'] =
  `${cliReport.eventsPerSecond} (${cliReport.histories} histories, ${cliReport.events} events, fetch + replay ${cliReport.seconds.toFixed(2)} s; ` +
  `CPU: CLI ${cliReport.cpuSeconds.toFixed(2)} s, server about ${serverCpu.toFixed(2)} s; whole command ${cliWallSeconds.toFixed(1)} s)`;
const cached = Number(options.cached);
/** The workers' memory and cache, summed over all of them. */
async function askAllMemory(): Promise<MemoryReport> {
  const reports = await Promise.all(workers.map(askMemory));
  return reports.reduce((sum, report) => ({
    heapUsed: sum.heapUsed + report.heapUsed,
    rss: sum.rss + report.rss,
    cachedRuns: sum.cachedRuns + report.cachedRuns,
  }));
}
const before = await askAllMemory();
await inParallel(cached, concurrency, (i) =>
  clientFor(i).workflow.start(parked, { taskQueue: 'bench', workflowId: `parked-${i}` }),
);
let after = await askAllMemory();
while (after.cachedRuns - before.cachedRuns < cached) {
  await new Promise((resolve) => setTimeout(resolve, 200));
  after = await askAllMemory();
}
const perRun = (after.heapUsed - before.heapUsed) / (after.cachedRuns - before.cachedRuns);
results['worker memory per cached workflow'] =
  `${(perRun / 1024).toFixed(1)} KiB heap (${after.cachedRuns} cached, heap ${(after.heapUsed / 2 ** 20).toFixed(0)} MiB, rss ${(after.rss / 2 ** 20).toFixed(0)} MiB)`;
// The stage advisor over the parked workflows, all running: one history fetch per workflow.
started = performance.now();
const status = JSON.parse(
  await strataCli(['workflow', 'patch-status', 'no-such-patch', '--type', 'parked', '-o', 'json']),
) as { seconds: number; types: { running: number }[] };
results['strata workflow patch-status'] =
  `${status.seconds.toFixed(2)} s for ${status.types[0]?.running ?? 0} running workflows (whole command ${((performance.now() - started) / 1000).toFixed(1)} s)`;
await inParallel(cached, concurrency, (i) => clientFor(i).workflow.getHandle(`parked-${i}`).signal(finish));

for (const connection of connections) await connection.close();
for (const worker of workers) {
  worker.disconnect();
  await once(worker, 'exit');
}
for (const server of servers) {
  server.kill('SIGTERM');
  await once(server, 'exit');
}
await postgres?.destroy();
rmSync(dir, { recursive: true, force: true });

const processes =
  serverCount === 1
    ? 'server, worker and client'
    : `${serverCount} servers, ${serverCount} workers and a client`;
console.log(`\nStrata benchmark (${storage}; ${processes} in separate processes)`);
for (const [name, value] of Object.entries(results)) console.log(`  ${name.padEnd(46)} ${value}`);
