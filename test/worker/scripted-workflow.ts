/**
 * Plays the workflow side by hand over the raw RPCs: polls a workflow task and answers it with chosen
 * commands. Lets activity tests put the server in states workflow code cannot reach yet, such as an
 * activity cancel requested while its workflow stays open.
 */
import { create } from '@bufbuild/protobuf';
import type { Connection } from '../../src/client/index.js';
import { type Command, CommandSchema } from '../../src/gen/strata/v1/command_pb.js';
import type { HistoryEvent } from '../../src/gen/strata/v1/history_pb.js';
import { TaskQueueKind } from '../../src/gen/strata/v1/service_pb.js';

/** Polls the next workflow task of `taskQueue` and answers it with `commandsFor(events of the task)`. */
export async function answerWorkflowTask(
  connection: Connection,
  taskQueue: string,
  commandsFor: (events: HistoryEvent[]) => Command[],
): Promise<HistoryEvent[]> {
  const service = connection.workflowService;
  for (;;) {
    const task = await service.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue,
      taskQueueKind: TaskQueueKind.NORMAL,
      identity: 'scripted-workflow',
    });
    if (task.taskToken.length === 0) continue;
    const events = task.history?.events ?? [];
    await service.respondWorkflowTaskCompleted({
      namespace: 'default',
      taskToken: task.taskToken,
      identity: 'scripted-workflow',
      commands: commandsFor(events),
    });
    return events;
  }
}

export function scheduleActivity(activityType: string, taskQueue: string): Command {
  return create(CommandSchema, {
    attributes: {
      case: 'scheduleActivityTask',
      value: {
        activityId: '1',
        activityType: { name: activityType },
        taskQueue,
        startToCloseTimeoutMs: 30_000,
        heartbeatTimeoutMs: 2000,
      },
    },
  });
}

export function requestCancelActivity(scheduledEventId: number): Command {
  return create(CommandSchema, {
    attributes: { case: 'requestCancelActivityTask', value: { scheduledEventId } },
  });
}

export function completeWorkflow(): Command {
  return create(CommandSchema, { attributes: { case: 'completeWorkflowExecution', value: {} } });
}
