/**
 * Workflow updates in a run's durable state (pure transitions). Only an accepted update is durable: the
 * AcceptWorkflowUpdate command writes WorkflowExecutionUpdateAccepted (which carries the request, so replay
 * can run the handler again) and CompleteWorkflowUpdate writes WorkflowExecutionUpdateCompleted (which
 * carries the outcome). `state.updates` points at both events by update id. A request not accepted yet, and
 * the speculative workflow task that carries it, live in the engine's memory (`../update-registry.ts`).
 */
import type { Command } from '../../gen/strata/v1/command_pb.js';
import { WorkflowExecutionStatus } from '../../gen/strata/v1/common_pb.js';
import type {
  AcceptWorkflowUpdateCommandAttributes,
  CompleteWorkflowUpdateCommandAttributes,
} from '../../gen/strata/v1/update_pb.js';
import { largestFailurePayload, largestPayload } from '../payload-limit.js';
import type { Mutation } from './mutation.js';
import type { ExecutionState } from './types.js';
import { type ContinueAsNewLimits, startWorkflowTask } from './workflow-task.js';

type UpdateCommand = Extract<
  Command['attributes'],
  { case: 'acceptWorkflowUpdate' | 'completeWorkflowUpdate' | 'rejectWorkflowUpdate' }
>;

/** Why an update command cannot be applied: a malformed command, or a payload over the limit. */
export type UpdateCommandProblem =
  | { kind: 'bad'; message: string }
  | { kind: 'payload'; field: string; size: number };

/** The update ids the commands of one task accepted and completed so far, for checks across commands. */
export interface UpdateCommandIds {
  accepted: Set<string>;
  completed: Set<string>;
}

export function newUpdateCommandIds(): UpdateCommandIds {
  return { accepted: new Set(), completed: new Set() };
}

/** Checks one update command against the run and the task's earlier commands. Pure. */
export function updateCommandProblem(
  state: ExecutionState,
  command: UpdateCommand,
  ids: UpdateCommandIds,
): UpdateCommandProblem | undefined {
  switch (command.case) {
    case 'acceptWorkflowUpdate': {
      const request = command.value.acceptedRequest;
      const updateId = request?.meta?.updateId ?? '';
      if (!updateId) return bad('acceptWorkflowUpdate.accepted_request.meta.update_id is required');
      if (!request?.input?.name) return bad('acceptWorkflowUpdate.accepted_request.input.name is required');
      if (state.updates?.[updateId] || ids.accepted.has(updateId)) {
        return bad(`update "${updateId}" was already accepted; a workflow accepts an update once`);
      }
      ids.accepted.add(updateId);
      const size = largestPayload(request.input.args);
      return { kind: 'payload', field: 'acceptWorkflowUpdate.accepted_request.input.args', size };
    }
    case 'completeWorkflowUpdate': {
      const updateId = command.value.meta?.updateId ?? '';
      if (!updateId) return bad('completeWorkflowUpdate.meta.update_id is required');
      const accepted = state.updates?.[updateId];
      if (!accepted && !ids.accepted.has(updateId)) {
        return bad(`completeWorkflowUpdate names update "${updateId}", which the workflow never accepted`);
      }
      if ((accepted?.completedEventId ?? 0) > 0 || ids.completed.has(updateId)) {
        return bad(`update "${updateId}" was already completed`);
      }
      ids.completed.add(updateId);
      const outcome = command.value.outcome?.value;
      if (outcome?.case === undefined) return bad(`completeWorkflowUpdate "${updateId}" has no outcome`);
      return outcome.case === 'success'
        ? {
            kind: 'payload',
            field: 'completeWorkflowUpdate.outcome.success',
            size: largestPayload(outcome.value),
          }
        : {
            kind: 'payload',
            field: 'completeWorkflowUpdate.outcome.failure',
            size: largestFailurePayload(outcome.value),
          };
    }
    case 'rejectWorkflowUpdate':
      if (!command.value.protocolInstanceId)
        return bad('rejectWorkflowUpdate.protocol_instance_id is required');
      return undefined;
    default: {
      const unexpected: never = command;
      return bad(`unknown update command ${JSON.stringify(unexpected)}`);
    }
  }
}

function bad(message: string): UpdateCommandProblem {
  return { kind: 'bad', message };
}

/** WorkflowExecutionUpdateAccepted: from now on the update is durable and its handler runs. */
export function acceptUpdate(m: Mutation, command: AcceptWorkflowUpdateCommandAttributes): void {
  const updateId = command.acceptedRequest?.meta?.updateId ?? '';
  const event = m.addEvent({
    case: 'workflowExecutionUpdateAcceptedEventAttributes',
    value: {
      protocolInstanceId: command.protocolInstanceId || updateId,
      acceptedRequestMessageId: command.acceptedRequestMessageId,
      acceptedRequestSequencingEventId: command.acceptedRequestSequencingEventId,
      acceptedRequest: command.acceptedRequest,
    },
  });
  m.state.updates = {
    ...m.state.updates,
    [updateId]: { acceptedEventId: event.eventId, completedEventId: 0 },
  };
}

/** WorkflowExecutionUpdateCompleted with the handler's outcome. */
export function completeUpdate(m: Mutation, command: CompleteWorkflowUpdateCommandAttributes): void {
  const updateId = command.meta?.updateId ?? '';
  const accepted = m.state.updates?.[updateId];
  if (!accepted) return;
  const event = m.addEvent({
    case: 'workflowExecutionUpdateCompletedEventAttributes',
    value: { meta: command.meta, outcome: command.outcome, acceptedEventId: accepted.acceptedEventId },
  });
  accepted.completedEventId = event.eventId;
}

/** Accepted updates whose handler has not finished. */
export function updatesInFlight(state: ExecutionState): number {
  return Object.values(state.updates ?? {}).filter((update) => update.completedEventId === 0).length;
}

/** What a worker was told about a speculative workflow task, written as is once the task must be kept. */
export interface SpeculativeTaskFacts {
  taskQueue: string;
  sticky: boolean;
  scheduledTimeMs: number;
  startedTimeMs: number;
  identity: string;
  requestId: string;
}

/**
 * Writes a speculative workflow task's WorkflowTaskScheduled and WorkflowTaskStarted at the ids and times the
 * worker received (its `Date.now()` in that task must replay the same), and makes it the run's running task.
 */
export function recordSpeculativeWorkflowTask(
  m: Mutation,
  facts: SpeculativeTaskFacts,
  limits: ContinueAsNewLimits,
): void {
  const state = m.state;
  const attempt = state.workflowTaskAttempt;
  const scheduled = m.addEvent({
    case: 'workflowTaskScheduledEventAttributes',
    value: { taskQueue: facts.taskQueue, startToCloseTimeoutMs: state.workflowTaskTimeoutMs, attempt },
  });
  scheduled.eventTimeMs = facts.scheduledTimeMs;
  state.workflowTask = {
    scheduledEventId: scheduled.eventId,
    attempt,
    taskQueue: facts.taskQueue,
    sticky: facts.sticky,
    scheduledTimeMs: facts.scheduledTimeMs,
    startedEventId: 0,
    startedTimeMs: 0,
    backoff: false,
  };
  startWorkflowTask(m, facts.identity, facts.requestId, limits);
  const started = m.events.at(-1);
  if (started) started.eventTimeMs = facts.startedTimeMs;
  state.workflowTask.startedTimeMs = facts.startedTimeMs;
}

/**
 * True while a speculative task made at `scheduledEventId` is still the run's next step: the run is open, has
 * no workflow task, and no event was written since the task was made.
 */
export function isSpeculativeTaskOutstanding(state: ExecutionState, scheduledEventId: number): boolean {
  return (
    state.status === WorkflowExecutionStatus.RUNNING &&
    state.workflowTask === undefined &&
    state.nextEventId === scheduledEventId
  );
}
