import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '../../src/client/index.js';
import { runCli } from '../helpers/run-cli.js';
import { useTestServer } from '../worker/harness.js';
import * as activities from './fixtures/activities.js';
import {
  catchActivityFailure,
  rethrowActivityFailure,
  throwApplicationFailure,
} from './fixtures/workflows.js';

const workflowsPath = fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url));

const taskQueue = `failures-${randomUUID()}`;
const t = useTestServer({ worker: { taskQueue, workflowsPath, activities, shutdownSignals: [] } });

/** Runs `workflow` to its end and returns how it failed. */
async function failureOf(promise: Promise<unknown>): Promise<WorkflowFailedError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return error as WorkflowFailedError;
}

describe('an activity that throws', () => {
  it('is retried per its retry policy, then the workflow sees ActivityFailure caused by the ApplicationFailure', async () => {
    const key = randomUUID();
    const seen = await t.client.workflow.execute(catchActivityFailure, {
      taskQueue,
      workflowId: `retried-${key}`,
      args: [key, { type: 'GatewayTimeout', message: 'the card gateway timed out' }],
    });
    expect(activities.attemptsSeen[key]).toEqual([1, 2, 3]);
    expect(seen).toEqual({
      name: 'ActivityFailure',
      causeName: 'ApplicationFailure',
      causeType: 'GatewayTimeout',
      causeMessage: 'the card gateway timed out',
    });
  });

  it('is not retried when it throws a nonRetryable ApplicationFailure', async () => {
    const key = randomUUID();
    const seen = await t.client.workflow.execute(catchActivityFailure, {
      taskQueue,
      workflowId: `non-retryable-${key}`,
      args: [key, { type: 'CardExpired', message: 'card expired in 2020', nonRetryable: true }],
    });
    expect(activities.attemptsSeen[key]).toEqual([1]);
    expect(seen).toMatchObject({ causeType: 'CardExpired', causeMessage: 'card expired in 2020' });
  });

  it('is not retried when its failure type is in nonRetryableErrorTypes', async () => {
    const key = randomUUID();
    const seen = await t.client.workflow.execute(catchActivityFailure, {
      taskQueue,
      workflowId: `non-retryable-type-${key}`,
      args: [key, { type: 'InvalidOrder', message: 'quantity must be positive' }],
    });
    expect(activities.attemptsSeen[key]).toEqual([1]);
    expect(seen).toMatchObject({ causeType: 'InvalidOrder', causeMessage: 'quantity must be positive' });
  });
});

describe('a workflow that fails', () => {
  it('throwing ApplicationFailure: result() rejects with WorkflowFailedError holding its type and message, and `strata workflow show` lists WorkflowExecutionFailed', async () => {
    const handle = await t.client.workflow.start(throwApplicationFailure, {
      taskQueue,
      workflowId: `throws-${randomUUID()}`,
    });
    const error = await failureOf(handle.result());
    expect(error.cause).toBeInstanceOf(ApplicationFailure);
    expect(error.cause).toMatchObject({ type: 'OrderRejected', message: 'sku A1 is out of stock' });
    expect((await handle.describe()).status.name).toBe('FAILED');

    const show = await runCli(['workflow', 'show', '--address', t.server.address, '-w', handle.workflowId]);
    expect(show.exitCode).toBe(0);
    const lastLine = show.stdout.trim().split('\n').at(-1) ?? '';
    expect(lastLine).toContain('WorkflowExecutionFailed');
    expect(lastLine).toContain('OrderRejected');
    expect(lastLine).toContain('sku A1 is out of stock');
  });

  it('rethrowing an activity failure: WorkflowFailedError -> ActivityFailure -> ApplicationFailure', async () => {
    const key = randomUUID();
    const error = await failureOf(
      t.client.workflow.execute(rethrowActivityFailure, {
        taskQueue,
        workflowId: `rethrows-${key}`,
        args: [key, { type: 'PaymentDeclined', message: 'insufficient funds' }],
      }),
    );
    expect(activities.attemptsSeen[key]).toEqual([1, 2, 3]);
    expect(error.cause).toBeInstanceOf(ActivityFailure);
    expect(error.cause).toMatchObject({ activityType: 'alwaysFails' });
    const cause = (error.cause as ActivityFailure).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'PaymentDeclined', message: 'insufficient funds' });
  });
});
