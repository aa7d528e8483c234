/** Builders for planner tests: manifests from a few fields, observed states from a compact description. */
import { stringify } from 'yaml';
import { parseManifests, type WorkerDeploymentManifest } from '../../src/controller/manifest.js';
import {
  type GateState,
  gateWorkflowId,
  type ObservedDeployment,
  type ObservedServerVersion,
  type ObservedTaskQueue,
  type RuntimeVersion,
  type VersionStatus,
} from '../../src/controller/observed.js';

export const DEPLOYMENT = 'my-worker/prod';
export const T0 = Date.parse('2026-01-01T00:00:00Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

export interface ManifestFields {
  tag?: string;
  strategy?: 'Manual' | 'AllAtOnce' | 'Progressive';
  steps?: Array<{ rampPercentage: number; pauseDuration: string | number }>;
  gate?: { workflowType: string; input?: unknown; taskQueue?: string };
  onGateFailure?: 'block' | 'rollback';
  replicas?: number;
  scaledownDelay?: string;
  deleteDelay?: string;
  /** `spec.patch.from`. */
  patchFrom?: string;
}

export function manifestOf(fields: ManifestFields = {}): WorkerDeploymentManifest {
  const doc = {
    kind: 'WorkerDeployment',
    metadata: { name: 'my-worker', namespace: 'prod' },
    spec: {
      replicas: fields.replicas ?? 2,
      template: { artifact: `my-worker:${fields.tag ?? 'v2'}`, command: ['node', 'worker.js'] },
      rollout: {
        strategy: fields.strategy ?? 'AllAtOnce',
        ...(fields.steps ? { steps: fields.steps } : {}),
        ...(fields.gate ? { gate: fields.gate } : {}),
        ...(fields.onGateFailure ? { onGateFailure: fields.onGateFailure } : {}),
      },
      sunset: { scaledownDelay: fields.scaledownDelay ?? '1m', deleteDelay: fields.deleteDelay ?? '10m' },
      ...(fields.patchFrom ? { patch: { from: fields.patchFrom } } : {}),
    },
  };
  return parseManifests(stringify(doc), 'test.yaml')[0]!;
}

/** Queues polled by a version's workers, as `name` (workflow + activity) or `name:workflow`. */
export function queues(...names: string[]): ObservedTaskQueue[] {
  return names.flatMap((name) => {
    const [queue, only] = name.split(':');
    const types: Array<'WORKFLOW' | 'ACTIVITY'> =
      only === 'workflow' ? ['WORKFLOW'] : only === 'activity' ? ['ACTIVITY'] : ['WORKFLOW', 'ACTIVITY'];
    return types.map((type) => ({ name: queue!, type, pollers: [{ identity: `${queue}-worker` }] }));
  });
}

export interface VersionFields {
  status: VersionStatus;
  pinned?: number;
  /** The drainage status' last change, in ms since T0. */
  drainageChangedAt?: number;
  taskQueues?: ObservedTaskQueue[];
}

export function serverVersion(buildId: string, fields: VersionFields): ObservedServerVersion {
  const drainage =
    fields.status === 'DRAINING' || fields.status === 'DRAINED'
      ? { status: fields.status, lastChangedTime: new Date(T0 + (fields.drainageChangedAt ?? 0)) }
      : undefined;
  return {
    version: { deploymentName: DEPLOYMENT, buildId },
    status: fields.status,
    openPinnedWorkflows: fields.pinned ?? 0,
    ...(drainage ? { drainageInfo: drainage } : {}),
    taskQueues: fields.taskQueues ?? queues('orders'),
  };
}

export function running(buildId: string, replicas = 2, hasTemplate = true): RuntimeVersion {
  return { buildId, desiredReplicas: replicas, runningReplicas: replicas, hasTemplate };
}

export interface ObservedFields {
  current?: string;
  ramping?: string;
  percentage?: number;
  /** When the ramp percentage last changed, in ms since T0. */
  rampChangedAt?: number;
  versions?: ObservedServerVersion[];
  runtime?: RuntimeVersion[];
  /** The state of the rollout gate of build `gateBuildId`. */
  gate?: GateState;
  /** The states of step gates, by step number (from 1). */
  stepGates?: Record<number, GateState>;
  /** The build the gates belong to (the manifest's). */
  gateBuildId?: string;
  /** No deployment on the server yet. */
  noServer?: boolean;
}

export function observedOf(fields: ObservedFields): ObservedDeployment {
  const version = (buildId: string | undefined) =>
    buildId === undefined ? undefined : { deploymentName: DEPLOYMENT, buildId };
  return {
    deploymentName: DEPLOYMENT,
    ...(fields.noServer
      ? {}
      : {
          server: {
            routing: {
              currentVersion: version(fields.current),
              rampingVersion: version(fields.ramping),
              rampingVersionPercentage: fields.percentage ?? 0,
              ...(fields.rampChangedAt === undefined
                ? {}
                : { rampingVersionPercentageChangedTime: new Date(T0 + fields.rampChangedAt) }),
            },
            conflictToken: 'rev-7',
            versions: fields.versions ?? [],
          },
        }),
    runtime: fields.runtime ?? [],
    gates: Object.fromEntries([
      ...(fields.gate
        ? [[gateWorkflowId(DEPLOYMENT, fields.gateBuildId ?? '', undefined), fields.gate]]
        : []),
      ...Object.entries(fields.stepGates ?? {}).map(([step, state]) => [
        gateWorkflowId(DEPLOYMENT, fields.gateBuildId ?? '', Number(step)),
        state,
      ]),
    ]),
  };
}
