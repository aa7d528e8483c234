/**
 * The rows of the worker deployment tables (migration 0003) as both adapters read them, and their
 * records. PostgreSQL returns BIGINT columns as strings and booleans as booleans; SQLite returns numbers.
 */
import type {
  DeploymentRecord,
  DeploymentVersionRecord,
  PollerRecord,
  TaskKind,
  VersionTaskQueue,
} from './store.js';

type Int = string | number;

export interface DeploymentRow {
  namespace: string;
  name: string;
  create_time_ms: Int;
  current_build_id: string;
  ramping_build_id: string;
  ramping_percentage: number;
  current_changed_ms: Int;
  ramping_changed_ms: Int;
  ramping_percentage_changed_ms: Int;
  revision: number;
  last_modifier_identity: string;
}

export interface VersionRow {
  namespace: string;
  deployment_name: string;
  build_id: string;
  create_time_ms: Int;
  open_pinned: number;
  had_pinned: boolean | number;
  drainage_changed_ms: Int;
  current_since_ms: Int;
  ramping_since_ms: Int;
  first_activation_ms: Int;
  last_deactivation_ms: Int;
}

export interface QueueRow {
  namespace: string;
  deployment_name: string;
  build_id: string;
  task_queue: string;
  kind: TaskKind;
}

export interface PollerRow {
  namespace: string;
  task_queue: string;
  kind: TaskKind;
  identity: string;
  deployment_name: string;
  build_id: string;
  last_access_ms: Int;
}

export function toDeployment(row: DeploymentRow): DeploymentRecord {
  return {
    namespace: row.namespace,
    name: row.name,
    createTimeMs: Number(row.create_time_ms),
    currentBuildId: row.current_build_id,
    rampingBuildId: row.ramping_build_id,
    rampingPercentage: row.ramping_percentage,
    currentChangedMs: Number(row.current_changed_ms),
    rampingChangedMs: Number(row.ramping_changed_ms),
    rampingPercentageChangedMs: Number(row.ramping_percentage_changed_ms),
    revision: row.revision,
    lastModifierIdentity: row.last_modifier_identity,
  };
}

export function toVersion(row: VersionRow): DeploymentVersionRecord {
  return {
    namespace: row.namespace,
    deploymentName: row.deployment_name,
    buildId: row.build_id,
    createTimeMs: Number(row.create_time_ms),
    openPinned: row.open_pinned,
    hadPinned: Boolean(row.had_pinned),
    drainageChangedMs: Number(row.drainage_changed_ms),
    currentSinceMs: Number(row.current_since_ms),
    rampingSinceMs: Number(row.ramping_since_ms),
    firstActivationMs: Number(row.first_activation_ms),
    lastDeactivationMs: Number(row.last_deactivation_ms),
  };
}

export function toQueue(row: QueueRow): VersionTaskQueue {
  return {
    namespace: row.namespace,
    deploymentName: row.deployment_name,
    buildId: row.build_id,
    taskQueue: row.task_queue,
    kind: row.kind,
  };
}

export function toPoller(row: PollerRow): PollerRecord {
  return {
    namespace: row.namespace,
    taskQueue: row.task_queue,
    kind: row.kind,
    identity: row.identity,
    deploymentName: row.deployment_name,
    buildId: row.build_id,
    lastAccessMs: Number(row.last_access_ms),
  };
}
