import { create } from '@bufbuild/protobuf';
import {
  type Failure,
  FailureSchema,
  RetryState as ProtoRetryState,
  TimeoutType as ProtoTimeoutType,
} from '../gen/strata/v1/common_pb.js';
import type { FailureInfo, FailureShape, RetryState, TimeoutType } from './failure.js';
import { fromProtoPayloads, toProtoPayloads } from './payload-proto.js';

/** Converts between plain-data failures and the wire's `Failure` message. */
export function toProtoFailure(shape: FailureShape): Failure {
  return create(FailureSchema, {
    message: shape.message,
    source: shape.source ?? '',
    stackTrace: shape.stackTrace ?? '',
    cause: shape.cause ? toProtoFailure(shape.cause) : undefined,
    failureInfo: toProtoInfo(shape.info),
  });
}

export function fromProtoFailure(failure: Failure): FailureShape {
  const shape: FailureShape = {
    message: failure.message,
    source: failure.source,
    stackTrace: failure.stackTrace,
  };
  const info = fromProtoInfo(failure.failureInfo);
  if (info) shape.info = info;
  if (failure.cause) shape.cause = fromProtoFailure(failure.cause);
  return shape;
}

export function timeoutTypeToProto(type: TimeoutType): ProtoTimeoutType {
  return ProtoTimeoutType[type];
}

export function timeoutTypeFromProto(type: ProtoTimeoutType): TimeoutType {
  return type === ProtoTimeoutType.UNSPECIFIED ? 'START_TO_CLOSE' : (ProtoTimeoutType[type] as TimeoutType);
}

export function retryStateToProto(state: RetryState): ProtoRetryState {
  return ProtoRetryState[state];
}

export function retryStateFromProto(state: ProtoRetryState): RetryState {
  return ProtoRetryState[state] as RetryState;
}

function toProtoInfo(info: FailureInfo | undefined): Failure['failureInfo'] {
  if (info === undefined) return { case: undefined };
  switch (info.kind) {
    case 'application':
      return {
        case: 'applicationFailureInfo',
        value: {
          $typeName: 'strata.v1.ApplicationFailureInfo',
          type: info.type,
          nonRetryable: info.nonRetryable,
          details: toProtoPayloads(info.details),
          nextRetryDelayMs: info.nextRetryDelayMs ?? 0,
        },
      };
    case 'timeout':
      return {
        case: 'timeoutFailureInfo',
        value: {
          $typeName: 'strata.v1.TimeoutFailureInfo',
          timeoutType: timeoutTypeToProto(info.timeoutType),
          lastHeartbeatDetails: toProtoPayloads(info.lastHeartbeatDetails),
        },
      };
    case 'canceled':
      return {
        case: 'canceledFailureInfo',
        value: { $typeName: 'strata.v1.CanceledFailureInfo', details: toProtoPayloads(info.details) },
      };
    case 'terminated':
      return { case: 'terminatedFailureInfo', value: { $typeName: 'strata.v1.TerminatedFailureInfo' } };
    case 'server':
      return {
        case: 'serverFailureInfo',
        value: { $typeName: 'strata.v1.ServerFailureInfo', nonRetryable: info.nonRetryable },
      };
    case 'activity':
      return {
        case: 'activityFailureInfo',
        value: {
          $typeName: 'strata.v1.ActivityFailureInfo',
          scheduledEventId: info.scheduledEventId,
          startedEventId: info.startedEventId,
          identity: info.identity,
          activityType: { $typeName: 'strata.v1.ActivityType', name: info.activityType },
          activityId: info.activityId,
          retryState: retryStateToProto(info.retryState),
        },
      };
    case 'childWorkflow':
      return {
        case: 'childWorkflowExecutionFailureInfo',
        value: {
          $typeName: 'strata.v1.ChildWorkflowExecutionFailureInfo',
          namespace: info.namespace,
          workflowExecution: {
            $typeName: 'strata.v1.WorkflowExecution',
            workflowId: info.workflowId,
            runId: info.runId,
          },
          workflowType: { $typeName: 'strata.v1.WorkflowType', name: info.workflowType },
          initiatedEventId: info.initiatedEventId,
          startedEventId: info.startedEventId,
          retryState: retryStateToProto(info.retryState),
        },
      };
    default: {
      const unknownInfo: never = info;
      throw new TypeError(`unknown failure info ${JSON.stringify(unknownInfo)}`);
    }
  }
}

function fromProtoInfo(info: Failure['failureInfo']): FailureInfo | undefined {
  switch (info.case) {
    case undefined:
      return undefined;
    case 'applicationFailureInfo':
      return {
        kind: 'application',
        type: info.value.type,
        nonRetryable: info.value.nonRetryable,
        details: fromProtoPayloads(info.value.details),
        ...(info.value.nextRetryDelayMs ? { nextRetryDelayMs: info.value.nextRetryDelayMs } : {}),
      };
    case 'timeoutFailureInfo':
      return {
        kind: 'timeout',
        timeoutType: timeoutTypeFromProto(info.value.timeoutType),
        lastHeartbeatDetails: fromProtoPayloads(info.value.lastHeartbeatDetails),
      };
    case 'canceledFailureInfo':
      return { kind: 'canceled', details: fromProtoPayloads(info.value.details) };
    case 'terminatedFailureInfo':
      return { kind: 'terminated' };
    case 'serverFailureInfo':
      return { kind: 'server', nonRetryable: info.value.nonRetryable };
    case 'activityFailureInfo':
      return {
        kind: 'activity',
        activityType: info.value.activityType?.name ?? '',
        activityId: info.value.activityId,
        retryState: retryStateFromProto(info.value.retryState),
        identity: info.value.identity,
        scheduledEventId: info.value.scheduledEventId,
        startedEventId: info.value.startedEventId,
      };
    case 'childWorkflowExecutionFailureInfo':
      return {
        kind: 'childWorkflow',
        namespace: info.value.namespace,
        workflowId: info.value.workflowExecution?.workflowId ?? '',
        runId: info.value.workflowExecution?.runId ?? '',
        workflowType: info.value.workflowType?.name ?? '',
        initiatedEventId: info.value.initiatedEventId,
        startedEventId: info.value.startedEventId,
        retryState: retryStateFromProto(info.value.retryState),
      };
    default: {
      const unknownInfo: never = info;
      throw new TypeError(`unknown failure info ${JSON.stringify(unknownInfo)}`);
    }
  }
}
