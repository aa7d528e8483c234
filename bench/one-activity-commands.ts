import { create } from '@bufbuild/protobuf';
import { type Command, CommandSchema } from '../src/gen/strata/v1/command_pb.js';
import type { PollWorkflowTaskQueueResponse } from '../src/gen/strata/v1/service_pb.js';

/**
 * The engine benches' hand-written workflow: schedule one activity, then complete once it has.
 * Shared so both benches measure exactly the same workload.
 */
export function oneActivityCommand(task: PollWorkflowTaskQueueResponse): Command {
  const done = task.history?.events.some((e) => e.attributes.case === 'activityTaskCompletedEventAttributes');
  return done
    ? create(CommandSchema, { attributes: { case: 'completeWorkflowExecution', value: {} } })
    : create(CommandSchema, {
        attributes: {
          case: 'scheduleActivityTask',
          value: { activityId: '1', activityType: { name: 'a' }, startToCloseTimeoutMs: 10_000 },
        },
      });
}
