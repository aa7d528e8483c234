/**
 * Where an activation's updates come from. Live, from the update requests the workflow task carries: the
 * validator runs and the code accepts or rejects. In replay, from the WorkflowExecutionUpdateAccepted events
 * the task's completion wrote (they follow its WorkflowTaskCompleted): the validator is not run again and the
 * code accepts them as it did, so its commands (the acceptance, the handler's) match the recorded ones.
 */
import { fromProtoPayloads } from '../../common/payload-proto.js';
import type { HistoryEvent } from '../../gen/strata/v1/history_pb.js';
import type { UpdateRequest, UpdateRequestMessage } from '../../gen/strata/v1/update_pb.js';
import type { DoUpdateJob } from '../../workflow/activation.js';

function jobOf(request: UpdateRequest | undefined, updateId: string, runValidator: boolean): DoUpdateJob {
  return {
    kind: 'doUpdate',
    updateId: request?.meta?.updateId || updateId,
    name: request?.input?.name ?? '',
    args: fromProtoPayloads(request?.input?.args),
    runValidator,
  };
}

/** The jobs of the update requests a live workflow task delivers, in delivery order. */
export function updateJobsOfRequests(messages: readonly UpdateRequestMessage[]): DoUpdateJob[] {
  return messages.map((message) => jobOf(message.request, message.protocolInstanceId, true));
}

/** For each completed workflow task (by its WorkflowTaskStarted id), the updates its completion accepted. */
export function acceptedUpdatesByTask(events: readonly HistoryEvent[]): Map<number, DoUpdateJob[]> {
  const byTask = new Map<number, DoUpdateJob[]>();
  let completedTask = 0;
  for (const event of events) {
    const a = event.attributes;
    if (a.case === 'workflowTaskCompletedEventAttributes') {
      completedTask = a.value.startedEventId || event.eventId - 1;
    } else if (a.case === 'workflowExecutionUpdateAcceptedEventAttributes') {
      const jobs = byTask.get(completedTask) ?? [];
      jobs.push(jobOf(a.value.acceptedRequest, a.value.protocolInstanceId, false));
      byTask.set(completedTask, jobs);
    }
  }
  return byTask;
}
