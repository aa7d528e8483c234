import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { patchMarkerDetails } from '../../common/patch-marker.js';
import { HistoryEventSchema } from '../../gen/strata/v1/history_pb.js';
import type { WorkflowCommand } from '../../workflow/activation.js';
import { commandMismatch } from './command-matching.js';

const scheduled = create(HistoryEventSchema, {
  eventId: 5,
  attributes: {
    case: 'activityTaskScheduledEventAttributes',
    value: { activityId: '1', activityType: { name: 'charge' } },
  },
});
const activity = (
  over: Partial<Extract<WorkflowCommand, { kind: 'scheduleActivity' }>> = {},
): WorkflowCommand => ({
  kind: 'scheduleActivity',
  seq: 1,
  activityId: '1',
  activityType: 'charge',
  args: [{ encoding: 'json/plain', data: '1' }],
  options: {} as never,
  ...over,
});
const noActivities = () => undefined;

describe('R2: command matching', () => {
  it('R2: same kind, type and id match; arguments are not compared (R5)', () => {
    expect(commandMismatch(activity({ args: [] }), scheduled, noActivities)).toBeUndefined();
  });

  it('R2: a different activity type, activity id or kind is a mismatch', () => {
    expect(commandMismatch(activity({ activityType: 'refund' }), scheduled, noActivities)).toBe(
      'a different activity type',
    );
    expect(commandMismatch(activity({ activityId: '2' }), scheduled, noActivities)).toBe(
      'a different activity id',
    );
    const timer: WorkflowCommand = { kind: 'startTimer', seq: 1, timerId: '1', durationMs: 5 };
    expect(commandMismatch(timer, scheduled, noActivities)).toBe('a different kind of command');
  });

  it('R2: timers match by id; a core_patch marker by its patch id, deprecated or not (P9)', () => {
    const started = create(HistoryEventSchema, {
      eventId: 5,
      attributes: { case: 'timerStartedEventAttributes', value: { timerId: '2' } },
    });
    expect(
      commandMismatch({ kind: 'startTimer', seq: 2, timerId: '2', durationMs: 1 }, started, noActivities),
    ).toBeUndefined();
    expect(
      commandMismatch({ kind: 'startTimer', seq: 1, timerId: '1', durationMs: 1 }, started, noActivities),
    ).toBe('a different timer id');
    const marker = create(HistoryEventSchema, {
      eventId: 5,
      attributes: {
        case: 'markerRecordedEventAttributes',
        value: {
          markerName: 'core_patch',
          details: {
            patch_data: {
              payloads: [{ data: new TextEncoder().encode('{"id":"my-change","deprecated":false}') }],
            },
          },
        },
      },
    });
    const patch = (id: string, deprecated = false): WorkflowCommand => ({
      kind: 'recordMarker',
      markerName: 'core_patch',
      details: patchMarkerDetails({ id, deprecated }),
    });
    expect(commandMismatch(patch('my-change'), marker, noActivities)).toBeUndefined();
    expect(commandMismatch(patch('my-change', true), marker, noActivities)).toBeUndefined();
    expect(commandMismatch(patch('other'), marker, noActivities)).toBe('a different patch id');
  });

  it('R2: an activity cancellation matches the scheduled event of the same activity', () => {
    const cancel = create(HistoryEventSchema, {
      eventId: 9,
      attributes: { case: 'activityTaskCancelRequestedEventAttributes', value: { scheduledEventId: 5 } },
    });
    const command: WorkflowCommand = { kind: 'requestCancelActivity', seq: 1 };
    expect(commandMismatch(command, cancel, () => 5)).toBeUndefined();
    expect(commandMismatch(command, cancel, () => 7)).toBe('the cancellation of a different activity');
  });

  it('R2: a child workflow matches by workflow type and workflow id; arguments are not compared', () => {
    const initiated = create(HistoryEventSchema, {
      eventId: 5,
      attributes: {
        case: 'startChildWorkflowExecutionInitiatedEventAttributes',
        value: { workflowId: 'order-1-child', workflowType: { name: 'ship' } },
      },
    });
    const child = (workflowType: string, workflowId: string): WorkflowCommand => ({
      kind: 'startChildWorkflow',
      seq: 1,
      workflowId,
      workflowType,
      args: [],
      options: {} as never,
    });
    expect(commandMismatch(child('ship', 'order-1-child'), initiated, noActivities)).toBeUndefined();
    expect(commandMismatch(child('bill', 'order-1-child'), initiated, noActivities)).toBe(
      'a different child workflow type',
    );
    expect(commandMismatch(child('ship', 'order-2-child'), initiated, noActivities)).toBe(
      'a different child workflow id',
    );
    expect(commandMismatch(activity(), initiated, noActivities)).toBe('a different kind of command');
  });

  it('R2: an external signal matches by workflow id and signal name, an external cancel by workflow id', () => {
    const signal = create(HistoryEventSchema, {
      eventId: 5,
      attributes: {
        case: 'signalExternalWorkflowExecutionInitiatedEventAttributes',
        value: { workflowExecution: { workflowId: 'other' }, signalName: 'go' },
      },
    });
    const sent = (workflowId: string, signalName: string): WorkflowCommand => ({
      kind: 'signalExternalWorkflow',
      seq: 1,
      workflowId,
      runId: '',
      signalName,
      args: [],
      childWorkflowOnly: false,
    });
    expect(commandMismatch(sent('other', 'go'), signal, noActivities)).toBeUndefined();
    expect(commandMismatch(sent('other', 'stop'), signal, noActivities)).toBe('a different signal name');
    expect(commandMismatch(sent('third', 'go'), signal, noActivities)).toBe('a different workflow id');
    const cancel = create(HistoryEventSchema, {
      eventId: 6,
      attributes: {
        case: 'requestCancelExternalWorkflowExecutionInitiatedEventAttributes',
        value: { workflowExecution: { workflowId: 'other' } },
      },
    });
    const cancelOf = (workflowId: string): WorkflowCommand => ({
      kind: 'requestCancelExternalWorkflow',
      seq: 1,
      workflowId,
      runId: '',
      childWorkflowOnly: false,
    });
    expect(commandMismatch(cancelOf('other'), cancel, noActivities)).toBeUndefined();
    expect(commandMismatch(cancelOf('third'), cancel, noActivities)).toBe('a different workflow id');
  });
});
