import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { type Command, CommandSchema } from '../../gen/strata/v1/command_pb.js';
import { FailureSchema } from '../../gen/strata/v1/common_pb.js';
import { EventType, WorkflowTaskFailedCause } from '../../gen/strata/v1/history_pb.js';
import { defaultLimits } from '../engine-core.js';
import { failActivityAttempt, findActivity, startActivity } from './activity.js';
import { completeWorkflowTask } from './commands.js';
import { newExecutionState, signalExecution, startExecution } from './execution.js';
import { Mutation } from './mutation.js';
import { applyTimer } from './timer-fired.js';
import type { ExecutionState } from './types.js';
import { startWorkflowTask } from './workflow-task.js';

const input = {
  namespace: 'default',
  workflowId: 'wf',
  runId: 'run-1',
  workflowType: 'W',
  taskQueue: 'q',
  input: undefined,
  executionTimeoutMs: 0,
  runTimeoutMs: 0,
  workflowTaskTimeoutMs: 0,
  identity: 'test',
  randomnessSeed: 7,
  retryPolicy: undefined,
  cronSchedule: '',
};

/** A run whose first workflow task is running, as a worker would see it after polling. */
function runningTask(): ExecutionState {
  const state = newExecutionState(input, 0);
  const start = new Mutation(state, 0);
  startExecution(start, input);
  startWorkflowTask(new Mutation(state, 1), 'worker', 'req', defaultLimits);
  return state;
}

function complete(state: ExecutionState, commands: Command[], nowMs = 2): Mutation {
  const m = new Mutation(state, nowMs);
  completeWorkflowTask(m, {
    commands,
    identity: 'worker',
    binaryChecksum: 'b1',
    stickyTaskQueue: '',
    stickyScheduleToStartTimeoutMs: 0,
  });
  return m;
}

function types(m: Mutation): string[] {
  return m.events.map((event) => EventType[event.eventType]);
}

describe('execution state transitions', () => {
  it('start writes Started and Scheduled and queues one workflow task', () => {
    const state = newExecutionState(input, 0);
    const m = new Mutation(state, 0);
    startExecution(m, input);
    expect(types(m)).toEqual(['WORKFLOW_EXECUTION_STARTED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(m.tasks).toEqual([
      {
        namespace: 'default',
        taskQueue: 'q',
        kind: 'workflow',
        runId: 'run-1',
        scheduledEventId: 2,
        attempt: 1,
      },
    ]);
  });

  it('a signal during a running task defers the next task until completion', () => {
    const state = runningTask();
    const signal = new Mutation(state, 1);
    signalExecution(signal, 's', undefined, 'client');
    expect(types(signal)).toEqual(['WORKFLOW_EXECUTION_SIGNALED']);
    expect(signal.tasks).toEqual([]);
    const m = complete(state, []);
    expect(types(m)).toEqual(['WORKFLOW_TASK_COMPLETED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(m.tasks).toHaveLength(1);
  });

  it.each([
    [
      'a close command that is not last',
      [
        create(CommandSchema, { attributes: { case: 'completeWorkflowExecution', value: {} } }),
        create(CommandSchema, {
          attributes: { case: 'startTimer', value: { timerId: 't', startToFireTimeoutMs: 1 } },
        }),
      ],
      /must be the last command/,
    ],
    [
      'a duplicate timer id',
      [
        create(CommandSchema, {
          attributes: { case: 'startTimer', value: { timerId: 't', startToFireTimeoutMs: 1 } },
        }),
        create(CommandSchema, {
          attributes: { case: 'startTimer', value: { timerId: 't', startToFireTimeoutMs: 1 } },
        }),
      ],
      /already in use/,
    ],
    [
      'canceling an unknown timer',
      [create(CommandSchema, { attributes: { case: 'cancelTimer', value: { timerId: 'x' } } })],
      /not pending/,
    ],
  ])('rejects %s with BAD_COMMAND and retries the task', (_name, commands, message) => {
    const state = runningTask();
    const m = complete(state, commands);
    expect(types(m)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_TASK_SCHEDULED']);
    const failed = m.events[0]?.attributes;
    expect(failed?.case).toBe('workflowTaskFailedEventAttributes');
    if (failed?.case === 'workflowTaskFailedEventAttributes') {
      expect(failed.value.cause).toBe(WorkflowTaskFailedCause.BAD_COMMAND);
      expect(failed.value.failure?.message).toMatch(message);
    }
    expect(state.workflowTaskAttempt).toBe(2);
  });

  it('a failed activity attempt sets a backoff timer and writes no event; a stale timer changes nothing', () => {
    const state = runningTask();
    complete(state, [
      create(CommandSchema, {
        attributes: {
          case: 'scheduleActivityTask',
          value: { activityId: 'a', activityType: { name: 'A' }, startToCloseTimeoutMs: 1000 },
        },
      }),
    ]);
    const start = new Mutation(state, 3);
    const activity = findActivity(start, 5);
    if (!activity) throw new Error('activity not scheduled');
    startActivity(start, activity, 'worker');
    const fail = new Mutation(state, 4);
    failActivityAttempt(fail, activity, create(FailureSchema, { message: 'boom' }), 'w', undefined);
    expect(fail.events).toEqual([]);
    expect(fail.timers.map((timer) => [timer.key, timer.dueMs])).toEqual([['activity-retry/5', 1004]]);
    const stale = new Mutation(state, 5000);
    applyTimer(stale, { type: 'activity-start-to-close', scheduledEventId: 5, attempt: 1 });
    expect(stale.events).toEqual([]);
  });
});
