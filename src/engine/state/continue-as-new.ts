/**
 * The ContinueAsNewWorkflowExecution command: the run closes with WorkflowExecutionContinuedAsNew and
 * the next run of the workflow id (fresh history, attempt 1) starts in the same transaction.
 */
import type { ContinueAsNewWorkflowExecutionCommandAttributes } from '../../gen/strata/v1/command_pb.js';
import { ContinueAsNewInitiator, WorkflowExecutionStatus } from '../../gen/strata/v1/common_pb.js';
import {
  checkUpsertSearchAttributes,
  SearchAttributeError,
  type SearchAttributeRegistry,
} from '../visibility/search-attributes.js';
import { closeExecution } from './execution.js';
import type { Mutation } from './mutation.js';
import { type ContinuedRun, chainOf, nextRunOfContinueAsNew } from './next-run.js';
import { inheritedVisibility, startSearchAttributesMessage } from './search-attributes.js';

/**
 * What the new run runs: the command's values, the closing run's where the command leaves them empty
 * (memo and search attributes too). The search attributes were checked by `validateCommands`.
 */
function continuedRun(
  m: Mutation,
  command: ContinueAsNewWorkflowExecutionCommandAttributes,
  registry: SearchAttributeRegistry,
): ContinuedRun {
  const state = m.state;
  const inherited = inheritedVisibility(state);
  const checked =
    command.searchAttributes &&
    checkUpsertSearchAttributes(command.searchAttributes, registry, state.namespace);
  return {
    workflowType: command.workflowType?.name || state.workflowType,
    taskQueue: command.taskQueue || state.taskQueue,
    input: command.input,
    runTimeoutMs: command.workflowRunTimeoutMs || chainOf(state).runTimeoutMs,
    workflowTaskTimeoutMs: command.workflowTaskTimeoutMs || state.workflowTaskTimeoutMs,
    memo: command.memo ?? inherited.memo,
    searchAttributes:
      checked && !(checked instanceof SearchAttributeError) ? checked : inherited.searchAttributes,
  };
}

export function continueAsNewExecution(
  m: Mutation,
  command: ContinueAsNewWorkflowExecutionCommandAttributes,
  completedEventId: number,
  registry: SearchAttributeRegistry,
): void {
  const continued = continuedRun(m, command, registry);
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
      memo: continued.memo,
      searchAttributes:
        continued.searchAttributes && startSearchAttributesMessage(continued.searchAttributes),
    },
  });
  closeExecution(m, WorkflowExecutionStatus.CONTINUED_AS_NEW);
}
