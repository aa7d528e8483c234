/**
 * C3: builds the {@link ObservedDeployment} of a manifest from scratch: the server's deployment and each
 * of its versions (`client.workerDeployments`), the runtime's processes and the gate workflow.
 */
import { Code } from '@connectrpc/connect';
import { WorkflowNotFoundError } from '../client/errors.js';
import type { WorkerDeploymentClient } from '../client/worker-deployment-client.js';
import type { WorkflowClient } from '../client/workflow-client.js';
import { gateSlots } from './gates.js';
import type { WorkerDeploymentManifest } from './manifest.js';
import type { GateState, ObservedDeployment, RuntimeVersion } from './observed.js';

/** The part of `client.workerDeployments` the controller reads and drives. */
export type DeploymentApi = Pick<
  WorkerDeploymentClient,
  | 'describe'
  | 'describeVersion'
  | 'setCurrentVersion'
  | 'setRampingVersion'
  | 'deleteVersion'
  | 'replayOnVersion'
  | 'patch'
>;

/** What the controller uses of a `Client` (from `strata/client`). */
export interface ControllerClient {
  workerDeployments: DeploymentApi;
  workflow: Pick<WorkflowClient, 'getHandle' | 'start' | 'list'>;
}

export interface ObserveSources {
  client: ControllerClient;
  runtime: { list(deploymentName: string): Promise<RuntimeVersion[]> };
}

export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === Code.NotFound;
}

async function observeServer(
  deployments: DeploymentApi,
  deploymentName: string,
): Promise<ObservedDeployment['server']> {
  let description: Awaited<ReturnType<DeploymentApi['describe']>>;
  try {
    description = await deployments.describe(deploymentName);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const versions = await Promise.all(
    description.versionSummaries.map((summary) => deployments.describeVersion(summary.version)),
  );
  return { routing: description.routingConfig, conflictToken: description.conflictToken, versions };
}

async function observeGate(workflows: ControllerClient['workflow'], workflowId: string): Promise<GateState> {
  const handle = workflows.getHandle(workflowId);
  let status: string;
  try {
    status = (await handle.describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { status: 'NOT_STARTED' };
    throw err;
  }
  if (status === 'RUNNING') return { status: 'RUNNING' };
  if (status === 'COMPLETED') return { status: 'COMPLETED' };
  const failure = await handle.result().then(
    () => undefined,
    (err: unknown) =>
      err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err),
  );
  return { status: 'FAILED', detail: failure === undefined ? status : `${status}: ${failure}` };
}

/** Everything the planner needs about one manifest's deployment, read now. */
export async function observe(
  sources: ObserveSources,
  manifest: WorkerDeploymentManifest,
): Promise<ObservedDeployment> {
  const gateIds = gateSlots(manifest).map((slot) => slot.workflowId);
  const [server, runtime, gateStates] = await Promise.all([
    observeServer(sources.client.workerDeployments, manifest.deploymentName),
    sources.runtime.list(manifest.deploymentName),
    Promise.all(gateIds.map((workflowId) => observeGate(sources.client.workflow, workflowId))),
  ]);
  return {
    deploymentName: manifest.deploymentName,
    ...(server === undefined ? {} : { server }),
    runtime,
    ...(gateIds.length === 0
      ? {}
      : { gates: Object.fromEntries(gateIds.map((id, i) => [id, gateStates[i]!])) }),
  };
}
