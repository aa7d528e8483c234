/**
 * A connection to a Strata server: one HTTP/2 session shared by every client, worker and tool call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ConnectError, createClient, type Interceptor, type Client as RpcClient } from '@connectrpc/connect';
import { createConnectTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { WorkflowService } from '../gen/strata/v1/service_pb.js';
import { createUnaryTransport } from './unary-transport.js';

/** The raw RPC client of the WorkflowService, for workers and tooling. */
export type WorkflowServiceClient = RpcClient<typeof WorkflowService>;

export const DEFAULT_ADDRESS = '127.0.0.1:7233';

/** Options of {@link Connection.connect}. */
export interface ConnectionOptions {
  /**
   * `host:port` of the server, with or without `http://`.
   * @default '127.0.0.1:7233'
   */
  address?: string;
  /**
   * How long `connect` waits for the server to answer before giving up, in milliseconds.
   * @default 10000
   */
  connectTimeoutMs?: number;
  /** Connect interceptors run around every RPC of this connection, outermost first. */
  interceptors?: Interceptor[];
}

/** Thrown by {@link Connection.connect} when no Strata server answers at the address. */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
  readonly address: string;

  constructor(message: string, options: { address: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.address = options.address;
  }
}

/**
 * A live connection. Create it with {@link Connection.connect}, share it between clients, and
 * {@link Connection.close} it when done so the process can exit.
 *
 * @example
 * const connection = await Connection.connect({ address: 'localhost:7233' });
 * const client = new Client({ connection });
 */
export class Connection {
  /** The raw RPC client, for workers and tooling. Calls made inside {@link withAbortSignal} are cancellable. */
  readonly workflowService: WorkflowServiceClient;
  /**
   * The same client under Temporal's name for the operator calls (`addSearchAttributes`,
   * `removeSearchAttributes`, `listSearchAttributes`), which Strata serves on the one service.
   */
  readonly operatorService: WorkflowServiceClient;
  /** The address as given, without the scheme. */
  readonly address: string;
  private readonly sessionManager: Http2SessionManager;
  private readonly abortScope: AsyncLocalStorage<AbortSignal>;

  private constructor(address: string, interceptors: Interceptor[]) {
    this.address = stripScheme(address);
    const baseUrl = `http://${this.address}`;
    this.abortScope = new AsyncLocalStorage<AbortSignal>();
    this.sessionManager = new Http2SessionManager(baseUrl);
    const abortScope = this.abortScope;
    // Unary calls (all of the service's) take the direct path; streaming ones would go through Connect's transport.
    const transport = createUnaryTransport({
      baseUrl,
      sessionManager: this.sessionManager,
      interceptors,
      scopeSignal: () => abortScope.getStore(),
      streaming: createConnectTransport({
        httpVersion: '2',
        baseUrl,
        // Protobuf binary costs the client and the server far less CPU than the Connect JSON encoding.
        useBinaryFormat: true,
        sessionManager: this.sessionManager,
        interceptors: [...interceptors, abortScopeInterceptor(this.abortScope)],
      }),
    });
    this.workflowService = createClient(WorkflowService, transport);
    this.operatorService = this.workflowService;
  }

  /** Connects and checks that a Strata server answers; throws a {@link ConnectionError} that says how to start one. */
  static async connect(options: ConnectionOptions = {}): Promise<Connection> {
    const connection = new Connection(options.address ?? DEFAULT_ADDRESS, options.interceptors ?? []);
    try {
      await connection.workflowService.getSystemInfo(
        {},
        { signal: AbortSignal.timeout(options.connectTimeoutMs ?? 10_000) },
      );
    } catch (err) {
      connection.close();
      throw new ConnectionError(
        `[CONNECTION] cannot reach a Strata server at ${connection.address}: ${reasonOf(err)}. ` +
          'Start one with `strata server start-dev`',
        { address: connection.address, cause: err },
      );
    }
    return connection;
  }

  /**
   * Runs `fn`; every RPC it makes (also from clients sharing this connection) is cancelled when `signal`
   * aborts, rejecting with a Connect `Canceled` error.
   */
  withAbortSignal<R>(signal: AbortSignal, fn: () => Promise<R>): Promise<R> {
    const outer = this.abortScope.getStore();
    return this.abortScope.run(outer ? AbortSignal.any([outer, signal]) : signal, fn);
  }

  /** Like {@link withAbortSignal}, aborting once `deadline` (a Date or epoch ms) passes. */
  withDeadline<R>(deadline: Date | number, fn: () => Promise<R>): Promise<R> {
    const ms = (typeof deadline === 'number' ? deadline : deadline.getTime()) - Date.now();
    return this.withAbortSignal(AbortSignal.timeout(Math.max(0, ms)), fn);
  }

  /** Closes the HTTP/2 session; calls still running fail. */
  close(): void {
    this.sessionManager.abort();
  }
}

function abortScopeInterceptor(scope: AsyncLocalStorage<AbortSignal>): Interceptor {
  return (next) => (req) => {
    const scoped = scope.getStore();
    if (scoped === undefined) return next(req);
    return next({ ...req, signal: AbortSignal.any([req.signal, scoped]) });
  };
}

function stripScheme(address: string): string {
  return address.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

/** The most useful short reason: the socket error code (`connect ECONNREFUSED`) when there is one. */
function reasonOf(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    const syscall = (current as NodeJS.ErrnoException).syscall;
    if (typeof code === 'string' && code.startsWith('E')) return syscall ? `${syscall} ${code}` : code;
    current = current.cause;
  }
  if (err instanceof ConnectError) return err.rawMessage;
  return err instanceof Error ? err.message : String(err);
}
