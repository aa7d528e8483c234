/**
 * A stand-in for the server's history keeping, so replay and the processor are tested without a server:
 * it appends the events a server would write for each command, and builds poll responses (full history or
 * the sticky tail).
 */
import { create } from '@bufbuild/protobuf';
import { eventTypeOf } from '../../../src/common/event-type-proto.js';
import type { FailureShape } from '../../../src/common/failure.js';
import { toProtoFailure } from '../../../src/common/failure-proto.js';
import { valuesToPayloads } from '../../../src/common/payload-proto.js';
import type { Command } from '../../../src/gen/strata/v1/command_pb.js';
import {
  type HistoryEvent,
  HistoryEventSchema,
  HistorySchema,
} from '../../../src/gen/strata/v1/history_pb.js';
import {
  type PollWorkflowTaskQueueResponse,
  PollWorkflowTaskQueueResponseSchema,
} from '../../../src/gen/strata/v1/service_pb.js';

type Attributes = HistoryEvent['attributes'];
type AttributesInit = { case: NonNullable<Attributes['case']>; value: Record<string, unknown> };

export interface StartOptions {
  workflowType: string;
  args?: unknown[];
  workflowId?: string;
  runId?: string;
  taskQueue?: string;
  randomnessSeed?: number;
  startTimeMs?: number;
}

export class FakeHistory {
  readonly events: HistoryEvent[] = [];
  readonly workflowId: string;
  readonly runId: string;
  nowMs: number;
  /** Id of the WorkflowTaskStarted of the last task handed out and completed. */
  previousStartedEventId = 0;
  #openTask: { scheduled: number; started: number } | undefined;

  constructor(options: StartOptions) {
    this.workflowId = options.workflowId ?? 'wf-1';
    this.runId = options.runId ?? 'run-1';
    this.nowMs = options.startTimeMs ?? Date.UTC(2025, 0, 1);
    this.add({
      case: 'workflowExecutionStartedEventAttributes',
      value: {
        workflowType: { name: options.workflowType },
        taskQueue: options.taskQueue ?? 'tq',
        input: valuesToPayloads(options.args ?? []),
        workflowId: this.workflowId,
        firstExecutionRunId: this.runId,
        originalExecutionRunId: this.runId,
        attempt: 1,
        randomnessSeed: options.randomnessSeed ?? 1234,
      },
    });
    this.scheduleTask();
  }

  get lastEventId(): number {
    return this.events.length;
  }

  add(attributes: AttributesInit): HistoryEvent {
    const event = create(HistoryEventSchema, {
      eventId: this.events.length + 1,
      eventTimeMs: this.nowMs,
      eventType: eventTypeOf(attributes.case),
      attributes: attributes as Attributes,
    });
    this.events.push(event);
    return event;
  }

  advance(ms: number): this {
    this.nowMs += ms;
    return this;
  }

  scheduleTask(): number {
    return this.add({ case: 'workflowTaskScheduledEventAttributes', value: { taskQueue: 'tq' } }).eventId;
  }

  /** Starts the scheduled task and returns its poll response: full history, or the sticky tail. */
  startTask(
    options: { sticky?: boolean; query?: { queryType: string; args?: unknown[] } } = {},
  ): PollWorkflowTaskQueueResponse {
    const scheduled = this.lastEventId;
    const started = this.add({
      case: 'workflowTaskStartedEventAttributes',
      value: { scheduledEventId: scheduled },
    }).eventId;
    this.#openTask = { scheduled, started };
    const events = options.sticky
      ? this.events.filter((e) => e.eventId > this.previousStartedEventId)
      : this.events;
    return this.#response(events, started);
  }

  /** A query task: the full history, no new events. */
  queryTask(queryType: string, args: unknown[] = []): PollWorkflowTaskQueueResponse {
    const response = this.#response(this.events, this.lastEventId);
    response.query = { $typeName: 'strata.v1.WorkflowQuery', queryType, queryArgs: valuesToPayloads(args) };
    return response;
  }

  #response(events: HistoryEvent[], startedEventId: number): PollWorkflowTaskQueueResponse {
    return create(PollWorkflowTaskQueueResponseSchema, {
      taskToken: new Uint8Array([1]),
      workflowExecution: { workflowId: this.workflowId, runId: this.runId },
      workflowType: { name: '' },
      previousStartedEventId: this.previousStartedEventId,
      startedEventId,
      attempt: 1,
      history: create(HistorySchema, { events: [...events] }),
    });
  }

  /** Records the completion of the open task and the events of its commands, as the server does. */
  completeTask(commands: Command[]): void {
    const task = this.#takeOpenTask();
    const completed = this.add({
      case: 'workflowTaskCompletedEventAttributes',
      value: { scheduledEventId: task.scheduled, startedEventId: task.started },
    }).eventId;
    this.previousStartedEventId = task.started;
    for (const command of commands) this.#recordCommand(command, completed);
  }

  failTask(kind: 'failed' | 'timedOut' = 'failed'): void {
    const task = this.#takeOpenTask();
    const value = { scheduledEventId: task.scheduled, startedEventId: task.started };
    this.add(
      kind === 'failed'
        ? { case: 'workflowTaskFailedEventAttributes', value }
        : { case: 'workflowTaskTimedOutEventAttributes', value },
    );
  }

  #takeOpenTask(): { scheduled: number; started: number } {
    const task = this.#openTask;
    if (task === undefined) throw new Error('no workflow task is open');
    this.#openTask = undefined;
    return task;
  }

  #recordCommand(command: Command, completed: number): void {
    const a = command.attributes;
    switch (a.case) {
      case 'scheduleActivityTask':
        this.add({
          case: 'activityTaskScheduledEventAttributes',
          value: { ...a.value, workflowTaskCompletedEventId: completed },
        });
        return;
      case 'requestCancelActivityTask':
        this.add({
          case: 'activityTaskCancelRequestedEventAttributes',
          value: { scheduledEventId: a.value.scheduledEventId },
        });
        return;
      case 'startTimer':
        this.add({
          case: 'timerStartedEventAttributes',
          value: { ...a.value, workflowTaskCompletedEventId: completed },
        });
        return;
      case 'cancelTimer':
        this.add({ case: 'timerCanceledEventAttributes', value: { timerId: a.value.timerId } });
        return;
      case 'recordMarker':
        this.add({
          case: 'markerRecordedEventAttributes',
          value: { markerName: a.value.markerName, details: a.value.details },
        });
        return;
      case 'completeWorkflowExecution':
        this.add({ case: 'workflowExecutionCompletedEventAttributes', value: { result: a.value.result } });
        return;
      case 'failWorkflowExecution':
        this.add({ case: 'workflowExecutionFailedEventAttributes', value: { failure: a.value.failure } });
        return;
      case 'cancelWorkflowExecution':
        this.add({ case: 'workflowExecutionCanceledEventAttributes', value: {} });
        return;
      default:
        throw new Error(`unknown command ${String(a.case)}`);
    }
  }

  /** The event id of the ActivityTaskScheduled of `activityId`. */
  scheduledEventIdOf(activityId: string): number {
    const event = this.events.find(
      (e) =>
        e.attributes.case === 'activityTaskScheduledEventAttributes' &&
        e.attributes.value.activityId === activityId,
    );
    if (event === undefined) throw new Error(`activity "${activityId}" was never scheduled`);
    return event.eventId;
  }

  completeActivity(activityId: string, result?: unknown): void {
    const scheduledEventId = this.scheduledEventIdOf(activityId);
    const started = this.add({
      case: 'activityTaskStartedEventAttributes',
      value: { scheduledEventId, attempt: 1 },
    });
    this.add({
      case: 'activityTaskCompletedEventAttributes',
      value: {
        scheduledEventId,
        startedEventId: started.eventId,
        result: valuesToPayloads(result === undefined ? [] : [result]),
      },
    });
    this.scheduleTask();
  }

  failActivity(activityId: string, failure: FailureShape): void {
    const scheduledEventId = this.scheduledEventIdOf(activityId);
    const started = this.add({
      case: 'activityTaskStartedEventAttributes',
      value: { scheduledEventId, attempt: 1 },
    });
    this.add({
      case: 'activityTaskFailedEventAttributes',
      value: { scheduledEventId, startedEventId: started.eventId, failure: toProtoFailure(failure) },
    });
    this.scheduleTask();
  }

  fireTimer(timerId: string): void {
    this.add({ case: 'timerFiredEventAttributes', value: { timerId } });
    this.scheduleTask();
  }

  signal(signalName: string, ...args: unknown[]): void {
    this.add({
      case: 'workflowExecutionSignaledEventAttributes',
      value: { signalName, input: valuesToPayloads(args) },
    });
    this.scheduleTask();
  }

  requestCancel(): void {
    this.add({ case: 'workflowExecutionCancelRequestedEventAttributes', value: { cause: 'test' } });
    this.scheduleTask();
  }
}
