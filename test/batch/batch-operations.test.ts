/**
 * Batch operations from the client's side: terminate, cancel and signal every running workflow a query
 * matches, on a real server with a real worker; exact counts, the workflows' own outcomes, stop, list and
 * describe, and the errors of bad requests. Runs on SQLite and on PostgreSQL (both Vitest projects).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, ServiceError, WorkflowFailedError } from '../../src/client/index.js';
import { Worker } from '../../src/worker/index.js';
import { eventually } from '../helpers/strata-server.js';
import { type BatchTestEnvironment, startBatchTestEnvironment, workflowsPath } from './environment.js';
import { bump, finish } from './workflows.js';

let batchEnv: BatchTestEnvironment;
let client: Client;
const startWaiters = (prefix: string, count: number) => batchEnv.startWaiters(prefix, count);

beforeAll(async () => {
  batchEnv = await startBatchTestEnvironment('batch-ops');
  ({ client } = batchEnv);
});

afterAll(() => batchEnv.close());

describe('batch operations', () => {
  it('terminates exactly the running workflows the query matches', async () => {
    const handles = await startWaiters('term', 6);
    await handles[5]?.signal(finish);
    await handles[5]?.result();
    await startWaiters('other-term', 2);

    const jobId = await client.batch.start(
      { type: 'terminate' },
      { query: 'WorkflowId STARTS_WITH "term-"', reason: 'bad deploy' },
    );
    const done = await client.batch.waitForCompletion(jobId);
    expect(done).toMatchObject({
      jobId,
      state: 'COMPLETED',
      operationType: 'TERMINATE',
      totalOperationCount: 5,
      completeOperationCount: 5,
      failureOperationCount: 0,
      reason: 'bad deploy',
      query: 'WorkflowId STARTS_WITH "term-"',
    });
    expect(done.closeTime?.getTime()).toBeGreaterThanOrEqual(done.startTime.getTime());
    for (const handle of handles.slice(0, 5)) {
      const description = await handle.describe();
      expect(description.status.name).toBe('TERMINATED');
      const { events } = await handle.fetchHistory();
      const last = events.at(-1)?.attributes;
      expect(last?.case === 'workflowExecutionTerminatedEventAttributes' && last.value.reason).toBe(
        'bad deploy',
      );
    }
    expect((await handles[5]?.describe())?.status.name).toBe('COMPLETED');
    expect(
      (await client.workflow.count('WorkflowId STARTS_WITH "other-term-" AND ExecutionStatus = "Running"'))
        .count,
    ).toBe(2);
  });

  it('cancels the workflows a query matches; each one ends canceled', async () => {
    const handles = await startWaiters('cancel', 4);
    const jobId = await client.batch.start({ type: 'cancel' }, { query: 'WorkflowId STARTS_WITH "cancel-"' });
    const done = await client.batch.waitForCompletion(jobId);
    expect(done).toMatchObject({ state: 'COMPLETED', totalOperationCount: 4, completeOperationCount: 4 });
    for (const handle of handles) {
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
    }
  });

  it('signals each workflow a query matches once, with the arguments given', async () => {
    const handles = await startWaiters('signal', 5);
    const jobId = await client.batch.start(
      { type: 'signal', signal: bump, args: [7] },
      { query: 'WorkflowId STARTS_WITH "signal-"' },
    );
    expect(await client.batch.waitForCompletion(jobId)).toMatchObject({
      state: 'COMPLETED',
      operationType: 'SIGNAL',
      completeOperationCount: 5,
    });
    for (const handle of handles) {
      await handle.signal(finish);
      expect(await handle.result()).toEqual([7]);
    }
    // A history with the batch's signal replays on the workflow code.
    await expect(
      Worker.runReplayHistory({ workflowsPath }, await client.workflow.getHandle('signal-0').fetchHistory()),
    ).resolves.toBeUndefined();
  });

  it('takes an explicit list of workflows and reports the ones it could not change', async () => {
    const [open] = await startWaiters('listed', 1);
    const jobId = await client.batch.start(
      { type: 'terminate' },
      { executions: [{ workflowId: 'listed-0' }, { workflowId: 'listed-missing' }], reason: 'cleanup' },
    );
    const done = await client.batch.waitForCompletion(jobId);
    expect(done).toMatchObject({
      state: 'COMPLETED',
      totalOperationCount: 2,
      completeOperationCount: 1,
      failureOperationCount: 1,
    });
    expect(done.failures).toEqual([
      { workflowId: 'listed-missing', runId: '', message: expect.stringContaining('not found') },
    ]);
    expect((await open?.describe())?.status.name).toBe('TERMINATED');
  });

  it('stops a running batch: no workflow is changed after the stop', async () => {
    await startWaiters('slow', 30);
    const jobId = await client.batch.start(
      { type: 'terminate' },
      { query: 'WorkflowId STARTS_WITH "slow-"', maxOperationsPerSecond: 10 },
    );
    await eventually(async () => (await client.batch.describe(jobId)).completeOperationCount >= 3);
    await client.batch.stop(jobId, 'changed my mind');
    const stopped = await client.batch.describe(jobId);
    expect(stopped.state).toBe('TERMINATED');
    expect(stopped.closeReason).toContain('changed my mind');
    expect(stopped.completeOperationCount).toBeLessThan(30);
    // Nothing moves after the stop.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const later = await client.batch.describe(jobId);
    expect(later.completeOperationCount).toBe(stopped.completeOperationCount);
    const terminated = await client.workflow.count(
      'WorkflowId STARTS_WITH "slow-" AND ExecutionStatus = "Terminated"',
    );
    expect(terminated.count).toBe(stopped.completeOperationCount);

    await expect(client.batch.stop(jobId, 'again')).rejects.toThrow(/BATCH_NOT_RUNNING.*TERMINATED/);
  });

  it('lists batches newest first and describes them', async () => {
    const jobId = await client.batch.start(
      { type: 'signal', signal: 'bump', args: [1] },
      { query: 'WorkflowId = "nobody"', jobId: 'listed-job' },
    );
    await client.batch.waitForCompletion(jobId);
    const listed = [];
    for await (const batch of client.batch.list({ pageSize: 2 })) listed.push(batch);
    expect(listed[0]).toMatchObject({ jobId: 'listed-job', state: 'COMPLETED', totalOperationCount: 0 });
    expect(listed.length).toBeGreaterThanOrEqual(6);
    const starts = listed.map((batch) => batch.startTime.getTime());
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
  });

  it('a second start with the same job id is accepted only with the same request', async () => {
    const options = { query: 'WorkflowId = "nobody"', jobId: 'same-job', reason: 'r' };
    await client.batch.start({ type: 'cancel' }, options);
    await client.batch.start({ type: 'cancel' }, options);
    await expect(client.batch.start({ type: 'terminate' }, options)).rejects.toThrow(
      /BATCH_ALREADY_EXISTS.*same-job/,
    );
  });

  it('refuses bad requests with errors that say what to fix', async () => {
    const refused = (promise: Promise<unknown>) => expect(promise).rejects.toBeInstanceOf(ServiceError);
    await refused(client.batch.start({ type: 'terminate' }, { query: 'WorkflowId = ' }));
    await expect(client.batch.start({ type: 'terminate' }, { query: 'Nope = "x"' })).rejects.toThrow(/Nope/);
    await expect(client.batch.start({ type: 'terminate' }, {})).rejects.toThrow(
      /visibility_query is required/,
    );
    await expect(
      client.batch.start(
        { type: 'terminate' },
        { query: 'WorkflowId = "a"', executions: [{ workflowId: 'a' }] },
      ),
    ).rejects.toThrow(/not both/);
    await expect(
      client.batch.start({ type: 'signal', signal: '' }, { query: 'WorkflowId = "a"' }),
    ).rejects.toThrow(/signal_operation.signal is required/);
    await expect(client.batch.describe('no-such-job')).rejects.toThrow(/BATCH_NOT_FOUND.*no-such-job/);
    await expect(client.batch.stop('no-such-job', 'x')).rejects.toThrow(/BATCH_NOT_FOUND/);
  });
});
