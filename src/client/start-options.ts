/**
 * The start options that go beyond ids and arguments (timeouts, id policies, retry policy, cron
 * schedule), checked before anything is sent, so a bad value fails at the call with the fix in the
 * message, and turned into the request's fields.
 */
import { create } from '@bufbuild/protobuf';
import { parseCronSchedule } from '../common/cron.js';
import { msOptional } from '../common/duration.js';
import { type RetryPolicy, retryPolicyProblem } from '../common/retry-policy.js';
import {
  parseWorkflowIdConflictPolicy,
  parseWorkflowIdReusePolicy,
  type WorkflowIdConflictPolicy,
  type WorkflowIdReusePolicy,
  workflowIdPoliciesProblem,
} from '../common/workflow-id-policies.js';
import { workflowTimeoutsProblem } from '../common/workflow-timeouts.js';
import {
  WorkflowIdConflictPolicy as ProtoConflictPolicy,
  type RetryPolicy as ProtoRetryPolicy,
  WorkflowIdReusePolicy as ProtoReusePolicy,
  RetryPolicySchema,
} from '../gen/strata/v1/common_pb.js';
import type { StartWorkflowExecutionRequest } from '../gen/strata/v1/service_pb.js';
import type { WorkflowOptions } from './types.js';
import { versioningOverrideToProto } from './versioning-override.js';

const REUSE: Record<WorkflowIdReusePolicy, ProtoReusePolicy> = {
  ALLOW_DUPLICATE: ProtoReusePolicy.ALLOW_DUPLICATE,
  ALLOW_DUPLICATE_FAILED_ONLY: ProtoReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
  REJECT_DUPLICATE: ProtoReusePolicy.REJECT_DUPLICATE,
  TERMINATE_IF_RUNNING: ProtoReusePolicy.TERMINATE_IF_RUNNING,
};

const CONFLICT: Record<WorkflowIdConflictPolicy, ProtoConflictPolicy> = {
  FAIL: ProtoConflictPolicy.FAIL,
  USE_EXISTING: ProtoConflictPolicy.USE_EXISTING,
  TERMINATE_EXISTING: ProtoConflictPolicy.TERMINATE_EXISTING,
};

type StartOptionFields = Pick<
  StartWorkflowExecutionRequest,
  | 'workflowExecutionTimeoutMs'
  | 'workflowRunTimeoutMs'
  | 'workflowTaskTimeoutMs'
  | 'workflowIdReusePolicy'
  | 'workflowIdConflictPolicy'
  | 'retryPolicy'
  | 'cronSchedule'
  | 'versioningOverride'
>;

/** Checks the options and returns the request fields; throws a `TypeError` starting `[INVALID_ARGUMENT]`. */
export function startOptionFields(
  options: WorkflowOptions,
  operation: 'start' | 'signalWithStart',
): StartOptionFields {
  const timeouts = {
    executionTimeoutMs: msOptional(options.workflowExecutionTimeout) ?? 0,
    runTimeoutMs: msOptional(options.workflowRunTimeout) ?? 0,
    taskTimeoutMs: msOptional(options.workflowTaskTimeout) ?? 0,
  };
  const problem = workflowTimeoutsProblem(timeouts, {
    execution: 'workflowExecutionTimeout',
    run: 'workflowRunTimeout',
    task: 'workflowTaskTimeout',
  });
  if (problem) throw new TypeError(problem);
  // Parsing throws InvalidCronScheduleError, naming the bad field.
  const cronSchedule = options.cronSchedule ? parseCronSchedule(options.cronSchedule).text : '';
  const reuse =
    options.workflowIdReusePolicy === undefined
      ? undefined
      : parseWorkflowIdReusePolicy(options.workflowIdReusePolicy);
  const conflict =
    options.workflowIdConflictPolicy === undefined
      ? undefined
      : parseWorkflowIdConflictPolicy(options.workflowIdConflictPolicy);
  const policiesProblem = workflowIdPoliciesProblem(reuse, conflict, operation);
  if (policiesProblem) throw new TypeError(policiesProblem);
  return {
    workflowExecutionTimeoutMs: timeouts.executionTimeoutMs,
    workflowRunTimeoutMs: timeouts.runTimeoutMs,
    workflowTaskTimeoutMs: timeouts.taskTimeoutMs,
    workflowIdReusePolicy: reuse === undefined ? ProtoReusePolicy.UNSPECIFIED : REUSE[reuse],
    workflowIdConflictPolicy: conflict === undefined ? ProtoConflictPolicy.UNSPECIFIED : CONFLICT[conflict],
    retryPolicy: options.retry === undefined ? undefined : toProtoRetryPolicy(options.retry),
    cronSchedule,
    versioningOverride:
      options.versioningOverride === undefined
        ? undefined
        : versioningOverrideToProto(options.versioningOverride, 'versioningOverride'),
  };
}

function toProtoRetryPolicy(policy: RetryPolicy): ProtoRetryPolicy {
  const ms = {
    initialIntervalMs: msOptional(policy.initialInterval) ?? 0,
    backoffCoefficient: policy.backoffCoefficient ?? 0,
    maximumIntervalMs: msOptional(policy.maximumInterval) ?? 0,
    maximumAttempts: policy.maximumAttempts ?? 0,
  };
  const problem = retryPolicyProblem(ms, 'retry');
  if (problem) throw new TypeError(problem);
  return create(RetryPolicySchema, { ...ms, nonRetryableErrorTypes: policy.nonRetryableErrorTypes ?? [] });
}
