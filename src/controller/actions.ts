/**
 * What the planner asks for. Every action carries the reason the controller logs and `status` shows.
 */
import type { WorkerTemplate } from './manifest.js';

export type ControllerAction =
  /** Run `replicas` processes of the build; `template` is given for the manifest's build (others reuse the runtime's record). */
  | { kind: 'scale'; buildId: string; replicas: number; template?: WorkerTemplate; reason: string }
  /** `buildId` undefined with 0 removes the ramp. */
  | {
      kind: 'setRamping';
      buildId: string | undefined;
      percentage: number;
      conflictToken: string;
      reason: string;
    }
  | { kind: 'setCurrent'; buildId: string; conflictToken: string; reason: string }
  /** Start the gate workflow pinned to the build (by override) on `taskQueue`. */
  | {
      kind: 'startGate';
      buildId: string;
      workflowId: string;
      workflowType: string;
      taskQueue: string;
      args: unknown[];
      reason: string;
    }
  /**
   * Patch build (`spec.patch`): replay the running workflows pinned to `fromBuildId` on `buildId`'s workers
   * and, if none diverges, move them all to `buildId` with one batch override (`workerDeployments.patch`).
   */
  | { kind: 'patch'; buildId: string; fromBuildId: string; reason: string }
  /** Stop and forget the build's processes, then (when `onServer`) delete its version on the server. */
  | { kind: 'deleteVersion'; buildId: string; onServer: boolean; reason: string }
  /** Nothing to do yet: due at `dueMs`, or when something outside changes (workers poll, a gate ends). */
  | { kind: 'wait'; buildId?: string; dueMs?: number; reason: string }
  /** Cannot go on without a person: a failed gate, a version that cannot be brought back up. */
  | { kind: 'blocked'; buildId: string; reason: string };

/** The actions that change something (everything but waits and blocks). */
export function isEffect(action: ControllerAction): boolean {
  return action.kind !== 'wait' && action.kind !== 'blocked';
}

/** One line for logs and `status`: what the action does, without its reason. */
export function describeAction(action: ControllerAction): string {
  switch (action.kind) {
    case 'scale':
      return `scale ${action.buildId} to ${action.replicas} worker(s)`;
    case 'setRamping':
      return action.buildId === undefined
        ? 'remove the ramping version'
        : `ramp ${action.buildId} to ${action.percentage}%`;
    case 'setCurrent':
      return `make ${action.buildId} current`;
    case 'startGate':
      return `start gate workflow ${action.workflowType} (${action.workflowId}) on ${action.taskQueue}`;
    case 'deleteVersion':
      return action.onServer
        ? `delete version ${action.buildId} and its processes`
        : `stop and forget the processes of ${action.buildId}`;
    case 'wait':
      return action.dueMs === undefined
        ? `wait${action.buildId ? ` (${action.buildId})` : ''}`
        : `wait until ${new Date(action.dueMs).toISOString()}${action.buildId ? ` (${action.buildId})` : ''}`;
    case 'blocked':
      return `blocked (${action.buildId})`;
    case 'patch':
      return `patch: replay the workflows pinned to ${action.fromBuildId} on ${action.buildId} and move them there`;
    default: {
      const unknownAction: never = action;
      throw new Error(`unknown action ${JSON.stringify(unknownAction)}`);
    }
  }
}
