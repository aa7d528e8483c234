import { create } from '@bufbuild/protobuf';
import { parseVersion } from '../../common/versioning.js';
import { behaviorToProto } from '../../common/versioning-proto.js';
import { workflowTimeoutsProblem } from '../../common/workflow-timeouts.js';
import type { Command } from '../../gen/strata/v1/command_pb.js';
import {
  type Failure,
  FailureSchema,
  type Memo,
  type SearchAttributes,
} from '../../gen/strata/v1/common_pb.js';
import { WorkflowTaskFailedCause } from '../../gen/strata/v1/history_pb.js';
import {
  describeOversize,
  largestFailurePayload,
  largestPayload,
  MAX_PAYLOAD_BYTES,
  payloadSize,
} from '../payload-limit.js';
import {
  checkUpsertSearchAttributes,
  SearchAttributeError,
  type SearchAttributeRegistry,
} from '../visibility/search-attributes.js';
import { findActivity, requestCancelActivity, scheduleActivity } from './activity.js';
import { checkStartChildCommand, initiateChildWorkflow } from './child-workflows.js';
import { continueAsNewExecution } from './continue-as-new.js';
import { cancelExecution, completeExecution, failExecution } from './execution.js';
import {
  checkCancelExternalCommand,
  checkSignalExternalCommand,
  initiateCancelExternal,
  initiateSignalExternal,
} from './external-workflows.js';
import type { Mutation } from './mutation.js';
import { chainOf } from './next-run.js';
import { modifyMemo, recordPatchMarker, upsertSearchAttributes } from './search-attributes.js';
import type { ActivityState, ExecutionState } from './types.js';
import { acceptUpdate, completeUpdate, newUpdateCommandIds, updateCommandProblem } from './updates.js';
import { type CompletingWorker, recordCompletingWorker } from './versioning-task.js';
import {
  failWorkflowTask,
  finishWorkflowTask,
  rejectUnhandledClose,
  scheduleWorkflowTask,
} from './workflow-task.js';

export interface CommandRejection {
  cause: WorkflowTaskFailedCause;
  message: string;
}

/** What a workflow task completion did beyond its events. */
export interface WorkflowTaskOutcome {
  /** Set when the commands were refused: the task failed instead (or UNHANDLED_COMMAND). */
  rejection?: CommandRejection;
  /** Activities started for the completing worker (eager execution), to hand back in the response. */
  eagerActivities: ActivityState[];
}

export interface WorkflowTaskCompletion {
  commands: Command[];
  identity: string;
  binaryChecksum: string;
  stickyTaskQueue: string;
  stickyScheduleToStartTimeoutMs: number;
  /** The namespace's custom search attributes; needed when a command upserts some. */
  searchAttributeRegistry?: SearchAttributeRegistry;
  /** The completing worker's version and the workflow's declared behavior (V4); absent: unversioned. */
  worker?: CompletingWorker;
}

const closingCommands = new Set<Command['attributes']['case']>([
  'completeWorkflowExecution',
  'failWorkflowExecution',
  'cancelWorkflowExecution',
  'continueAsNewWorkflowExecution',
]);

function badCommand(index: number, message: string): CommandRejection {
  return {
    cause: WorkflowTaskFailedCause.BAD_COMMAND,
    message: `[BAD_COMMAND] command ${index}: ${message}`,
  };
}

function tooLarge(index: number, field: string, size: number): CommandRejection | undefined {
  if (size <= MAX_PAYLOAD_BYTES) return undefined;
  return {
    cause: WorkflowTaskFailedCause.PAYLOAD_TOO_LARGE,
    message: `[PAYLOAD_TOO_LARGE] command ${index}: ${describeOversize(field, size)}`,
  };
}

function memoRejection(index: number, field: string, memo: Memo | undefined): CommandRejection | undefined {
  for (const [name, payload] of Object.entries(memo?.fields ?? {})) {
    const rejection = tooLarge(index, `${field}["${name}"]`, payloadSize(payload));
    if (rejection) return rejection;
  }
  return undefined;
}

/** Checks a workflow task's commands against the run before anything is applied. Pure. */
export function validateCommands(
  state: ExecutionState,
  commands: Command[],
  registry: SearchAttributeRegistry = new Map(),
): CommandRejection | undefined {
  const newTimers = new Set<string>();
  const newActivities = new Set<string>();
  const pendingActivityIds = new Set(Object.values(state.activities).map((activity) => activity.activityId));
  const updateIds = newUpdateCommandIds();
  const searchAttributesRejection = (
    index: number,
    field: string,
    searchAttributes: SearchAttributes | undefined,
  ): CommandRejection | undefined => {
    for (const [name, payload] of Object.entries(searchAttributes?.indexedFields ?? {})) {
      const rejection = tooLarge(index, `${field}["${name}"]`, payloadSize(payload));
      if (rejection) return rejection;
    }
    const checked = checkUpsertSearchAttributes(searchAttributes, registry, state.namespace);
    if (!(checked instanceof SearchAttributeError)) return undefined;
    return {
      cause: WorkflowTaskFailedCause.BAD_SEARCH_ATTRIBUTES,
      message: `[BAD_SEARCH_ATTRIBUTES] command ${index}: ${checked.message}`,
    };
  };
  for (const [index, command] of commands.entries()) {
    const attributes = command.attributes;
    if (closingCommands.has(attributes.case) && index !== commands.length - 1) {
      return badCommand(
        index,
        `${attributes.case} must be the last command, but ${commands.length - 1 - index} command(s) follow it`,
      );
    }
    switch (attributes.case) {
      case 'scheduleActivityTask': {
        const value = attributes.value;
        if (!value.activityId) return badCommand(index, 'scheduleActivityTask.activity_id is required');
        if (!value.activityType?.name)
          return badCommand(index, 'scheduleActivityTask.activity_type.name is required');
        if (value.startToCloseTimeoutMs <= 0 && value.scheduleToCloseTimeoutMs <= 0) {
          return badCommand(
            index,
            `activity "${value.activityType.name}" (id "${value.activityId}") needs start_to_close_timeout_ms or schedule_to_close_timeout_ms; set startToCloseTimeout in the activity options`,
          );
        }
        if (pendingActivityIds.has(value.activityId) || newActivities.has(value.activityId)) {
          return badCommand(
            index,
            `activity id "${value.activityId}" is already in use by a pending activity`,
          );
        }
        newActivities.add(value.activityId);
        const rejection = tooLarge(index, 'scheduleActivityTask.input', largestPayload(value.input));
        if (rejection) return rejection;
        break;
      }
      case 'requestCancelActivityTask': {
        const id = attributes.value.scheduledEventId;
        if (!state.activities[String(id)]) {
          return badCommand(
            index,
            `requestCancelActivityTask names scheduled event ${id}, which is no pending activity`,
          );
        }
        break;
      }
      case 'startTimer': {
        const { timerId, startToFireTimeoutMs } = attributes.value;
        if (!timerId) return badCommand(index, 'startTimer.timer_id is required');
        if (startToFireTimeoutMs <= 0) {
          return badCommand(index, `startTimer "${timerId}" needs start_to_fire_timeout_ms > 0`);
        }
        if (state.timers[timerId] || newTimers.has(timerId)) {
          return badCommand(index, `timer id "${timerId}" is already in use by a pending timer`);
        }
        newTimers.add(timerId);
        break;
      }
      case 'cancelTimer': {
        const { timerId } = attributes.value;
        if (!state.timers[timerId] && !newTimers.has(timerId)) {
          return badCommand(index, `cancelTimer names timer "${timerId}", which is not pending`);
        }
        newTimers.delete(timerId);
        break;
      }
      case 'recordMarker': {
        if (!attributes.value.markerName) return badCommand(index, 'recordMarker.marker_name is required');
        for (const [name, payloads] of Object.entries(attributes.value.details)) {
          const rejection = tooLarge(index, `recordMarker.details["${name}"]`, largestPayload(payloads));
          if (rejection) return rejection;
        }
        break;
      }
      case 'upsertWorkflowSearchAttributes': {
        const { searchAttributes } = attributes.value;
        const rejection = searchAttributesRejection(
          index,
          'upsertWorkflowSearchAttributes',
          searchAttributes,
        );
        if (rejection) return rejection;
        break;
      }
      case 'modifyWorkflowProperties': {
        const rejection = memoRejection(
          index,
          'modifyWorkflowProperties.upserted_memo',
          attributes.value.upsertedMemo,
        );
        if (rejection) return rejection;
        break;
      }
      case 'completeWorkflowExecution': {
        const rejection = tooLarge(
          index,
          'completeWorkflowExecution.result',
          largestPayload(attributes.value.result),
        );
        if (rejection) return rejection;
        break;
      }
      case 'failWorkflowExecution': {
        const size = largestFailurePayload(attributes.value.failure);
        const rejection = tooLarge(index, 'failWorkflowExecution.failure', size);
        if (rejection) return rejection;
        break;
      }
      case 'cancelWorkflowExecution': {
        const rejection = tooLarge(
          index,
          'cancelWorkflowExecution.details',
          largestPayload(attributes.value.details),
        );
        if (rejection) return rejection;
        break;
      }
      case 'acceptWorkflowUpdate':
      case 'completeWorkflowUpdate':
      case 'rejectWorkflowUpdate': {
        const problem = updateCommandProblem(state, attributes, updateIds);
        if (problem?.kind === 'bad') return badCommand(index, problem.message);
        const rejection = problem && tooLarge(index, problem.field, problem.size);
        if (rejection) return rejection;
        break;
      }
      case 'continueAsNewWorkflowExecution': {
        const value = attributes.value;
        const problem = workflowTimeoutsProblem(
          {
            executionTimeoutMs: chainOf(state).executionTimeoutMs,
            runTimeoutMs: value.workflowRunTimeoutMs,
            taskTimeoutMs: value.workflowTaskTimeoutMs,
          },
          {
            execution: 'the workflow execution timeout',
            run: 'continueAsNewWorkflowExecution.workflow_run_timeout_ms',
            task: 'continueAsNewWorkflowExecution.workflow_task_timeout_ms',
          },
        );
        if (problem) return badCommand(index, problem.replace('[INVALID_ARGUMENT] ', ''));
        const field = 'continueAsNewWorkflowExecution';
        const rejection =
          tooLarge(index, `${field}.input`, largestPayload(value.input)) ??
          memoRejection(index, `${field}.memo`, value.memo) ??
          (value.searchAttributes && searchAttributesRejection(index, field, value.searchAttributes));
        if (rejection) return rejection;
        break;
      }
      case 'startChildWorkflowExecution': {
        const value = attributes.value;
        const problem = checkStartChildCommand(state, value);
        if (problem) return badCommand(index, problem);
        const sizes: [string, number][] = [
          ['startChildWorkflowExecution.input', largestPayload(value.input)],
          ...Object.entries(value.memo?.fields ?? {}).map(([name, payload]): [string, number] => [
            `startChildWorkflowExecution.memo["${name}"]`,
            payloadSize(payload),
          ]),
        ];
        for (const [field, size] of sizes) {
          const rejection = tooLarge(index, field, size);
          if (rejection) return rejection;
        }
        const checked = checkUpsertSearchAttributes(value.searchAttributes, registry, state.namespace);
        if (checked instanceof SearchAttributeError) {
          return {
            cause: WorkflowTaskFailedCause.BAD_SEARCH_ATTRIBUTES,
            message: `[BAD_SEARCH_ATTRIBUTES] command ${index}: child workflow "${value.workflowId}": ${checked.message}`,
          };
        }
        break;
      }
      case 'signalExternalWorkflowExecution': {
        const problem = checkSignalExternalCommand(state, attributes.value);
        if (problem) return badCommand(index, problem);
        const size = largestPayload(attributes.value.input);
        const rejection = tooLarge(index, 'signalExternalWorkflowExecution.input', size);
        if (rejection) return rejection;
        break;
      }
      case 'requestCancelExternalWorkflowExecution': {
        const problem = checkCancelExternalCommand(state, attributes.value);
        if (problem) return badCommand(index, problem);
        break;
      }
      case undefined:
        return badCommand(index, 'the command has no attributes set');
      default: {
        const unexpected: never = attributes;
        return badCommand(index, `unknown command ${JSON.stringify(unexpected)}`);
      }
    }
  }
  return undefined;
}

function serverFailure(message: string): Failure {
  return create(FailureSchema, {
    message,
    source: 'strata-server',
    failureInfo: { case: 'serverFailureInfo', value: { nonRetryable: false } },
  });
}

/**
 * Applies a workflow task completion: WorkflowTaskCompleted, then one event per command in order, then
 * a new workflow task if events arrived meanwhile. Invalid commands fail the task instead (the run
 * stays open) and the rejection is returned.
 *
 * Eager execution: a ScheduleActivityTask command with request_eager_execution whose activity goes to
 * the workflow's own task queue (which the completing worker polls; a sticky queue stands for it) is
 * started for the completing worker instead of queued, unless the same completion closes the run.
 */
export function completeWorkflowTask(m: Mutation, completion: WorkflowTaskCompletion): WorkflowTaskOutcome {
  const state = m.state;
  const task = state.workflowTask;
  if (!task) throw new Error('no workflow task to complete');
  const eagerActivities: ActivityState[] = [];
  const registry = completion.searchAttributeRegistry;
  const rejection = validateCommands(state, completion.commands, registry);
  if (rejection) {
    failWorkflowTask(m, rejection.cause, serverFailure(rejection.message), completion.identity);
    return { rejection, eagerActivities };
  }
  const closes = completion.commands.some((command) => closingCommands.has(command.attributes.case));
  if (closes && state.workflowTaskNeeded) {
    rejectUnhandledClose(m, completion.identity);
    return {
      rejection: {
        cause: WorkflowTaskFailedCause.UNHANDLED_COMMAND,
        message: 'new events arrived before the close',
      },
      eagerActivities,
    };
  }
  const worker = completion.worker ?? { version: '', behavior: undefined };
  const completed = m.addEvent({
    case: 'workflowTaskCompletedEventAttributes',
    value: {
      scheduledEventId: task.scheduledEventId,
      startedEventId: task.startedEventId,
      identity: completion.identity,
      binaryChecksum: completion.binaryChecksum,
      deploymentVersion: worker.version ? parseVersion(worker.version) : undefined,
      versioningBehavior: behaviorToProto(worker.version ? worker.behavior : undefined),
    },
  });
  recordCompletingWorker(state, worker, completion.stickyTaskQueue);
  state.previousStartedEventId = task.startedEventId;
  state.lastBinaryChecksum = completion.binaryChecksum || state.lastBinaryChecksum;
  state.workflowTaskAttempt = 1;
  state.workflowTaskLastFailure = '';
  state.stickyTaskQueue = completion.stickyTaskQueue;
  state.stickyScheduleToStartTimeoutMs = completion.stickyScheduleToStartTimeoutMs;
  const newEventsArrived = finishWorkflowTask(m);
  const completedEventId = completed.eventId;
  for (const command of completion.commands) {
    const attributes = command.attributes;
    switch (attributes.case) {
      case 'scheduleActivityTask': {
        const value = attributes.value;
        const eager =
          value.requestEagerExecution && !closes && (value.taskQueue || state.taskQueue) === state.taskQueue;
        const activity = scheduleActivity(
          m,
          value,
          completedEventId,
          eager ? completion.identity : undefined,
        );
        if (eager) eagerActivities.push(activity);
        break;
      }
      case 'requestCancelActivityTask': {
        const activity = findActivity(m, attributes.value.scheduledEventId);
        if (activity) requestCancelActivity(m, activity, completedEventId);
        break;
      }
      case 'startTimer': {
        const { timerId, startToFireTimeoutMs } = attributes.value;
        const event = m.addEvent({
          case: 'timerStartedEventAttributes',
          value: { timerId, startToFireTimeoutMs, workflowTaskCompletedEventId: completedEventId },
        });
        const dueMs = m.nowMs + startToFireTimeoutMs;
        state.timers[timerId] = { startedEventId: event.eventId, dueMs };
        m.setTimer(dueMs, { type: 'user-timer', timerId, startedEventId: event.eventId });
        break;
      }
      case 'cancelTimer': {
        const { timerId } = attributes.value;
        const timer = state.timers[timerId];
        if (!timer) break;
        delete state.timers[timerId];
        m.deleteTimer({ type: 'user-timer', timerId, startedEventId: timer.startedEventId });
        m.addEvent({
          case: 'timerCanceledEventAttributes',
          value: {
            timerId,
            startedEventId: timer.startedEventId,
            workflowTaskCompletedEventId: completedEventId,
          },
        });
        break;
      }
      case 'recordMarker':
        m.addEvent({
          case: 'markerRecordedEventAttributes',
          value: {
            markerName: attributes.value.markerName,
            details: attributes.value.details,
            failure: attributes.value.failure,
            workflowTaskCompletedEventId: completedEventId,
          },
        });
        recordPatchMarker(m, attributes.value);
        break;
      case 'upsertWorkflowSearchAttributes': {
        const checked = checkUpsertSearchAttributes(
          attributes.value.searchAttributes,
          registry ?? new Map(),
          state.namespace,
        );
        // validateCommands refused the task before anything was applied if it did not check.
        if (!(checked instanceof SearchAttributeError)) upsertSearchAttributes(m, checked, completedEventId);
        break;
      }
      case 'modifyWorkflowProperties':
        modifyMemo(m, attributes.value.upsertedMemo, completedEventId);
        break;
      case 'completeWorkflowExecution':
        completeExecution(m, attributes.value.result, completedEventId);
        break;
      case 'failWorkflowExecution':
        failExecution(m, attributes.value.failure, completedEventId);
        break;
      case 'cancelWorkflowExecution':
        cancelExecution(m, attributes.value.details, completedEventId);
        break;
      case 'startChildWorkflowExecution':
        initiateChildWorkflow(m, attributes.value, completedEventId);
        break;
      case 'signalExternalWorkflowExecution':
        initiateSignalExternal(m, attributes.value, completedEventId);
        break;
      case 'requestCancelExternalWorkflowExecution':
        initiateCancelExternal(m, attributes.value, completedEventId);
        break;
      case 'continueAsNewWorkflowExecution':
        continueAsNewExecution(m, attributes.value, completedEventId, registry ?? new Map());
        break;
      case 'acceptWorkflowUpdate':
        acceptUpdate(m, attributes.value);
        break;
      case 'completeWorkflowUpdate':
        completeUpdate(m, attributes.value);
        break;
      case 'rejectWorkflowUpdate':
      // Writes nothing: the engine answers the update's callers once the task's write commits.
      case undefined:
        break;
      default: {
        const unexpected: never = attributes;
        throw new Error(`unknown command ${JSON.stringify(unexpected)}`);
      }
    }
  }
  if (newEventsArrived) scheduleWorkflowTask(m);
  return { eagerActivities };
}
