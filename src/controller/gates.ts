/**
 * Gates (C2): a workflow started on the new build (pinned to it by an override) that must complete
 * before the build is promoted (`rollout.gate`) or before a Progressive rollout leaves a step
 * (`steps[i].gate`). A failed gate stops the rollout; `onGateFailure: rollback` also removes the build's
 * ramp, so the current version takes all new workflows again.
 */
import type { ControllerAction } from './actions.js';
import type { RolloutGate, WorkerDeploymentManifest } from './manifest.js';
import {
  type GateState,
  gateWorkflowId,
  type ObservedDeployment,
  type ObservedServerVersion,
} from './observed.js';

/** One gate of a manifest: where it is declared, its fixed workflow id, and what it holds back. */
export interface GateSlot {
  gate: RolloutGate;
  workflowId: string;
  /** The manifest field, for messages: `spec.rollout.gate` or `spec.rollout.steps[1].gate`. */
  field: string;
  /** What waits for it: `before it is promoted`, `before it leaves step 2`. */
  holds: string;
}

/** The rollout gate, then each step's gate, in the order a rollout meets them. */
export function gateSlots(manifest: WorkerDeploymentManifest): GateSlot[] {
  const { deploymentName, buildId, rollout } = manifest;
  const slots: GateSlot[] = [];
  if (rollout.gate !== undefined) {
    slots.push({
      gate: rollout.gate,
      workflowId: gateWorkflowId(deploymentName, buildId),
      field: 'spec.rollout.gate',
      holds: 'before it is promoted',
    });
  }
  rollout.steps.forEach((step, index) => {
    if (step.gate === undefined) return;
    slots.push({
      gate: step.gate,
      workflowId: gateWorkflowId(deploymentName, buildId, index + 1),
      field: `spec.rollout.steps[${index}].gate`,
      holds: `before it leaves step ${index + 1} (${step.rampPercentage}%)`,
    });
  });
  return slots;
}

export function gateState(observed: ObservedDeployment, slot: GateSlot): GateState {
  return observed.gates?.[slot.workflowId] ?? { status: 'NOT_STARTED' };
}

/** The first gate of the build that failed, if any: it stops the whole rollout. */
export function failedGate(
  manifest: WorkerDeploymentManifest,
  observed: ObservedDeployment,
): GateSlot | undefined {
  return gateSlots(manifest).find((slot) => gateState(observed, slot).status === 'FAILED');
}

/** A gate's verdict: undefined when the rollout may go on, else the actions that stand instead. */
export function gateActions(
  slot: GateSlot,
  manifest: WorkerDeploymentManifest,
  observed: ObservedDeployment,
  target: ObservedServerVersion,
  server: NonNullable<ObservedDeployment['server']>,
): ControllerAction[] | undefined {
  const { gate } = slot;
  const buildId = manifest.buildId;
  const state = gateState(observed, slot);
  switch (state.status) {
    case 'COMPLETED':
      return undefined;
    case 'RUNNING':
      return [
        {
          kind: 'wait',
          buildId,
          reason: `gate workflow ${gate.workflowType} (${slot.field}) is running on ${buildId}`,
        },
      ];
    case 'FAILED': {
      const blocked: ControllerAction = {
        kind: 'blocked',
        buildId,
        reason: `gate workflow ${gate.workflowType} (${slot.field}) failed on ${buildId} (${state.detail}); promotion stops. Fix the code and change the template (a new build), or promote by hand with strata worker deployment set-current-version`,
      };
      const ramping = server.routing.rampingVersion?.buildId === buildId;
      if (manifest.rollout.onGateFailure !== 'rollback' || !ramping) return [blocked];
      return [
        {
          kind: 'setRamping',
          buildId: undefined,
          percentage: 0,
          conflictToken: server.conflictToken,
          reason: `onGateFailure: rollback: the gate failed on ${buildId}, so its ramp is removed and the current version takes all new workflows again`,
        },
        blocked,
      ];
    }
    case 'NOT_STARTED': {
      const workflowQueues = target.taskQueues
        .filter((queue) => queue.type === 'WORKFLOW')
        .map((q) => q.name);
      const taskQueue = gate.taskQueue ?? (workflowQueues.length === 1 ? workflowQueues[0] : undefined);
      if (taskQueue === undefined) {
        return [
          {
            kind: 'blocked',
            buildId,
            reason: `the gate needs ${slot.field}.taskQueue: the workers of ${buildId} poll the workflow task queues ${workflowQueues.join(', ')}`,
          },
        ];
      }
      return [
        {
          kind: 'startGate',
          buildId,
          workflowId: slot.workflowId,
          workflowType: gate.workflowType,
          taskQueue,
          args: gate.input === undefined ? [] : [gate.input],
          reason: `gate: ${gate.workflowType} must complete on ${buildId} ${slot.holds}`,
        },
      ];
    }
    default: {
      const unknownState: never = state;
      throw new Error(`unknown gate state ${JSON.stringify(unknownState)}`);
    }
  }
}
