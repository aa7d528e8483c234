import { BatchClient } from './batch-client.js';
import { type ClientOptions, resolveClientOptions } from './client-options.js';
import type { Connection } from './connection.js';
import { type WorkerDeploymentClient, WorkerDeploymentClientImpl } from './worker-deployment-client.js';
import { WorkflowClient } from './workflow-client.js';

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
  /** Worker deployments and their versions: routing, status, drainage, deletion. */
  readonly workerDeployments: WorkerDeploymentClient;
  /** Durable batch operations: terminate, cancel or signal every workflow a query matches. */
  readonly batch: BatchClient;

  constructor(options: ClientOptions) {
    const resolved = resolveClientOptions(options);
    this.connection = resolved.connection;
    this.namespace = resolved.namespace;
    this.identity = resolved.identity;
    this.workflow = new WorkflowClient(resolved);
    this.batch = new BatchClient(resolved);
    this.workerDeployments = new WorkerDeploymentClientImpl(
      resolved.connection.workflowService,
      resolved.namespace,
      resolved.identity,
      this.batch,
    );
  }
}
