import { hostname } from 'node:os';
import type { Connection } from './connection.js';

/** Options of `Client` and of a standalone `WorkflowClient`. */
export interface ClientOptions {
  /** The server connection, from `Connection.connect()`. */
  connection: Connection;
  /**
   * Namespace every call targets.
   * @default 'default'
   */
  namespace?: string;
  /**
   * Who makes the calls, recorded in history (e.g. on signals and terminations).
   * @default `${process.pid}@${os.hostname()}`
   */
  identity?: string;
}

export type ResolvedClientOptions = Required<ClientOptions>;

export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  return {
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    identity: options.identity ?? `${process.pid}@${hostname()}`,
  };
}
