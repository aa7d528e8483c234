/**
 * UpdateWorkflowExecutionOptions (V5): sets or removes one run's versioning override. Batch operations call
 * `setRunVersioningOverride` for each workflow they change, so one run is changed the same way either way.
 */
import { create } from '@bufbuild/protobuf';
import { type VersioningOverride, versionProblem } from '../common/versioning.js';
import { overrideFromProto, overrideToProto } from '../common/versioning-proto.js';
import {
  type VersioningOverride as ProtoOverride,
  type UpdateWorkflowExecutionOptionsRequest,
  type UpdateWorkflowExecutionOptionsResponse,
  UpdateWorkflowExecutionOptionsResponseSchema,
  WorkflowExecutionOptionsSchema,
} from '../gen/strata/v1/deployment_pb.js';
import type { ExecutionRecord, StoreTransaction, TaskKind } from '../store/store.js';
import { type CommitEffects, type EngineCore, isRunning } from './engine-core.js';
import { invalidArgument, workflowClosed } from './errors.js';
import { setVersioningOverride } from './state/versioning-override.js';
import { requireField } from './validation.js';
import { taskTarget } from './versioning/route.js';

const overridePath = 'versioning_override';

/** A versioning override from a request, or `[INVALID_ARGUMENT]` naming the field when it is malformed. */
export function checkVersioningOverride(
  override: ProtoOverride | undefined,
  field: string,
): VersioningOverride | undefined {
  let checked: VersioningOverride | undefined;
  try {
    checked = overrideFromProto(override);
  } catch (error) {
    throw invalidArgument(`${field}: ${String((error as Error).message).replace('[INVALID_ARGUMENT] ', '')}`);
  }
  const problem = checked && checked !== 'AUTO_UPGRADE' ? versionProblem(checked.pinnedTo) : undefined;
  if (problem) throw invalidArgument(`${field}: ${problem}`);
  return checked;
}

/**
 * The override an options update sets (`undefined`: removes it), checking its paths and override;
 * `prefix` names the request's field in errors (a batch's operation).
 */
export function checkOptionsUpdate(
  update: Pick<UpdateWorkflowExecutionOptionsRequest, 'updatePaths' | 'workflowExecutionOptions'>,
  prefix: string,
): VersioningOverride | undefined {
  const paths = update.updatePaths.length === 0 ? [overridePath] : update.updatePaths;
  const unknown = paths.filter((path) => path !== overridePath);
  if (unknown.length > 0) {
    throw invalidArgument(
      `${prefix}update_paths: unknown option ${unknown.map((path) => `"${path}"`).join(', ')}; the options that can change: "${overridePath}"`,
    );
  }
  return checkVersioningOverride(
    update.workflowExecutionOptions?.versioningOverride,
    `${prefix}workflow_execution_options.versioning_override`,
  );
}

/**
 * Sets (or, with `undefined`, removes) a running run's override in the transaction: writes
 * WorkflowExecutionOptionsUpdated when it changes, drops its sticky queue, and moves its queued tasks to
 * the version they now belong to. Returns whether the override changed. The caller wakes pollers after
 * the commit (`core.matching.wakeAll()`): the moved tasks wait on other versions' channels now.
 */
export async function setRunVersioningOverride(
  core: EngineCore,
  tx: StoreTransaction,
  effects: CommitEffects,
  record: ExecutionRecord,
  override: VersioningOverride | undefined,
  identity: string,
): Promise<boolean> {
  const outcome = await core.mutate(tx, effects, record, (m) => ({
    changed: setVersioningOverride(m, override, identity),
    state: m.state,
  }));
  if (!outcome.changed) return false;
  // The run's queued tasks wait on its workflow task queue (its sticky queue was just dropped) and on
  // the task queues of its pending activities.
  const state = outcome.state;
  const queues = new Map<string, { taskQueue: string; kind: TaskKind }>([
    [`workflow:${state.taskQueue}`, { taskQueue: state.taskQueue, kind: 'workflow' }],
  ]);
  for (const activity of Object.values(state.activities)) {
    queues.set(`activity:${activity.taskQueue}`, { taskQueue: activity.taskQueue, kind: 'activity' });
  }
  for (const queue of queues.values()) {
    const target = await taskTarget(tx, state, queue);
    await tx.retargetRunTasks(record.namespace, record.runId, target.version, target.pinned, queue);
  }
  return true;
}

export async function updateWorkflowExecutionOptions(
  core: EngineCore,
  request: UpdateWorkflowExecutionOptionsRequest,
): Promise<UpdateWorkflowExecutionOptionsResponse> {
  const namespace = core.checkNamespace(request.namespace);
  const workflowId = requireField(request.workflowId, 'workflow_id');
  const override = checkOptionsUpdate(request, '');
  const changed = await core.transact(async (tx, effects) => {
    const record = await core.resolveRun(tx, namespace, workflowId, request.runId);
    if (!isRunning(record)) throw workflowClosed(namespace, workflowId, record.runId);
    return setRunVersioningOverride(core, tx, effects, record, override, request.identity);
  });
  if (changed) core.matching.wakeAll();
  return create(UpdateWorkflowExecutionOptionsResponseSchema, {
    workflowExecutionOptions: create(WorkflowExecutionOptionsSchema, {
      versioningOverride: override && overrideToProto(override),
    }),
  });
}
