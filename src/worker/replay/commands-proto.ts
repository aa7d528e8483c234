/** Converts the sandbox's plain commands into the wire's `Command` messages (host side). */
import { create } from '@bufbuild/protobuf';
import { toProtoFailure } from '../../common/failure-proto.js';
import { toProtoPayloads } from '../../common/payload-proto.js';
import { toProtoMemo, toProtoSearchAttributes } from '../../common/search-attributes-proto.js';
import {
  CancelTimerCommandAttributesSchema as CancelTimer,
  CancelWorkflowExecutionCommandAttributesSchema as CancelWorkflow,
  type Command,
  CommandSchema,
  CompleteWorkflowExecutionCommandAttributesSchema as CompleteWorkflow,
  ContinueAsNewWorkflowExecutionCommandAttributesSchema as ContinueAsNew,
  FailWorkflowExecutionCommandAttributesSchema as FailWorkflow,
  ModifyWorkflowPropertiesCommandAttributesSchema as ModifyWorkflowProperties,
  RecordMarkerCommandAttributesSchema as RecordMarker,
  RequestCancelActivityTaskCommandAttributesSchema as RequestCancelActivity,
  RequestCancelExternalWorkflowExecutionCommandAttributesSchema as RequestCancelExternal,
  ScheduleActivityTaskCommandAttributesSchema as ScheduleActivity,
  SignalExternalWorkflowExecutionCommandAttributesSchema as SignalExternal,
  StartChildWorkflowExecutionCommandAttributesSchema as StartChildWorkflow,
  StartTimerCommandAttributesSchema as StartTimer,
  UpsertWorkflowSearchAttributesCommandAttributesSchema as UpsertSearchAttributes,
} from '../../gen/strata/v1/command_pb.js';
import {
  ParentClosePolicy,
  type RetryPolicy,
  RetryPolicySchema,
  WorkflowIdReusePolicy,
} from '../../gen/strata/v1/common_pb.js';
import {
  AcceptWorkflowUpdateCommandAttributesSchema as AcceptUpdate,
  CompleteWorkflowUpdateCommandAttributesSchema as CompleteUpdate,
  RejectWorkflowUpdateCommandAttributesSchema as RejectUpdate,
  type UpdateRequestMessage,
} from '../../gen/strata/v1/update_pb.js';
import type { RetryPolicyData, WorkflowCommand } from '../../workflow/activation.js';

export interface CommandContext {
  /** The workflow's task queue: activities default to it. */
  taskQueue: string;
  /** The ActivityTaskScheduled event id of activity `seq`, for RequestCancelActivityTask. */
  scheduledEventIdOf(seq: number): number | undefined;
  /** The update requests the task delivered: an acceptance or a rejection carries its request back. */
  updateRequests: readonly UpdateRequestMessage[];
}

function requestOf(updateId: string, context: CommandContext): UpdateRequestMessage {
  const message = context.updateRequests.find((m) => m.protocolInstanceId === updateId);
  if (message === undefined) throw new Error(`update "${updateId}" was answered but no task delivered it`);
  return message;
}

function toProtoRetryPolicy(retry: RetryPolicyData | undefined): RetryPolicy | undefined {
  if (retry === undefined) return undefined;
  return create(RetryPolicySchema, {
    initialIntervalMs: retry.initialIntervalMs ?? 0,
    backoffCoefficient: retry.backoffCoefficient ?? 0,
    maximumIntervalMs: retry.maximumIntervalMs ?? 0,
    maximumAttempts: retry.maximumAttempts ?? 0,
    nonRetryableErrorTypes: retry.nonRetryableErrorTypes ?? [],
  });
}

export function toProtoCommand(command: WorkflowCommand, context: CommandContext): Command {
  return create(CommandSchema, { attributes: protoAttributes(command, context) });
}

function protoAttributes(command: WorkflowCommand, context: CommandContext): Command['attributes'] {
  switch (command.kind) {
    case 'scheduleActivity': {
      const o = command.options;
      return {
        case: 'scheduleActivityTask',
        value: create(ScheduleActivity, {
          activityId: command.activityId,
          activityType: { name: command.activityType },
          taskQueue: o.taskQueue ?? context.taskQueue,
          input: toProtoPayloads(command.args),
          scheduleToCloseTimeoutMs: o.scheduleToCloseTimeoutMs ?? 0,
          scheduleToStartTimeoutMs: o.scheduleToStartTimeoutMs ?? 0,
          startToCloseTimeoutMs: o.startToCloseTimeoutMs ?? 0,
          heartbeatTimeoutMs: o.heartbeatTimeoutMs ?? 0,
          retryPolicy: toProtoRetryPolicy(o.retry),
        }),
      };
    }
    case 'requestCancelActivity': {
      const scheduledEventId = context.scheduledEventIdOf(command.seq);
      if (scheduledEventId === undefined) {
        throw new Error(
          `activity ${command.seq} is cancelled but its ActivityTaskScheduled event is unknown`,
        );
      }
      return {
        case: 'requestCancelActivityTask',
        value: create(RequestCancelActivity, { scheduledEventId }),
      };
    }
    case 'startTimer':
      return {
        case: 'startTimer',
        value: create(StartTimer, { timerId: command.timerId, startToFireTimeoutMs: command.durationMs }),
      };
    case 'cancelTimer':
      return { case: 'cancelTimer', value: create(CancelTimer, { timerId: command.timerId }) };
    case 'recordMarker':
      return {
        case: 'recordMarker',
        value: create(RecordMarker, {
          markerName: command.markerName,
          details: Object.fromEntries(
            Object.entries(command.details).map(([k, raws]) => [k, toProtoPayloads(raws)]),
          ),
          ...(command.failure === undefined ? {} : { failure: toProtoFailure(command.failure) }),
        }),
      };
    case 'upsertSearchAttributes':
      return {
        case: 'upsertWorkflowSearchAttributes',
        value: create(UpsertSearchAttributes, {
          searchAttributes: toProtoSearchAttributes(command.searchAttributes),
        }),
      };
    case 'upsertMemo':
      return {
        case: 'modifyWorkflowProperties',
        value: create(ModifyWorkflowProperties, { upsertedMemo: toProtoMemo(command.memo) }),
      };
    case 'completeWorkflow':
      return {
        case: 'completeWorkflowExecution',
        value: create(CompleteWorkflow, { result: toProtoPayloads([command.result]) }),
      };
    case 'failWorkflow':
      return {
        case: 'failWorkflowExecution',
        value: create(FailWorkflow, { failure: toProtoFailure(command.failure) }),
      };
    case 'cancelWorkflow':
      return { case: 'cancelWorkflowExecution', value: create(CancelWorkflow, {}) };
    case 'startChildWorkflow': {
      const o = command.options;
      return {
        case: 'startChildWorkflowExecution',
        value: create(StartChildWorkflow, {
          workflowId: command.workflowId,
          workflowType: { name: command.workflowType },
          taskQueue: o.taskQueue ?? context.taskQueue,
          input: toProtoPayloads(command.args),
          workflowExecutionTimeoutMs: o.workflowExecutionTimeoutMs ?? 0,
          workflowRunTimeoutMs: o.workflowRunTimeoutMs ?? 0,
          workflowTaskTimeoutMs: o.workflowTaskTimeoutMs ?? 0,
          parentClosePolicy: ParentClosePolicy[o.parentClosePolicy],
          workflowIdReusePolicy:
            o.workflowIdReusePolicy === undefined
              ? WorkflowIdReusePolicy.UNSPECIFIED
              : WorkflowIdReusePolicy[o.workflowIdReusePolicy as keyof typeof WorkflowIdReusePolicy],
          retryPolicy: toProtoRetryPolicy(o.retry),
          cronSchedule: o.cronSchedule,
          memo: o.memo && toProtoMemo(o.memo),
          searchAttributes: o.searchAttributes && toProtoSearchAttributes(o.searchAttributes),
        }),
      };
    }
    case 'signalExternalWorkflow':
      return {
        case: 'signalExternalWorkflowExecution',
        value: create(SignalExternal, {
          execution: { workflowId: command.workflowId, runId: command.runId },
          signalName: command.signalName,
          input: toProtoPayloads(command.args),
          childWorkflowOnly: command.childWorkflowOnly,
        }),
      };
    case 'requestCancelExternalWorkflow':
      return {
        case: 'requestCancelExternalWorkflowExecution',
        value: create(RequestCancelExternal, {
          workflowId: command.workflowId,
          runId: command.runId,
          childWorkflowOnly: command.childWorkflowOnly,
        }),
      };
    case 'continueAsNew':
      return {
        case: 'continueAsNewWorkflowExecution',
        value: create(ContinueAsNew, {
          workflowType: { name: command.workflowType },
          taskQueue: command.taskQueue,
          input: toProtoPayloads(command.args),
          workflowRunTimeoutMs: command.workflowRunTimeoutMs ?? 0,
          workflowTaskTimeoutMs: command.workflowTaskTimeoutMs ?? 0,
          memo: command.memo && toProtoMemo(command.memo),
          searchAttributes: command.searchAttributes && toProtoSearchAttributes(command.searchAttributes),
        }),
      };
    case 'scheduleLocalActivity':
    case 'cancelLocalActivity':
      throw new TypeError(`${command.kind} is handled by the worker and is never sent to the server`);
    case 'acceptUpdate': {
      const message = requestOf(command.updateId, context);
      return {
        case: 'acceptWorkflowUpdate',
        value: create(AcceptUpdate, {
          protocolInstanceId: command.updateId,
          acceptedRequestMessageId: message.id,
          acceptedRequestSequencingEventId: message.eventId,
          acceptedRequest: message.request,
        }),
      };
    }
    case 'completeUpdate': {
      const outcome = command.outcome;
      return {
        case: 'completeWorkflowUpdate',
        value: create(CompleteUpdate, {
          meta: { updateId: command.updateId },
          outcome: {
            value:
              outcome.status === 'success'
                ? { case: 'success', value: toProtoPayloads([outcome.result]) }
                : { case: 'failure', value: toProtoFailure(outcome.failure) },
          },
        }),
      };
    }
    case 'rejectUpdate': {
      const message = requestOf(command.updateId, context);
      return {
        case: 'rejectWorkflowUpdate',
        value: create(RejectUpdate, {
          protocolInstanceId: command.updateId,
          rejectedRequestMessageId: message.id,
          rejectedRequest: message.request,
          failure: toProtoFailure(command.failure),
        }),
      };
    }
    default: {
      const unknownCommand: never = command;
      throw new TypeError(`unknown command ${JSON.stringify(unknownCommand)}`);
    }
  }
}
