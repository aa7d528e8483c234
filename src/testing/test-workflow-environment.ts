import type { Interceptor } from '@connectrpc/connect';
import { Client } from '../client/client.js';
import { Connection } from '../client/connection.js';
import { type Duration, msFromDuration } from '../common/duration.js';
import { VirtualClock } from '../engine/clock.js';
import type { EngineLimits as ServerLimits } from '../engine/engine-core.js';
import type { LogLevel } from '../engine/logger.js';
import { UpdateWorkflowExecutionLifecycleStage } from '../gen/strata/v1/update_pb.js';
import { type StrataServer, startServer } from '../server/server.js';

export type { ServerLimits };

export interface LocalTestEnvironmentOptions {
  /** Namespace of `env.client`; it is created on the server. @default 'default' */
  namespace?: string;
  /** Server log level. @default 'error' */
  logLevel?: LogLevel;
  /**
   * Server limits, e.g. `{ suggestContinueAsNewHistoryLength: 50 }` so a test reaches
   * `workflowInfo().continueAsNewSuggested` after a few workflow tasks instead of 4,096 events.
   */
  limits?: Partial<ServerLimits>;
}

export interface TimeSkippingTestEnvironmentOptions extends LocalTestEnvironmentOptions {
  /** Where the virtual clock starts, as epoch milliseconds. @default now */
  startTimeMs?: number;
}

/** An in-process server with a client; see the module documentation. Close it with {@link teardown}. */
export class TestWorkflowEnvironment {
  private constructor(
    private readonly server: StrataServer,
    /** The connection for workers: `Worker.create({ connection: env.connection, ... })`. */
    readonly connection: Connection,
    /** A client of the environment's namespace. */
    readonly client: Client,
    readonly namespace: string,
    private readonly clock: VirtualClock | undefined,
  ) {}

  /** A server on real time. */
  static async createLocal(options: LocalTestEnvironmentOptions = {}): Promise<TestWorkflowEnvironment> {
    return TestWorkflowEnvironment.create(options, undefined);
  }

  /** A server on a virtual clock that skips ahead while a client awaits a result; see the module docs. */
  static async createTimeSkipping(
    options: TimeSkippingTestEnvironmentOptions = {},
  ): Promise<TestWorkflowEnvironment> {
    return TestWorkflowEnvironment.create(options, new VirtualClock(options.startTimeMs));
  }

  private static async create(
    options: LocalTestEnvironmentOptions,
    clock: VirtualClock | undefined,
  ): Promise<TestWorkflowEnvironment> {
    const namespace = options.namespace ?? 'default';
    const server = await startServer({
      port: 0,
      namespaces: [...new Set(['default', namespace])],
      logLevel: options.logLevel ?? 'error',
      clock,
      limits: options.limits,
    });
    const interceptors = clock ? [skipTimeWhileAwaitingResults(server)] : [];
    const connection = await Connection.connect({ address: server.address, interceptors });
    const client = new Client({ connection, namespace });
    return new TestWorkflowEnvironment(server, connection, client, namespace, clock);
  }

  /** True for {@link createTimeSkipping} environments. */
  get supportsTimeSkipping(): boolean {
    return this.clock !== undefined;
  }

  /** The server's current time in epoch milliseconds (virtual in a time-skipping environment). */
  currentTimeMs(): number {
    return this.clock?.nowMs() ?? Date.now();
  }

  /**
   * Lets `duration` pass: a time-skipping environment moves its clock forward at once, firing the timers
   * that come due in order; a local environment really waits.
   */
  async sleep(duration: Duration): Promise<void> {
    const ms = msFromDuration(duration);
    if (this.clock) await this.server.engine.skipTime(ms);
    else await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Closes the connection and stops the server. */
  async teardown(): Promise<void> {
    this.connection.close();
    await this.server.close();
  }
}

/**
 * Waiting for a result is how tests say "let the workflow run to its end": time skipping is on while at
 * least one such wait is in flight (a workflow's result, or an update's), and off otherwise, so a test can
 * signal a workflow before its timers fire.
 */
function skipTimeWhileAwaitingResults(server: StrataServer): Interceptor {
  let waiting = 0;
  return (next) => async (request) => {
    const message = request.message as {
      waitForClose?: boolean;
      waitPolicy?: { lifecycleStage?: UpdateWorkflowExecutionLifecycleStage };
    };
    const awaitsResult =
      (request.method.name === 'GetWorkflowExecutionHistory' && message.waitForClose === true) ||
      ((request.method.name === 'UpdateWorkflowExecution' ||
        request.method.name === 'PollWorkflowExecutionUpdate') &&
        message.waitPolicy?.lifecycleStage === UpdateWorkflowExecutionLifecycleStage.COMPLETED);
    if (!awaitsResult) return next(request);
    if (waiting++ === 0) server.engine.setTimeSkipping(true);
    try {
      return await next(request);
    } finally {
      if (--waiting === 0) server.engine.setTimeSkipping(false);
    }
  };
}
