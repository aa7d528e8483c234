import { type StrataServer, startServer } from '../../src/server/index.js';

/**
 * A real server on a free port with an in-memory database. Long polls are short so tests also cover
 * "the poll returned empty, poll again".
 */
export function startTestServer(): Promise<StrataServer> {
  return startServer({ port: 0, logLevel: 'error', limits: { longPollTimeoutMs: 1500 } });
}

/** Polls `condition` every 25 ms until it holds; throws after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
