import { type StrataServer, startServer } from '../../src/server/index.js';

/** A real server for worker tests, on a free port, optionally on a durable SQLite file. */
export interface TestServer {
  /** `host:port`, what `Connection.connect({ address })` takes. */
  readonly address: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** 0 picks a free port. */
  port?: number;
  /** A SQLite file, so a restarted server finds its workflows again. */
  dbPath?: string;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const server: StrataServer = await startServer({
    port: options.port ?? 0,
    dbFilename: options.dbPath,
    logLevel: 'error',
    // Short long polls keep shutdowns and restarts quick.
    limits: { longPollTimeoutMs: 2000 },
  });
  return {
    address: `127.0.0.1:${server.port}`,
    port: server.port,
    stop: () => server.close(),
  };
}

/** Polls `condition` every 50 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
