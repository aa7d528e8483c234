/**
 * The ContinueAsNewWorkflowExecution command: the run closes with WorkflowExecutionContinuedAsNew and
 * the next run of the workflow id (fresh history, attempt 1) starts in the same transaction.
 */
import type { ContinueAsNewWorkflowExecutionCommandAttributes } from '../../gen/strata/v1/command_pb.js';
import { ContinueAsNewInitiator, WorkflowExecutionStatus } from '../../gen/strata/v1/common_pb.js';
import { closeExecution } from './execution.js';
import type { Mutation } from './mutation.js';
import { type ContinuedRun, chainOf, nextRunOfContinueAsNew } from './next-run.js';

/** What the new run runs: the command's values, the closing run's where the command leaves them empty. */
function continuedRun(m: Mutation, command: ContinueAsNewWorkflowExecutionCommandAttributes): ContinuedRun {
  const state = m.state;
  return {
    workflowType: command.workflowType?.name || state.workflowType,
    taskQueue: command.taskQueue || state.taskQueue,
    input: command.input,
    runTimeoutMs: command.workflowRunTimeoutMs || chainOf(state).runTimeoutMs,
    workflowTaskTimeoutMs: command.workflowTaskTimeoutMs || state.workflowTaskTimeoutMs,
  };
}

export function continueAsNewExecution(
  m: Mutation,
  command: ContinueAsNewWorkflowExecutionCommandAttributes,
  completedEventId: number,
): void {
  const continued = continuedRun(m, command);
  const newExecutionRunId = nextRunOfContinueAsNew(m, continued);
  m.addEvent({
    case: 'workflowExecutionContinuedAsNewEventAttributes',
    value: {
      newExecutionRunId,
      workflowType: { name: continued.workflowType },
      taskQueue: continued.taskQueue,
      input: continued.input,
      workflowRunTimeoutMs: continued.runTimeoutMs,
      workflowTaskTimeoutMs: continued.workflowTaskTimeoutMs,
      workflowTaskCompletedEventId: completedEventId,
      backoffStartIntervalMs: 0,
      initiator: ContinueAsNewInitiator.WORKFLOW,
    },
  });
  closeExecution(m, WorkflowExecutionStatus.CONTINUED_AS_NEW);
}
