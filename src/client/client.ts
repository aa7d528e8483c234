import { hostname } from 'node:os';
import type { Connection } from './connection.js';
import { WorkflowClient } from './workflow-client.js';

/** Options of {@link Client}. */
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

/**
 * The entry point for applications: `client.workflow` starts workflows and makes handles to them.
 *
 * @example
 * const client = new Client({ connection: await Connection.connect() });
 * const handle = await client.workflow.start(greet, { taskQueue: 'hello', workflowId: 'greet-1', args: ['Ada'] });
 */
export class Client {
  readonly connection: Connection;
  readonly namespace: string;
  readonly identity: string;
  readonly workflow: WorkflowClient;

  constructor(options: ClientOptions) {
    this.connection = options.connection;
    this.namespace = options.namespace ?? 'default';
    this.identity = options.identity ?? `${process.pid}@${hostname()}`;
    this.workflow = new WorkflowClient({
      service: this.connection.workflowService,
      namespace: this.namespace,
      identity: this.identity,
    });
  }
}
