/**
 * Friendly views of the server's execution records: statuses by name, times as `Date`s.
 */

import { failureToError, type StrataFailure } from '../common/failure.js';
import { fromProtoFailure } from '../common/failure-proto.js';
import {
  decodeTypedSearchAttributes,
  type SearchAttributes,
  type TypedSearchAttributes,
  untypedSearchAttributes,
} from '../common/search-attributes.js';
import { fromProtoSearchAttributes, memoValues } from '../common/search-attributes-proto.js';
import type {
  VersioningBehavior,
  VersioningOverride,
  WorkerDeploymentVersion,
} from '../common/versioning.js';
import { behaviorFromProto, overrideFromProto, versionFromProto } from '../common/versioning-proto.js';
import { ParentClosePolicy, WorkflowExecutionStatus } from '../gen/strata/v1/common_pb.js';
import type { WorkflowVersioningInfo as ProtoVersioningInfo } from '../gen/strata/v1/deployment_pb.js';
import {
  type DescribeWorkflowExecutionResponse,
  PendingActivityState,
  type WorkflowExecutionInfo as ProtoWorkflowExecutionInfo,
} from '../gen/strata/v1/service_pb.js';

export type WorkflowExecutionStatusName =
  | 'UNSPECIFIED'
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'CONTINUED_AS_NEW'
  | 'TIMED_OUT';

/** One workflow execution as listed by `client.workflow.list`. */
export interface WorkflowExecutionInfo {
  workflowId: string;
  runId: string;
  /** The workflow type (function name). */
  type: string;
  taskQueue: string;
  /** `code` is the wire enum value; `name` is what to compare against, e.g. `'RUNNING'`. */
  status: { code: WorkflowExecutionStatus; name: WorkflowExecutionStatusName };
  historyLength: number;
  startTime: Date;
  executionTime: Date | undefined;
  /** Set once the execution closed. */
  closeTime: Date | undefined;
  /** The execution's search attributes, custom ones and those the server keeps (`Patches`). */
  typedSearchAttributes: TypedSearchAttributes;
  /** @deprecated Temporal's untyped form of the same, every value an array: use `typedSearchAttributes`. */
  searchAttributes: SearchAttributes;
  /** Undefined when the execution has no memo. */
  memo: Record<string, unknown> | undefined;
  /** Set for a child workflow: the workflow that started it. */
  parentExecution: { workflowId: string; runId: string } | undefined;
  /** Undefined for a workflow that never met a versioned worker or a versioning override. */
  versioningInfo: WorkflowVersioningInfo | undefined;
  raw: ProtoWorkflowExecutionInfo;
}

/** A workflow's worker deployment versioning (V4, V5). */
export interface WorkflowVersioningInfo {
  /** What the workflow declared at its last completed workflow task; undefined for unversioned workers. */
  behavior: VersioningBehavior | undefined;
  /** The version of the worker that completed its last workflow task. */
  version: WorkerDeploymentVersion | undefined;
  versioningOverride: VersioningOverride | undefined;
  /** The override's behavior when one is set, else `behavior`: what routes its next tasks. */
  effectiveBehavior: VersioningBehavior | undefined;
  /** For an effectively pinned workflow: the version its tasks go to (and whose drainage counts it). */
  pinnedVersion: WorkerDeploymentVersion | undefined;
}

export type PendingActivityStateName = 'SCHEDULED' | 'STARTED' | 'CANCEL_REQUESTED' | 'UNSPECIFIED';

/** An activity the workflow is waiting for. */
export interface PendingActivity {
  activityId: string;
  activityType: string;
  state: PendingActivityStateName;
  attempt: number;
  /** Why the previous attempt failed, when it did. */
  lastFailure: StrataFailure | undefined;
  lastHeartbeatTime: Date | undefined;
}

/** The workflow task the server is waiting on a worker for. */
export interface PendingWorkflowTask {
  attempt: number;
  scheduledTime: Date | undefined;
  /** Why the previous attempt failed, e.g. a non-determinism error after a code change. */
  lastFailure: StrataFailure | undefined;
}

/** A child workflow the parent started (or is starting) that has not closed. */
export interface PendingChildWorkflow {
  workflowId: string;
  /** Empty while the server is still starting it. */
  runId: string;
  workflowType: string;
  parentClosePolicy: 'TERMINATE' | 'ABANDON' | 'REQUEST_CANCEL';
}

/** What `handle.describe()` returns. `raw` keeps the full server response. */
export interface WorkflowExecutionDescription extends Omit<WorkflowExecutionInfo, 'raw'> {
  pendingActivities: PendingActivity[];
  pendingWorkflowTask: PendingWorkflowTask | undefined;
  pendingChildren: PendingChildWorkflow[];
  raw: DescribeWorkflowExecutionResponse;
}

const STATUS_NAMES: Record<WorkflowExecutionStatus, WorkflowExecutionStatusName> = {
  [WorkflowExecutionStatus.UNSPECIFIED]: 'UNSPECIFIED',
  [WorkflowExecutionStatus.RUNNING]: 'RUNNING',
  [WorkflowExecutionStatus.COMPLETED]: 'COMPLETED',
  [WorkflowExecutionStatus.FAILED]: 'FAILED',
  [WorkflowExecutionStatus.CANCELED]: 'CANCELLED',
  [WorkflowExecutionStatus.TERMINATED]: 'TERMINATED',
  [WorkflowExecutionStatus.CONTINUED_AS_NEW]: 'CONTINUED_AS_NEW',
  [WorkflowExecutionStatus.TIMED_OUT]: 'TIMED_OUT',
};

/** The status name users compare against (Temporal spells the cancelled status `CANCELLED`). */
export function statusName(status: WorkflowExecutionStatus): WorkflowExecutionStatusName {
  return STATUS_NAMES[status] ?? 'UNSPECIFIED';
}

export function toWorkflowExecutionInfo(raw: ProtoWorkflowExecutionInfo): WorkflowExecutionInfo {
  const typedSearchAttributes = decodeTypedSearchAttributes(fromProtoSearchAttributes(raw.searchAttributes));
  return {
    workflowId: raw.execution?.workflowId ?? '',
    runId: raw.execution?.runId ?? '',
    type: raw.type?.name ?? '',
    taskQueue: raw.taskQueue,
    status: { code: raw.status, name: statusName(raw.status) },
    historyLength: raw.historyLength,
    startTime: new Date(raw.startTimeMs),
    executionTime: optionalDate(raw.executionTimeMs),
    closeTime: optionalDate(raw.closeTimeMs),
    typedSearchAttributes,
    searchAttributes: untypedSearchAttributes(typedSearchAttributes),
    memo: raw.memo ? memoValues(raw.memo) : undefined,
    parentExecution: raw.parentExecution && {
      workflowId: raw.parentExecution.workflowId,
      runId: raw.parentExecution.runId,
    },
    versioningInfo: versioningInfoOf(raw.versioningInfo),
    raw,
  };
}

function versioningInfoOf(raw: ProtoVersioningInfo | undefined): WorkflowVersioningInfo | undefined {
  if (!raw) return undefined;
  return {
    behavior: behaviorFromProto(raw.behavior),
    version: versionFromProto(raw.version),
    versioningOverride: overrideFromProto(raw.versioningOverride),
    effectiveBehavior: behaviorFromProto(raw.effectiveBehavior),
    pinnedVersion: versionFromProto(raw.pinnedVersion),
  };
}

export function toDescription(raw: DescribeWorkflowExecutionResponse): WorkflowExecutionDescription {
  const info = raw.workflowExecutionInfo;
  if (info === undefined)
    throw new TypeError('DescribeWorkflowExecution returned no workflow_execution_info');
  const { raw: _rawInfo, ...friendly } = toWorkflowExecutionInfo(info);
  const task = raw.pendingWorkflowTask;
  return {
    ...friendly,
    pendingActivities: raw.pendingActivities.map((activity) => ({
      activityId: activity.activityId,
      activityType: activity.activityType?.name ?? '',
      state: (PendingActivityState[activity.state] ?? 'UNSPECIFIED') as PendingActivityStateName,
      attempt: activity.attempt,
      lastFailure: activity.lastFailure ? failureToError(fromProtoFailure(activity.lastFailure)) : undefined,
      lastHeartbeatTime: optionalDate(activity.lastHeartbeatTimeMs),
    })),
    pendingWorkflowTask: task && {
      attempt: task.attempt,
      scheduledTime: optionalDate(task.scheduledTimeMs),
      lastFailure: task.lastFailure ? failureToError(fromProtoFailure(task.lastFailure)) : undefined,
    },
    pendingChildren: raw.pendingChildren.map((child) => ({
      workflowId: child.workflowId,
      runId: child.runId,
      workflowType: child.workflowTypeName,
      // The server stores the TERMINATE default explicitly; UNSPECIFIED means the same.
      parentClosePolicy:
        child.parentClosePolicy === ParentClosePolicy.ABANDON
          ? 'ABANDON'
          : child.parentClosePolicy === ParentClosePolicy.REQUEST_CANCEL
            ? 'REQUEST_CANCEL'
            : 'TERMINATE',
    })),
    raw,
  };
}

/** Zero means "not set" on the wire. */
export function optionalDate(epochMs: number): Date | undefined {
  return epochMs > 0 ? new Date(epochMs) : undefined;
}
