/**
 * Checks of a start request's options beyond the policies (`start-policies.ts`): the three timeouts, the
 * workflow retry policy and the cron schedule. Each failure is an `[INVALID_ARGUMENT]` naming the field.
 */
import { InvalidCronScheduleError, parseCronSchedule } from '../common/cron.js';
import { retryPolicyProblem } from '../common/retry-policy.js';
import { withRetryDefaults } from '../common/retry-policy-proto.js';
import { workflowTimeoutsProblem } from '../common/workflow-timeouts.js';
import type { RetryPolicy } from '../gen/strata/v1/common_pb.js';
import type { StartWorkflowExecutionRequest } from '../gen/strata/v1/service_pb.js';
import { invalidArgument } from './errors.js';

function fail(message: string): never {
  throw invalidArgument(message.replace(/^\[INVALID_ARGUMENT\] /, ''));
}

export function validateWorkflowTimeouts(request: StartWorkflowExecutionRequest, prefix: string): void {
  const problem = workflowTimeoutsProblem(
    {
      executionTimeoutMs: request.workflowExecutionTimeoutMs,
      runTimeoutMs: request.workflowRunTimeoutMs,
      taskTimeoutMs: request.workflowTaskTimeoutMs,
    },
    {
      execution: `${prefix}workflow_execution_timeout_ms`,
      run: `${prefix}workflow_run_timeout_ms`,
      task: `${prefix}workflow_task_timeout_ms`,
    },
  );
  if (problem) fail(problem);
}

/** The policy with Temporal's defaults filled in (as recorded in history), or undefined for no retries. */
export function validateRetryPolicy(policy: RetryPolicy | undefined, field: string): RetryPolicy | undefined {
  if (policy === undefined) return undefined;
  const problem = retryPolicyProblem(policy, field);
  if (problem) fail(problem);
  return withRetryDefaults(policy);
}

/** The schedule as given (trimmed), '' for none. */
export function validateCronSchedule(schedule: string, field: string): string {
  if (schedule.trim() === '') return '';
  try {
    return parseCronSchedule(schedule).text;
  } catch (error) {
    if (error instanceof InvalidCronScheduleError)
      fail(error.message.replace('invalid cron schedule', `invalid ${field}`));
    throw error;
  }
}
