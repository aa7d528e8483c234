/** Invalid start options fail with [INVALID_ARGUMENT] and the fix: in the client before sending, and on the server when sent raw. */
import { Code, ConnectError } from '@connectrpc/connect';
import { WorkflowIdReusePolicy, type WorkflowOptions } from 'strata/client';
import { TestWorkflowEnvironment } from 'strata/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal();
});
afterAll(async () => {
  await env.teardown();
});

const base = { taskQueue: 'invalid', workflowId: 'invalid-1' };

async function clientError(options: Partial<WorkflowOptions>, signalWithStart = false): Promise<string> {
  const call = signalWithStart
    ? env.client.workflow.signalWithStart('anything', { ...base, ...options, signal: 'go' })
    : env.client.workflow.start('anything', { ...base, ...options });
  const error = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(TypeError);
  return (error as Error).message;
}

describe('invalid start options, caught by the client before sending', () => {
  it.each([
    [{ cronSchedule: '61 * * * *' }, /invalid cron schedule "61 \* \* \* \*": the minute field "61"/],
    [{ cronSchedule: '0 0 * *' }, /expected 5 fields, got 4.*'0 \* \* \* \*'/],
    [{ workflowRunTimeout: -5 }, /\[INVALID_DURATION\] -5 is not a duration/],
    [
      { workflowTaskTimeout: '5 minutes' },
      /workflowTaskTimeout is 300000 ms, above the maximum of 120000 ms/,
    ],
    [
      { workflowExecutionTimeout: '1 hour', workflowRunTimeout: '2 hours' },
      /workflowRunTimeout \(7200000 ms\) is longer than workflowExecutionTimeout \(3600000 ms\)/,
    ],
    [
      { workflowIdReusePolicy: 'ALLOW_SOMETIMES' as WorkflowIdReusePolicy },
      /workflowIdReusePolicy "ALLOW_SOMETIMES" is not a policy; use one of ALLOW_DUPLICATE, ALLOW_DUPLICATE_FAILED_ONLY, REJECT_DUPLICATE, TERMINATE_IF_RUNNING/,
    ],
    [
      { workflowIdReusePolicy: WorkflowIdReusePolicy.TERMINATE_IF_RUNNING, workflowIdConflictPolicy: 'FAIL' },
      /TERMINATE_IF_RUNNING cannot be combined with a workflowIdConflictPolicy/,
    ],
    [
      { workflowIdReusePolicy: 'REJECT_DUPLICATE', workflowIdConflictPolicy: 'TERMINATE_EXISTING' },
      /REJECT_DUPLICATE cannot be combined with workflowIdConflictPolicy TERMINATE_EXISTING/,
    ],
    [{ retry: { backoffCoefficient: 0.5 } }, /retry.backoffCoefficient must be >= 1/],
    [
      { retry: { initialInterval: '1m', maximumInterval: '10s' } },
      /maximumInterval \(10000 ms\) is shorter than initialInterval/,
    ],
    [{ retry: { maximumAttempts: -1 } }, /maximumAttempts must be a whole number >= 0/],
  ] as const)('%o', async (options, message) => {
    expect(await clientError(options as Partial<WorkflowOptions>)).toMatch(message);
  });

  it('signalWithStart refuses workflowIdConflictPolicy FAIL', async () => {
    expect(await clientError({ workflowIdConflictPolicy: 'FAIL' }, true)).toMatch(
      /FAIL is not supported by signalWithStart.*use USE_EXISTING or TERMINATE_EXISTING/,
    );
  });
});

describe('invalid start options sent raw are refused by the server with InvalidArgument', () => {
  async function serverError(fields: Record<string, unknown>): Promise<ConnectError> {
    const error = await env.connection.workflowService
      .startWorkflowExecution({
        namespace: 'default',
        workflowId: 'raw-1',
        workflowType: { name: 'anything' },
        taskQueue: 'invalid',
        requestId: 'r',
        ...fields,
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    return error as ConnectError;
  }

  it.each([
    [
      { cronSchedule: '* * * 13 *' },
      /\[INVALID_ARGUMENT\] invalid cron_schedule "\* \* \* 13 \*": the month field "13"/,
    ],
    [{ workflowRunTimeoutMs: -1 }, /workflow_run_timeout_ms must be >= 0, got -1/],
    [{ workflowTaskTimeoutMs: 121_000 }, /workflow_task_timeout_ms is 121000 ms, above the maximum/],
    [
      { workflowExecutionTimeoutMs: 1000, workflowRunTimeoutMs: 2000 },
      /workflow_run_timeout_ms \(2000 ms\) is longer than workflow_execution_timeout_ms/,
    ],
    [{ workflowIdReusePolicy: 9 }, /workflow_id_reuse_policy 9 is unknown; use ALLOW_DUPLICATE \(1\)/],
    [{ workflowIdConflictPolicy: 7 }, /workflow_id_conflict_policy 7 is unknown; use FAIL \(1\)/],
    [{ workflowIdReusePolicy: 4, workflowIdConflictPolicy: 2 }, /TERMINATE_IF_RUNNING cannot be combined/],
    [{ retryPolicy: { backoffCoefficient: 0.2 } }, /retry_policy.backoffCoefficient must be >= 1/],
  ] as const)('%o', async (fields, message) => {
    expect((await serverError(fields)).rawMessage).toMatch(message);
  });

  it('SignalWithStart refuses conflict policy FAIL', async () => {
    const error = await env.connection.workflowService
      .signalWithStartWorkflowExecution({
        start: {
          namespace: 'default',
          workflowId: 'raw-2',
          workflowType: { name: 'anything' },
          taskQueue: 'invalid',
          workflowIdConflictPolicy: 1,
        },
        signalName: 'go',
      })
      .catch((err: unknown) => err);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toMatch(
      /start\.workflowIdConflictPolicy FAIL is not supported by signalWithStart/,
    );
  });
});
