import { fileURLToPath } from 'node:url';
import { IndexedValueType, WorkflowContinuedAsNewError } from 'strata/client';
import { TestWorkflowEnvironment } from 'strata/testing';
import { Worker } from 'strata/worker';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Carried,
  carryOver,
  countdown,
  type echo,
  handOver,
  type RunFacts,
  stageKey,
  untilSuggested,
} from './workflows.js';

const workflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));

let env: TestWorkflowEnvironment | undefined;
afterEach(async () => {
  await env?.teardown();
  env = undefined;
});

async function worker(environment: TestWorkflowEnvironment, taskQueue = 'runs'): Promise<Worker> {
  return Worker.create({ connection: environment.connection, taskQueue, workflowsPath });
}

describe('continue-as-new', () => {
  it('a workflow that continues as new five times: result() follows the chain to the last run', async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping();
    const client = env.client;
    const w = await worker(env);
    const handle = await client.workflow.start(countdown, {
      taskQueue: 'runs',
      workflowId: 'count',
      args: [5],
    });
    expect(await w.runUntil(handle.result())).toBe(15);

    // The runs form one chain: five ContinuedAsNew closes, each naming the run that follows.
    const runs = [];
    for await (const run of client.workflow.list({ query: 'WorkflowId = "count"' })) runs.push(run);
    expect(runs.map((run) => run.status.name).sort()).toEqual([
      'COMPLETED',
      'CONTINUED_AS_NEW',
      'CONTINUED_AS_NEW',
      'CONTINUED_AS_NEW',
      'CONTINUED_AS_NEW',
      'CONTINUED_AS_NEW',
    ]);
    const first = await client.workflow.getHandle('count', handle.firstExecutionRunId).fetchHistory();
    const closing = first.events.at(-1);
    expect(closing?.attributes.case).toBe('workflowExecutionContinuedAsNewEventAttributes');
    const continued =
      closing?.attributes.case === 'workflowExecutionContinuedAsNewEventAttributes'
        ? closing.attributes.value
        : undefined;
    expect(continued?.workflowType?.name).toBe('countdown');
    expect(continued?.taskQueue).toBe('runs');
    expect(continued?.initiator).toBe(1); // WORKFLOW

    const second = await client.workflow.getHandle('count', continued?.newExecutionRunId).fetchHistory();
    const started = second.events[0]?.attributes;
    expect(started?.case).toBe('workflowExecutionStartedEventAttributes');
    if (started?.case !== 'workflowExecutionStartedEventAttributes') return;
    expect(started.value.continuedExecutionRunId).toBe(handle.firstExecutionRunId);
    expect(started.value.firstExecutionRunId).toBe(handle.firstExecutionRunId);
    expect(started.value.attempt).toBe(1);

    // describe() without a run id shows the current (last) run; a handle pinned to the first run follows too.
    const description = await client.workflow.getHandle('count').describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.runId).not.toBe(handle.firstExecutionRunId);
    expect(await client.workflow.getHandle('count', handle.firstExecutionRunId).result()).toBe(15);
  });

  it('followRuns: false stops at the first run with WorkflowContinuedAsNewError naming the next run', async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping();
    const client = env.client;
    const w = await worker(env);
    const handle = await client.workflow.start(countdown, {
      taskQueue: 'runs',
      workflowId: 'count-1',
      args: [1],
    });
    await w.runUntil(handle.result());
    const pinned = client.workflow.getHandle('count-1', handle.firstExecutionRunId, { followRuns: false });
    const error = await pinned.result().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowContinuedAsNewError);
    const next = (error as WorkflowContinuedAsNewError).newExecutionRunId;
    expect(next).not.toBe('');
    expect(await client.workflow.getHandle('count-1', next, { followRuns: false }).result()).toBe(1);
  });

  it('makeContinueAsNewFunc continues into another workflow type on another task queue', async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping();
    const w1 = await worker(env);
    const w2 = await worker(env, 'runs-other');
    const result = await w2.runUntil(
      w1.runUntil(
        env.client.workflow.execute(handOver, { taskQueue: 'runs', workflowId: 'hand', args: ['hi'] }),
      ),
    );
    expect(result).toBe('hi (handed over by handOver), echoed on runs-other');
    const description = await env.client.workflow.getHandle<typeof echo>('hand').describe();
    expect(description.type).toBe('echo');
    expect(description.taskQueue).toBe('runs-other');
  });

  it('continueAsNewSuggested flips at the configured history length, and each new run starts below it', async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping({
      limits: { suggestContinueAsNewHistoryLength: 30 },
    });
    const w = await worker(env);
    const handle = await env.client.workflow.start(untilSuggested, {
      taskQueue: 'runs',
      workflowId: 'suggest',
      args: [3],
    });
    const facts: RunFacts[] = await w.runUntil(handle.result());
    expect(facts.map((f) => f.round)).toEqual([1, 2, 3]);
    for (const f of facts) {
      expect(f.continueAsNewSuggested).toBe(true);
      // Each loop adds 5 events per workflow task: the first task at or past 30 is the one that sees it.
      expect(f.historyLength).toBeGreaterThanOrEqual(30);
      expect(f.historyLength).toBeLessThan(35);
      expect(f.historySize).toBeGreaterThan(0);
      expect(f.firstExecutionRunId).toBe(handle.firstExecutionRunId);
    }
    expect(facts[1]?.continuedFromExecutionRunId).toBe(facts[0]?.runId);
    expect(facts[0]?.continuedFromExecutionRunId).toBeUndefined();

    // The hint and the history size are recorded on WorkflowTaskStarted, so replays see the same values.
    const history = await env.client.workflow.getHandle('suggest', handle.firstExecutionRunId).fetchHistory();
    const starts = history.events.flatMap((event) =>
      event.attributes.case === 'workflowTaskStartedEventAttributes'
        ? [{ id: event.eventId, ...event.attributes.value }]
        : [],
    );
    expect(starts.filter((s) => s.suggestContinueAsNew).map((s) => s.id >= 30)).toEqual([true]);
    expect(starts.filter((s) => !s.suggestContinueAsNew).every((s) => s.id < 30)).toBe(true);
    const sizes = starts.map((s) => s.historySizeBytes);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
  });

  it('continueAsNewSuggested also flips at the configured history size', async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping({
      limits: { suggestContinueAsNewHistorySizeBytes: 2_000 },
    });
    const w = await worker(env);
    const facts: RunFacts[] = await w.runUntil(
      env.client.workflow.execute(untilSuggested, {
        taskQueue: 'runs',
        workflowId: 'suggest-size',
        args: [1],
      }),
    );
    expect(facts[0]?.historySize).toBeGreaterThanOrEqual(2_000);
    expect(facts[0]?.historyLength).toBeLessThan(4096);
  });

  it('memo and search attributes carry over to the new run unless continueAsNew sets new ones', async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping();
    await env.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: { RunStage: IndexedValueType.KEYWORD },
    });
    const w = await worker(env);
    const seen: Carried[] = await w.runUntil(
      env.client.workflow.execute(carryOver, {
        taskQueue: 'runs',
        workflowId: 'carry',
        memo: { step: 'one' },
        typedSearchAttributes: [{ key: stageKey, value: 'first' }],
      }),
    );
    expect(seen).toEqual([
      { memo: { step: 'one' }, stage: 'first' },
      { memo: { step: 'one' }, stage: 'first' },
      { memo: { step: 'three' }, stage: 'third' },
    ]);
    const { count } = await env.client.workflow.count('RunStage = "third"');
    expect(count).toBe(1);
  });
});
