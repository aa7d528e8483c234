import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import type { WorkflowFailedError } from '../../src/client/errors.js';
import { closeEventToOutcome } from '../../src/client/result.js';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  errorToFailure,
  TerminatedFailure,
  TimeoutFailure,
} from '../../src/common/failure.js';
import { toProtoFailure } from '../../src/common/failure-proto.js';
import { valuesToPayloads } from '../../src/common/payload-proto.js';
import { RetryState } from '../../src/gen/strata/v1/common_pb.js';
import { EventType, HistoryEventSchema } from '../../src/gen/strata/v1/history_pb.js';

function closing(
  eventType: EventType,
  attributes: MessageInitShape<typeof HistoryEventSchema>['attributes'],
) {
  return create(HistoryEventSchema, { eventId: 9, eventTimeMs: 1, eventType, attributes });
}

function failedWith(event: ReturnType<typeof closing>): WorkflowFailedError {
  const outcome = closeEventToOutcome(event);
  if (outcome.kind !== 'failed') throw new Error(`expected a failed outcome, got ${outcome.kind}`);
  return outcome.error;
}

describe('closeEventToOutcome: what result() returns or throws', () => {
  it('a completed run returns its result value', () => {
    const outcome = closeEventToOutcome(
      closing(EventType.WORKFLOW_EXECUTION_COMPLETED, {
        case: 'workflowExecutionCompletedEventAttributes',
        value: { result: valuesToPayloads([{ greeting: 'Hello, Ada!' }]) },
      }),
    );
    expect(outcome).toEqual({ kind: 'completed', value: { greeting: 'Hello, Ada!' } });
  });

  it('a failed run throws WorkflowFailedError whose cause is the typed failure chain', () => {
    const failure = new ActivityFailure(
      'Activity task failed',
      'chargeCard',
      '1',
      'MAXIMUM_ATTEMPTS_REACHED',
      'worker-1',
      ApplicationFailure.nonRetryable('card expired', 'PaymentDeclined', { last4: '4242' }),
    );
    const error = failedWith(
      closing(EventType.WORKFLOW_EXECUTION_FAILED, {
        case: 'workflowExecutionFailedEventAttributes',
        value: {
          failure: toProtoFailure(errorToFailure(failure)),
          retryState: RetryState.RETRY_POLICY_NOT_SET,
        },
      }),
    );
    expect(error.message).toBe('Workflow execution failed');
    expect(error.retryState).toBe('RETRY_POLICY_NOT_SET');
    expect(error.cause).toBeInstanceOf(ActivityFailure);
    const activity = error.cause as ActivityFailure;
    expect(activity.activityType).toBe('chargeCard');
    expect(activity.cause).toBeInstanceOf(ApplicationFailure);
    const application = activity.cause as ApplicationFailure;
    expect(application).toMatchObject({
      message: 'card expired',
      type: 'PaymentDeclined',
      nonRetryable: true,
    });
    expect(application.details).toEqual([{ last4: '4242' }]);
  });

  it('a cancelled run throws WorkflowFailedError with a CancelledFailure cause', () => {
    const error = failedWith(
      closing(EventType.WORKFLOW_EXECUTION_CANCELED, {
        case: 'workflowExecutionCanceledEventAttributes',
        value: { details: valuesToPayloads(['by user']) },
      }),
    );
    expect(error.message).toBe('Workflow execution cancelled');
    expect(error.cause).toBeInstanceOf(CancelledFailure);
    expect((error.cause as CancelledFailure).details).toEqual(['by user']);
  });

  it('a terminated run throws WorkflowFailedError with a TerminatedFailure carrying the reason', () => {
    const error = failedWith(
      closing(EventType.WORKFLOW_EXECUTION_TERMINATED, {
        case: 'workflowExecutionTerminatedEventAttributes',
        value: { reason: 'stuck' },
      }),
    );
    expect(error.cause).toBeInstanceOf(TerminatedFailure);
    expect((error.cause as TerminatedFailure).message).toBe('stuck');
  });

  it('a timed-out run throws WorkflowFailedError with a TimeoutFailure', () => {
    const error = failedWith(
      closing(EventType.WORKFLOW_EXECUTION_TIMED_OUT, {
        case: 'workflowExecutionTimedOutEventAttributes',
        value: { retryState: RetryState.TIMEOUT },
      }),
    );
    expect(error.cause).toBeInstanceOf(TimeoutFailure);
    expect(error.retryState).toBe('TIMEOUT');
  });

  it('continued-as-new is followed, and other events are not closing', () => {
    expect(
      closeEventToOutcome(closing(EventType.WORKFLOW_EXECUTION_CONTINUED_AS_NEW, { case: undefined })),
    ).toEqual({
      kind: 'continuedAsNew',
    });
    expect(closeEventToOutcome(closing(EventType.WORKFLOW_TASK_SCHEDULED, { case: undefined }))).toEqual({
      kind: 'open',
    });
  });
});
