import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { formatFailureChain, formatFailureInline } from '../../src/cli/failure-format.js';
import { eventTypeName, formatMs, summarizeEvent } from '../../src/cli/history-summary.js';
import { ActivityFailure, ApplicationFailure, errorToFailure } from '../../src/common/failure.js';
import { toProtoFailure } from '../../src/common/failure-proto.js';
import { valuesToPayloads } from '../../src/common/payload-proto.js';
import {
  EventType,
  type HistoryEvent,
  HistoryEventSchema,
  WorkflowTaskFailedCause,
} from '../../src/gen/strata/v1/history_pb.js';

function event(
  eventType: EventType,
  attributes: MessageInitShape<typeof HistoryEventSchema>['attributes'],
): HistoryEvent {
  return create(HistoryEventSchema, {
    eventId: 7,
    eventTimeMs: Date.UTC(2026, 0, 2, 3, 4, 5),
    eventType,
    attributes,
  });
}

const activityFailure = new ActivityFailure(
  'Activity task failed',
  'chargeCard',
  '1',
  'MAXIMUM_ATTEMPTS_REACHED',
  'worker-1',
  ApplicationFailure.nonRetryable('card expired', 'PaymentDeclined'),
);

describe('eventTypeName', () => {
  it('spells event types as Temporal does', () => {
    expect(eventTypeName(EventType.WORKFLOW_EXECUTION_STARTED)).toBe('WorkflowExecutionStarted');
    expect(eventTypeName(EventType.ACTIVITY_TASK_SCHEDULED)).toBe('ActivityTaskScheduled');
    expect(eventTypeName(EventType.WORKFLOW_EXECUTION_CONTINUED_AS_NEW)).toBe(
      'WorkflowExecutionContinuedAsNew',
    );
  });
});

describe('summarizeEvent', () => {
  it('gives id, time and type of every event', () => {
    const summary = summarizeEvent(event(EventType.WORKFLOW_TASK_STARTED, { case: undefined }));
    expect(summary).toEqual({
      eventId: 7,
      time: new Date('2026-01-02T03:04:05.000Z'),
      eventType: 'WorkflowTaskStarted',
      details: '',
    });
  });

  it('shows the workflow type, task queue and input of a start', () => {
    const { details } = summarizeEvent(
      event(EventType.WORKFLOW_EXECUTION_STARTED, {
        case: 'workflowExecutionStartedEventAttributes',
        value: {
          workflowType: { name: 'greet' },
          taskQueue: 'hello',
          input: valuesToPayloads(['Ada', 3]),
        },
      }),
    );
    expect(details).toBe('type=greet taskQueue=hello input=["Ada",3]');
  });

  it('shows the activity type and id of a scheduled activity', () => {
    const { details } = summarizeEvent(
      event(EventType.ACTIVITY_TASK_SCHEDULED, {
        case: 'activityTaskScheduledEventAttributes',
        value: {
          activityId: '1',
          activityType: { name: 'chargeCard' },
          taskQueue: 'payments',
        },
      }),
    );
    expect(details).toBe('activityType=chargeCard activityId=1 taskQueue=payments');
  });

  it('shows the timer id and duration of a timer', () => {
    const { details } = summarizeEvent(
      event(EventType.TIMER_STARTED, {
        case: 'timerStartedEventAttributes',
        value: {
          timerId: 't1',
          startToFireTimeoutMs: 86_400_000,
        },
      }),
    );
    expect(details).toBe('timerId=t1 duration=1d');
  });

  it('shows the signal name and input', () => {
    const { details } = summarizeEvent(
      event(EventType.WORKFLOW_EXECUTION_SIGNALED, {
        case: 'workflowExecutionSignaledEventAttributes',
        value: {
          signalName: 'approve',
          input: valuesToPayloads([{ by: 'alice' }]),
        },
      }),
    );
    expect(details).toBe('signal=approve input=[{"by":"alice"}]');
  });

  it('shows the failure chain of a failed workflow on one line', () => {
    const { details } = summarizeEvent(
      event(EventType.WORKFLOW_EXECUTION_FAILED, {
        case: 'workflowExecutionFailedEventAttributes',
        value: {
          failure: toProtoFailure(errorToFailure(activityFailure)),
        },
      }),
    );
    expect(details).toBe(
      'failure=ActivityFailure [activity chargeCard]: Activity task failed <- ApplicationFailure(PaymentDeclined): card expired',
    );
  });

  it('shows the cause and message of a failed workflow task (how a non-determinism error is found)', () => {
    const { details } = summarizeEvent(
      event(EventType.WORKFLOW_TASK_FAILED, {
        case: 'workflowTaskFailedEventAttributes',
        value: {
          cause: WorkflowTaskFailedCause.NON_DETERMINISTIC_ERROR,
          failure: toProtoFailure(
            errorToFailure(
              new ApplicationFailure(
                '[NDE] event 5: expected ActivityTaskScheduled',
                'DeterminismViolationError',
              ),
            ),
          ),
        },
      }),
    );
    expect(details).toBe(
      'cause=NON_DETERMINISTIC_ERROR failure=ApplicationFailure(DeterminismViolationError): [NDE] event 5: expected ActivityTaskScheduled',
    );
  });

  it('shows the marker name and its decoded details', () => {
    const { details } = summarizeEvent(
      event(EventType.MARKER_RECORDED, {
        case: 'markerRecordedEventAttributes',
        value: {
          markerName: 'core_patch',
          details: { patch: valuesToPayloads([{ id: 'my-change', deprecated: false }]) },
        },
      }),
    );
    expect(details).toBe('marker=core_patch details={"patch":{"id":"my-change","deprecated":false}}');
  });

  it('shows a local activity marker by its activity, attempt and result or failure', () => {
    const data = (attempt: number, backoff: string | null) =>
      valuesToPayloads([
        {
          seq: 2,
          attempt,
          activityId: '2',
          activityType: 'lookupPrice',
          completeTime: '',
          backoff,
          originalScheduleTime: '',
        },
      ]);
    const completed = summarizeEvent(
      event(EventType.MARKER_RECORDED, {
        case: 'markerRecordedEventAttributes',
        value: {
          markerName: 'core_local_activity',
          details: { data: data(1, null), result: valuesToPayloads([40]) },
        },
      }),
    );
    expect(completed.details).toBe(
      'marker=core_local_activity localActivity=lookupPrice #2 attempt=1 result=40',
    );
    const backingOff = summarizeEvent(
      event(EventType.MARKER_RECORDED, {
        case: 'markerRecordedEventAttributes',
        value: {
          markerName: 'core_local_activity',
          details: { data: data(3, '120s') },
          failure: { message: 'Local activity failed', cause: { message: 'attempt 3 fails' } },
        },
      }),
    );
    expect(backingOff.details).toMatch(
      /^marker=core_local_activity localActivity=lookupPrice #2 attempt=3 backoff=120s failure=.*Local activity failed/,
    );
  });

  it('shows a patch marker by its patch id, and whether deprecatePatch recorded it', () => {
    const summary = (deprecated: boolean) =>
      summarizeEvent(
        event(EventType.MARKER_RECORDED, {
          case: 'markerRecordedEventAttributes',
          value: {
            markerName: 'core_patch',
            details: { patch_data: valuesToPayloads([{ id: 'my-change-id', deprecated }]) },
          },
        }),
      ).details;
    expect(summary(false)).toBe('marker=core_patch patch=my-change-id');
    expect(summary(true)).toBe('marker=core_patch patch=my-change-id deprecated=true');
  });

  it('shortens long values so a row stays readable', () => {
    const { details } = summarizeEvent(
      event(EventType.WORKFLOW_EXECUTION_COMPLETED, {
        case: 'workflowExecutionCompletedEventAttributes',
        value: {
          result: valuesToPayloads(['x'.repeat(500)]),
        },
      }),
    );
    expect(details.length).toBeLessThan(100);
    expect(details.endsWith('…')).toBe(true);
  });
});

describe('failure formatting', () => {
  it('puts each cause on its own line, indented', () => {
    expect(formatFailureChain(activityFailure)).toBe(
      'ActivityFailure [activity chargeCard]: Activity task failed\n' +
        '  caused by: ApplicationFailure(PaymentDeclined): card expired',
    );
    expect(formatFailureInline(new Error('plain'))).toBe('Error: plain');
  });
});

describe('formatMs', () => {
  it.each([
    [1500, '1500ms'],
    [30_000, '30s'],
    [300_000, '5m'],
    [7_200_000, '2h'],
  ])('%d ms reads %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });
});

describe('summarizeEvent for chains of runs', () => {
  it('a started event of a retry or cron run names the run it continues, why, and its backoff', () => {
    const started = summarizeEvent(
      event(EventType.WORKFLOW_EXECUTION_STARTED, {
        case: 'workflowExecutionStartedEventAttributes',
        value: {
          workflowType: { name: 'report' },
          taskQueue: 'q',
          attempt: 2,
          cronSchedule: '@hourly',
          continuedExecutionRunId: 'run-1',
          initiator: 2,
          firstWorkflowTaskBackoffMs: 10_000,
        },
      }),
    );
    expect(started.details).toBe(
      'type=report taskQueue=q attempt=2 cron=@hourly continuedFrom=run-1 initiator=Retry backoff=10s',
    );
  });

  it('closing events name the run that follows', () => {
    const continued = summarizeEvent(
      event(EventType.WORKFLOW_EXECUTION_CONTINUED_AS_NEW, {
        case: 'workflowExecutionContinuedAsNewEventAttributes',
        value: {
          newExecutionRunId: 'run-2',
          workflowType: { name: 'report' },
          taskQueue: 'q',
          input: valuesToPayloads([3]),
        },
      }),
    );
    expect(continued.details).toBe('newRunId=run-2 type=report taskQueue=q input=[3]');
    const completed = summarizeEvent(
      event(EventType.WORKFLOW_EXECUTION_COMPLETED, {
        case: 'workflowExecutionCompletedEventAttributes',
        value: { result: valuesToPayloads(['ok']), newExecutionRunId: 'run-3' },
      }),
    );
    expect(completed.details).toBe('result="ok" newRunId=run-3');
  });
});
