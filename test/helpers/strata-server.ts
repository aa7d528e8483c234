import { type StrataServer, startServer } from '../../src/server/index.js';

/**
 * A real server on a free port with an in-memory database. Long polls are short so tests also cover
 * "the poll returned empty, poll again".
 */
export function startTestServer(): Promise<StrataServer> {
  return startServer({ port: 0, logLevel: 'error', limits: { longPollTimeoutMs: 1500 } });
}

/** Polls `check` every 25 ms until it returns a value other than undefined/false; throws after `timeoutMs`, naming `what` when given. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  what?: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(
        what === undefined
          ? `condition not met within ${timeoutMs} ms`
          : `timed out after ${timeoutMs} ms waiting for ${what}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
