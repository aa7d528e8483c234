import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { Clock } from '../engine/clock.js';
import { Engine } from '../engine/engine.js';
import type { EngineLimits } from '../engine/engine-core.js';
import { createConsoleLogger, type Logger, type LogLevel } from '../engine/logger.js';
import { WorkflowService } from '../gen/strata/v1/service_pb.js';
import { createFastPath } from './fast-path.js';
import { openStore } from './open-store.js';
import { createWorkflowService } from './service.js';

export interface ServerOptions {
  /** TCP port; 0 picks a free one. @default 7233 */
  port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  ip?: string;
  /** SQLite database file; omitted keeps everything in memory. */
  dbFilename?: string;
  /**
   * PostgreSQL URL (`postgres://user:password@host:5432/database`) instead of SQLite; several servers
   * may share the database. Pending migrations are applied at start.
   */
  db?: string;
  /** Connections to PostgreSQL for requests (one more listens for notifications). @default 10 */
  dbPoolSize?: number;
  /** Namespaces that exist. @default ['default'] */
  namespaces?: string[];
  /** @default 'info' */
  logLevel?: LogLevel;
  /** @default a real clock; pass a VirtualClock for time skipping */
  clock?: Clock;
  /** Engine limits such as the long-poll timeout (tests shorten them). */
  limits?: Partial<EngineLimits>;
  logger?: Logger;
}

export interface StrataServer {
  /** Base URL for clients, e.g. 'http://127.0.0.1:7233'. */
  address: string;
  port: number;
  engine: Engine;
  /** Graceful stop: pending long polls return empty, in-flight calls finish, then the database closes. */
  close(): Promise<void>;
}

// Connect's read limit sits above the 2 MiB payload limit, so users see the engine's clear error.
const readMaxBytes = 16 * 1024 * 1024;

/**
 * Starts a Strata server: the WorkflowService over HTTP/2 cleartext (Connect, gRPC and gRPC-Web
 * protocols) backed by SQLite.
 *
 * @example
 * const server = await startServer({ port: 0 });
 * // createConnectTransport({ httpVersion: '2', baseUrl: server.address })
 * await server.close();
 */
export async function startServer(options: ServerOptions = {}): Promise<StrataServer> {
  const logger = options.logger ?? createConsoleLogger(options.logLevel ?? 'info');
  const store = await openStore(options, logger);
  const engine = new Engine({
    store,
    clock: options.clock,
    logger,
    limits: options.limits,
    namespaces: options.namespaces ?? ['default'],
  });
  const calls = createWorkflowService(engine, logger);
  const adapter = connectNodeAdapter({
    routes: (router) => router.service(WorkflowService, calls),
    readMaxBytes,
  });
  const server = http2.createServer(createFastPath(calls, readMaxBytes, adapter));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  const port = options.port ?? 7233;
  const ip = options.ip ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, ip, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // Nothing may keep the process alive after a failed start: stop the engine's timers, close the DB.
    await engine.close();
    await store.close();
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      throw new Error(
        `port ${port} on ${ip} is already in use; stop the other server or choose another --port`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
      // Let the empty poll responses flush, then end the connections.
      for (const session of sessions) session.close();
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 2000))]);
      for (const session of sessions) session.destroy();
      await store.close();
    })();
    return closing;
  };
  return { address: `http://${host}:${address.port}`, port: address.port, engine, close };
}
