/**
 * What the controller sees of one deployment at one moment (C3: rebuilt every loop, never carried over):
 * the server's routing and versions, the runtime's processes, and the gate workflow's state. The server
 * part has the shape of `client.workerDeployments`' answers, reduced to the fields the planner reads.
 */
import type { WorkerDeploymentVersion } from '../common/versioning.js';

export type VersionStatus = 'INACTIVE' | 'CURRENT' | 'RAMPING' | 'DRAINING' | 'DRAINED';

export interface ObservedRouting {
  /** undefined: unversioned workers get new workflows. */
  currentVersion?: WorkerDeploymentVersion;
  rampingVersion?: WorkerDeploymentVersion;
  rampingVersionPercentage: number;
  /** Progressive measures each step's pause from this time. */
  rampingVersionPercentageChangedTime?: Date;
}

export interface ObservedTaskQueue {
  name: string;
  type: 'WORKFLOW' | 'ACTIVITY';
  pollers: ReadonlyArray<{ identity: string }>;
}

/** One version as the server describes it (`describeVersion`). */
export interface ObservedServerVersion {
  version: WorkerDeploymentVersion;
  status: VersionStatus;
  openPinnedWorkflows: number;
  drainageInfo?: { status: 'DRAINING' | 'DRAINED'; lastChangedTime: Date };
  taskQueues: ReadonlyArray<ObservedTaskQueue>;
}

/** One build id as the runtime runs it. */
export interface RuntimeVersion {
  buildId: string;
  /** Processes the runtime keeps running (restarting crashed ones). */
  desiredReplicas: number;
  /** Processes alive right now. */
  runningReplicas: number;
  /** Whether the runtime recorded how to start this build (it can scale it up again). */
  hasTemplate: boolean;
}

/** The gate workflow of a build id, read from the server by its fixed workflow id. */
export type GateState =
  | { status: 'NOT_STARTED' }
  | { status: 'RUNNING' }
  | { status: 'COMPLETED' }
  | { status: 'FAILED'; detail: string };

export interface ObservedDeployment {
  deploymentName: string;
  /** undefined while the server has no such deployment (no worker of it has polled yet). */
  server?: {
    routing: ObservedRouting;
    /** The revision to pass with a routing change (V2). */
    conflictToken: string;
    versions: ReadonlyArray<ObservedServerVersion>;
  };
  runtime: ReadonlyArray<RuntimeVersion>;
  /** The manifest build's gate workflows, by workflow id (see {@link gateWorkflowId}); absent = not started. */
  gates?: Readonly<Record<string, GateState>>;
}

/**
 * The fixed workflow id of a build's gate (`step` for the gate of a Progressive step, from 1), so a
 * restarted controller finds the gates it started.
 */
export function gateWorkflowId(deploymentName: string, buildId: string, step?: number): string {
  return `strata-controller-gate:${deploymentName}:${buildId}${step === undefined ? '' : `:step-${step}`}`;
}
