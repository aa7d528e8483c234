/**
 * Setting or removing a run's versioning override (V5): pure, over the mutation. The engine side
 * (re-targeting queued tasks) is in ../workflow-options-api.ts.
 */

import type { VersioningOverride } from '../../common/versioning.js';
import { overrideToProto } from '../../common/versioning-proto.js';
import type { Mutation } from './mutation.js';
import { stickyScheduleToStartTimedOut } from './workflow-task.js';

function sameOverride(a: VersioningOverride | undefined, b: VersioningOverride | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Sets the override (`undefined` removes it). Writes WorkflowExecutionOptionsUpdated only when it changes,
 * and drops the run's sticky queue, so its next workflow task goes through routing (a task waiting on the
 * sticky queue moves to the normal queue now). Returns whether anything changed.
 */
export function setVersioningOverride(
  m: Mutation,
  override: VersioningOverride | undefined,
  identity: string,
): boolean {
  const state = m.state;
  if (sameOverride(state.versioning?.override, override)) return false;
  m.addEvent({
    case: 'workflowExecutionOptionsUpdatedEventAttributes',
    value: {
      versioningOverride: override && overrideToProto(override),
      unsetVersioningOverride: override === undefined,
      identity,
    },
  });
  const versioning = { ...state.versioning };
  if (override) versioning.override = override;
  else delete versioning.override;
  delete versioning.stickyVersion;
  state.versioning = versioning;
  const task = state.workflowTask;
  if (task?.sticky && task.startedEventId === 0 && !task.backoff) {
    stickyScheduleToStartTimedOut(m, task.scheduledEventId);
  }
  state.stickyTaskQueue = '';
  return true;
}
