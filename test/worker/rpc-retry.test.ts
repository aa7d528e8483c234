import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { DefaultLogger, type LogEntry } from '../../src/common/logger.js';
import { isTransientRpcError, PollBackoff } from '../../src/worker/rpc-retry.js';
import { Slots } from '../../src/worker/slots.js';

describe('poll backoff', () => {
  it('treats an unreachable or restarting server as transient, a refused request as fatal', () => {
    expect(isTransientRpcError(new ConnectError('connect ECONNREFUSED', Code.Unavailable))).toBe(true);
    expect(isTransientRpcError(new ConnectError('stream reset', Code.Internal))).toBe(true);
    expect(isTransientRpcError(new ConnectError('namespace "x" does not exist', Code.NotFound))).toBe(false);
    expect(isTransientRpcError(new ConnectError('bad task queue', Code.InvalidArgument))).toBe(false);
  });

  it('makes the pollers of one queue wait together and logs each retry once, at WARN', async () => {
    const lines: LogEntry[] = [];
    const backoff = new PollBackoff(
      'activity task queue "q"',
      new DefaultLogger('TRACE', (e) => lines.push(e)),
      {
        initialDelayMs: 20,
        maxDelayMs: 40,
      },
    );
    const never = new AbortController().signal;
    const error = new ConnectError('connect ECONNREFUSED', Code.Unavailable);
    // Ten pollers fail at once: one retry.
    await Promise.all(Array.from({ length: 10 }, () => backoff.failed(error, never)));
    await backoff.failed(error, never);
    expect(lines.map((line) => [line.level, line.meta?.attempt])).toEqual([
      ['WARN', 1],
      ['WARN', 2],
    ]);
    expect(lines[0]?.message).toMatch(/^Polling activity task queue "q" failed; retrying in \d+ ms$/);
    backoff.succeeded();
    expect(lines.at(-1)).toMatchObject({
      level: 'INFO',
      message: 'Polling activity task queue "q" recovered',
    });
  });

  it('stops waiting as soon as the worker shuts down', async () => {
    const backoff = new PollBackoff('q', new DefaultLogger('OFF'), {
      initialDelayMs: 60_000,
      maxDelayMs: 60_000,
    });
    const stop = new AbortController();
    const waiting = backoff.failed(new ConnectError('down', Code.Unavailable), stop.signal);
    stop.abort();
    await expect(waiting).resolves.toBeUndefined();
  });
});

describe('execution slots', () => {
  it('hands a freed slot to the next waiter, and gives up a wait when aborted', async () => {
    const slots = new Slots(1);
    const never = new AbortController().signal;
    expect(await slots.acquire(never)).toBe(true);
    const next = slots.acquire(never);
    const stop = new AbortController();
    const abandoned = slots.acquire(stop.signal);
    stop.abort();
    expect(await abandoned).toBe(false);
    slots.release();
    expect(await next).toBe(true);
    expect(slots.inUse).toBe(1);
  });
});
