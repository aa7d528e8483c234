import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from '@bufbuild/protobuf';
import { type EventAttributesCase, eventTypeOf } from '../../common/event-type-proto.js';
import { WorkflowExecutionStatus } from '../../gen/strata/v1/common_pb.js';
import { type HistoryEvent, HistoryEventSchema } from '../../gen/strata/v1/history_pb.js';
import type { ExecutionWrite, NewTask, NewTimer, StoredEvent, TaskKind } from '../../store/store.js';
import type { NextRun } from './next-run.js';
import { indexedSearchAttributes } from './search-attributes.js';
import { type TransferPayload, transferKey } from './transfers.js';
import type { ExecutionState, TimerPayload } from './types.js';

type EventAttributesInit = Extract<
  NonNullable<MessageInitShape<typeof HistoryEventSchema>['attributes']>,
  { case: EventAttributesCase }
>;

export function encodeMessage<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc> | undefined,
): string {
  return message ? Buffer.from(toBinary(schema, message)).toString('base64') : '';
}

export function decodeMessage<Desc extends DescMessage>(
  schema: Desc,
  text: string,
): MessageShape<Desc> | undefined {
  return text ? fromBinary(schema, Buffer.from(text, 'base64')) : undefined;
}

export function timerKey(payload: TimerPayload): string {
  switch (payload.type) {
    case 'workflow-task-start-to-close':
    case 'workflow-task-schedule-to-start':
    case 'workflow-task-backoff':
    case 'run-timeout':
    case 'first-workflow-task-backoff':
      return payload.type;
    case 'user-timer':
      return `user-timer/${payload.timerId}`;
    case 'activity-schedule-to-start':
    case 'activity-start-to-close':
    case 'activity-heartbeat':
    case 'activity-schedule-to-close':
    case 'activity-retry':
      return `${payload.type}/${payload.scheduledEventId}`;
    default: {
      const unexpected: never = payload;
      throw new Error(`unknown timer ${JSON.stringify(unexpected)}`);
    }
  }
}

/**
 * Collects what one decision does to an execution: new history events (ids assigned in order), tasks
 * to queue and timers to set or drop. Pure: nothing touches the store until the engine writes
 * `toWrite()` in one transaction.
 */
export class Mutation {
  readonly events: HistoryEvent[] = [];
  readonly tasks: NewTask[] = [];
  readonly timers: NewTimer[] = [];
  /** Effects on other executions (see transfers.ts); unlike timers, they are written when the run closes. */
  readonly transfers: NewTimer[] = [];
  readonly deleteTimerKeys: string[] = [];
  closed = false;
  /** Set when the run's search attributes changed: the write then re-indexes them. */
  searchAttributesChanged = false;
  /** Set when the run closes into a new run (continue-as-new, retry, cron): the engine starts it. */
  nextRun: NextRun | undefined;
  #encodedEvents: StoredEvent[] | undefined;

  constructor(
    readonly state: ExecutionState,
    readonly nowMs: number,
  ) {}

  addEvent(attributes: EventAttributesInit): HistoryEvent {
    const event = create(HistoryEventSchema, {
      eventId: this.state.nextEventId,
      eventTimeMs: this.nowMs,
      eventType: eventTypeOf(attributes.case),
      attributes,
    });
    this.state.nextEventId += 1;
    this.events.push(event);
    return event;
  }

  enqueue(kind: TaskKind, taskQueue: string, scheduledEventId: number, attempt: number): void {
    this.tasks.push({
      namespace: this.state.namespace,
      taskQueue,
      kind,
      runId: this.state.runId,
      scheduledEventId,
      attempt,
    });
  }

  setTimer(dueMs: number, payload: TimerPayload): void {
    const key = timerKey(payload);
    const index = this.deleteTimerKeys.indexOf(key);
    if (index >= 0) this.deleteTimerKeys.splice(index, 1);
    this.timers.push({
      namespace: this.state.namespace,
      runId: this.state.runId,
      key,
      dueMs,
      payload: JSON.stringify(payload),
    });
  }

  /** Records an effect on another execution, applied once this write committed. */
  addTransfer(payload: TransferPayload): void {
    this.transfers.push({
      namespace: this.state.namespace,
      runId: this.state.runId,
      key: transferKey(payload),
      dueMs: this.nowMs,
      payload: JSON.stringify(payload),
    });
  }

  deleteTimer(payload: TimerPayload): void {
    const key = timerKey(payload);
    const kept = this.timers.filter((timer) => timer.key !== key);
    this.timers.splice(0, this.timers.length, ...kept);
    this.deleteTimerKeys.push(key);
  }

  get running(): boolean {
    return this.state.status === WorkflowExecutionStatus.RUNNING;
  }

  /** Bytes the new events take once encoded (so far in this mutation). */
  newEventBytes(): number {
    let bytes = 0;
    for (const event of this.events) bytes += toBinary(HistoryEventSchema, event).length;
    return bytes;
  }

  toWrite(): ExecutionWrite {
    if (this.#encodedEvents === undefined) {
      this.#encodedEvents = this.events.map((event) => ({
        eventId: event.eventId,
        data: toBinary(HistoryEventSchema, event),
      }));
      let bytes = this.state.historySizeBytes ?? 0;
      for (const event of this.#encodedEvents) bytes += event.data.length;
      this.state.historySizeBytes = bytes;
    }
    return {
      status: this.state.status,
      closeTimeMs: this.state.closeTimeMs,
      historyLength: this.state.nextEventId - 1,
      busy: isBusy(this.state),
      state: JSON.stringify(this.state),
      events: this.#encodedEvents,
      tasks: this.closed ? [] : this.tasks,
      timers: this.closed ? this.transfers : [...this.timers, ...this.transfers],
      deleteTimerKeys: this.closed ? [] : this.deleteTimerKeys,
      dropTasksAndTimers: this.closed,
      searchAttributes: this.searchAttributesChanged ? indexedSearchAttributes(this.state) : undefined,
    };
  }
}

/** Whether a workflow or activity task is queued or running (time skipping waits until none is). */
export function isBusy(state: ExecutionState): boolean {
  if (state.status !== WorkflowExecutionStatus.RUNNING) return false;
  if (state.workflowTask && !state.workflowTask.backoff) return true;
  return Object.values(state.activities).some((activity) => activity.phase !== 'backoff');
}
