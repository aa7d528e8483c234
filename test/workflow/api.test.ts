/** Activations in, commands out: each strata/workflow API through the processor and a fake history. */
import { beforeAll, describe, expect, it } from 'vitest';
import { FAILURE_SOURCE } from '../../src/common/failure.js';
import { fromProtoFailure } from '../../src/common/failure-proto.js';
import type { LogEntry } from '../../src/common/logger.js';
import { payloadsToValue, payloadsToValues } from '../../src/common/payload-proto.js';
import { WorkflowTaskFailedCause } from '../../src/gen/strata/v1/history_pb.js';
import { bundleWorkflowCode, type WorkflowBundle } from '../../src/worker/sandbox/bundler.js';
import { createWorkflowTaskProcessorFromBundle } from '../../src/worker/workflow/workflow-task-processor.js';
import type { WorkflowTaskProcessor, WorkflowTaskResult } from '../../src/worker/workflow-tasks.js';
import { FakeHistory, type StartOptions } from './helpers/fake-history.js';
import { commandKinds, runTask } from './helpers/run-tasks.js';

let bundle: WorkflowBundle;
beforeAll(async () => {
  bundle = await bundleWorkflowCode({
    workflowsPath: new URL('./fixtures/api-workflows.ts', import.meta.url).pathname,
  });
});

function setup(options: StartOptions, logSink?: (entry: LogEntry) => void) {
  const processor = createWorkflowTaskProcessorFromBundle(bundle, {
    taskQueue: 'tq',
    ...(logSink ? { logSink } : {}),
  });
  return { processor, history: new FakeHistory(options) };
}

function completedValue(result: WorkflowTaskResult): unknown {
  if (result.kind !== 'completed') throw new Error(`task ${result.kind}: ${JSON.stringify(result)}`);
  const last = result.commands.at(-1)?.attributes;
  if (last?.case !== 'completeWorkflowExecution') throw new Error(`no completion in ${commandKinds(result)}`);
  return payloadsToValue(last.value.result);
}

async function sticky(processor: WorkflowTaskProcessor, history: FakeHistory) {
  return runTask(processor, history, { sticky: true });
}

describe('activities', () => {
  it('schedules an activity with its options, id "1", and completes with its result', async () => {
    const { processor, history } = setup({ workflowType: 'greeting', args: ['Ada'] });
    const first = await runTask(processor, history);
    expect(commandKinds(first)).toEqual(['scheduleActivityTask']);
    const attrs = first.kind === 'completed' ? first.commands[0]!.attributes : undefined;
    if (attrs?.case !== 'scheduleActivityTask') throw new Error('expected an activity');
    expect(attrs.value.activityId).toBe('1');
    expect(attrs.value.activityType?.name).toBe('greet');
    expect(attrs.value.taskQueue).toBe('tq');
    expect(attrs.value.startToCloseTimeoutMs).toBe(60_000);
    expect(attrs.value.retryPolicy?.maximumAttempts).toBe(3);
    expect(attrs.value.retryPolicy?.nonRetryableErrorTypes).toEqual(['CardDeclined']);
    expect(payloadsToValues(attrs.value.input)).toEqual(['Ada']);
    history.completeActivity('1', 'Hello, Ada');
    expect(completedValue(await sticky(processor, history))).toBe('Hello, Ada');
  });

  it('a failed activity rejects with ActivityFailure whose cause is the ApplicationFailure', async () => {
    const { processor, history } = setup({ workflowType: 'activityFailure' });
    await runTask(processor, history);
    history.failActivity('1', {
      message: 'no such person',
      source: FAILURE_SOURCE,
      info: { kind: 'application', type: 'NotFound', nonRetryable: true, details: [] },
    });
    expect(completedValue(await sticky(processor, history))).toEqual({
      isActivityFailure: true,
      activityType: 'greet',
      causeIsApplicationFailure: true,
      causeType: 'NotFound',
      causeMessage: 'no such person',
    });
  });

  it('a non-serializable activity argument fails the workflow task with [NOT_SERIALIZABLE]', async () => {
    const { processor, history } = setup({ workflowType: 'passesFunctionToActivity' });
    const result = await runTask(processor, history);
    expect(result.kind).toBe('failed');
    if (result.kind !== 'failed') return;
    expect(result.cause).toBe(WorkflowTaskFailedCause.WORKFLOW_WORKER_UNHANDLED_FAILURE);
    expect(result.failure.message).toMatch(/^\[NOT_SERIALIZABLE\] argument of activity "charge"/);
  });
});

describe('timers and conditions', () => {
  it('sleep starts a durable timer "1" of the given duration and resumes when it fires', async () => {
    const { processor, history } = setup({ workflowType: 'sleeper' });
    const first = await runTask(processor, history);
    const attrs = first.kind === 'completed' ? first.commands[0]!.attributes : undefined;
    expect(attrs?.case === 'startTimer' && attrs.value).toMatchObject({
      timerId: '1',
      startToFireTimeoutMs: 86_400_000,
    });
    history.advance(86_400_000).fireTimer('1');
    expect(completedValue(await sticky(processor, history))).toBe('woke');
  });

  it('condition without timeout resolves once a signal makes it true, re-evaluated after every job', async () => {
    const { processor, history } = setup({ workflowType: 'waitForItems', args: [2] });
    expect(commandKinds(await runTask(processor, history))).toEqual([]);
    history.signal('addItem', 'a');
    expect(commandKinds(await sticky(processor, history))).toEqual([]);
    history.signal('addItem', 'b');
    expect(completedValue(await sticky(processor, history))).toEqual(['a', 'b']);
  });

  it('condition with timeout resolves true and cancels its timer when satisfied in time', async () => {
    const { processor, history } = setup({ workflowType: 'conditionWithTimeout' });
    expect(commandKinds(await runTask(processor, history))).toEqual(['startTimer']);
    history.signal('finish');
    const done = await sticky(processor, history);
    expect(commandKinds(done)).toEqual(['cancelTimer', 'completeWorkflowExecution']);
    expect(completedValue(done)).toBe(true);
  });

  it('condition with timeout resolves false when the timer fires first', async () => {
    const { processor, history } = setup({ workflowType: 'conditionWithTimeout' });
    await runTask(processor, history);
    history.advance(3_600_000).fireTimer('1');
    expect(completedValue(await sticky(processor, history))).toBe(false);
  });

  it('condition with timeout already true in the same task sends neither StartTimer nor CancelTimer', async () => {
    const { processor, history } = setup({ workflowType: 'conditionWithTimeout' });
    history.signal('finish');
    const result = await runTask(processor, history);
    expect(commandKinds(result)).toEqual(['completeWorkflowExecution']);
    expect(completedValue(result)).toBe(true);
  });

  it('R6: setTimeout is a durable timer and clearTimeout cancels one', async () => {
    const { processor, history } = setup({ workflowType: 'nativeTimers' });
    const first = await runTask(processor, history);
    // The cleared timer never reached the server: only timer 1 is started.
    expect(commandKinds(first)).toEqual(['startTimer']);
    history.advance(1000).fireTimer('1');
    expect(completedValue(await sticky(processor, history))).toBe('kept');
  });
});

describe('signals and queries', () => {
  it('signals received before setHandler are buffered and delivered in order when it is set', async () => {
    const { processor, history } = setup({ workflowType: 'lateHandler' });
    await runTask(processor, history);
    history.signal('addItem', 'first');
    history.signal('addItem', 'second');
    expect(commandKinds(await sticky(processor, history))).toEqual([]);
    history.fireTimer('1');
    expect(completedValue(await sticky(processor, history))).toEqual(['first', 'second']);
  });

  it('the default signal handler receives signals without a handler, with their name', async () => {
    const { processor, history } = setup({ workflowType: 'defaultHandler' });
    history.signal('one', 1);
    await runTask(processor, history);
    history.signal('two', 'x', 2);
    expect(completedValue(await sticky(processor, history))).toEqual(['one:[1]', 'two:["x",2]']);
  });

  it('a query reads the cached state with arguments, and replays the run when it is not cached', async () => {
    const { processor, history } = setup({ workflowType: 'waitForItems', args: [5] });
    history.signal('addItem', 'a');
    await runTask(processor, history);
    const answer = await processor.process(history.queryTask('items'), async () => history.events);
    expect(answer.kind === 'query' && payloadsToValue(answer.result)).toEqual(['a']);
    const count = await processor.process(history.queryTask('count', [10]), async () => history.events);
    expect(count.kind === 'query' && payloadsToValue(count.result)).toBe(11);

    const cold = createWorkflowTaskProcessorFromBundle(bundle, { taskQueue: 'tq' });
    const replayed = await cold.process(history.queryTask('items'), async () => history.events);
    expect(replayed.kind === 'query' && payloadsToValue(replayed.result)).toEqual(['a']);
  });

  it('an unknown query fails listing the known queries; __stack_trace tells what the run waits for', async () => {
    const { processor, history } = setup({ workflowType: 'waitForItems', args: [5] });
    await runTask(processor, history);
    const unknown = await processor.process(history.queryTask('nope'), async () => history.events);
    expect(unknown.kind).toBe('queryFailed');
    if (unknown.kind === 'queryFailed') {
      expect(unknown.failure.message).toBe(
        '[UNKNOWN_QUERY] workflow "waitForItems" has no handler for query "nope"; known queries: "items", "count", "__stack_trace"',
      );
    }
    const trace = await processor.process(history.queryTask('__stack_trace'), async () => history.events);
    expect(trace.kind === 'query' && payloadsToValue(trace.result)).toBe('awaiting condition 1');
  });

  it('a query handler that starts a timer fails the query and changes nothing', async () => {
    const { processor, history } = setup({ workflowType: 'queryWithSideEffect' });
    await runTask(processor, history);
    const result = await processor.process(history.queryTask('items'), async () => history.events);
    expect(result.kind).toBe('queryFailed');
    if (result.kind === 'queryFailed') expect(result.failure.message).toMatch(/^\[QUERY_COMMAND\]/);
    history.fireTimer('1');
    expect(commandKinds(await sticky(processor, history))).toEqual(['completeWorkflowExecution']);
  });
});

describe('completion, failure and cancellation', () => {
  it('a thrown ApplicationFailure fails the workflow with its type and details', async () => {
    const { processor, history } = setup({ workflowType: 'failsWithApplicationFailure' });
    const result = await runTask(processor, history);
    expect(commandKinds(result)).toEqual(['failWorkflowExecution']);
    const attrs = result.kind === 'completed' ? result.commands[0]!.attributes : undefined;
    if (attrs?.case !== 'failWorkflowExecution' || !attrs.value.failure)
      throw new Error('expected a failure');
    const failure = fromProtoFailure(attrs.value.failure);
    expect(failure.message).toBe('card declined');
    expect(failure.info).toMatchObject({ kind: 'application', type: 'CardDeclined', nonRetryable: true });
  });

  it('a plain Error fails the workflow task, not the workflow; the run stays open and is evicted', async () => {
    const { processor, history } = setup({ workflowType: 'throwsPlainError' });
    await runTask(processor, history);
    history.fireTimer('1');
    const result = await sticky(processor, history);
    expect(result.kind).toBe('failed');
    if (result.kind !== 'failed') return;
    expect(result.cause).toBe(WorkflowTaskFailedCause.WORKFLOW_WORKER_UNHANDLED_FAILURE);
    expect(result.failure.message).toBe('bug in workflow code');
    expect(processor.cachedRuns).toBe(0);
    expect(history.events.at(-1)?.attributes.case).toBe('workflowTaskFailedEventAttributes');
  });

  it('a non-serializable workflow result fails the workflow task with [NOT_SERIALIZABLE]', async () => {
    const { processor, history } = setup({ workflowType: 'returnsFunction' });
    const result = await runTask(processor, history);
    expect(result.kind === 'failed' && result.failure.message).toMatch(
      /^\[NOT_SERIALIZABLE\] the workflow result/,
    );
  });

  it('cancellation rejects a pending sleep and activity: RequestCancelActivityTask, CancelTimer, CancelWorkflowExecution', async () => {
    const { processor, history } = setup({ workflowType: 'cancellable' });
    expect(commandKinds(await runTask(processor, history))).toEqual(['scheduleActivityTask', 'startTimer']);
    history.requestCancel();
    const result = await sticky(processor, history);
    expect(commandKinds(result)).toEqual([
      'requestCancelActivityTask',
      'cancelTimer',
      'cancelWorkflowExecution',
    ]);
    const attrs = result.kind === 'completed' ? result.commands[0]!.attributes : undefined;
    expect(attrs?.case === 'requestCancelActivityTask' && attrs.value.scheduledEventId).toBe(
      history.scheduledEventIdOf('1'),
    );
  });

  it('a workflow that catches the cancellation completes normally', async () => {
    const { processor, history } = setup({ workflowType: 'cleansUpOnCancel' });
    await runTask(processor, history);
    history.requestCancel();
    const result = await sticky(processor, history);
    expect(commandKinds(result)).toEqual(['cancelTimer', 'completeWorkflowExecution']);
    expect(completedValue(result)).toBe('cleaned up');
  });
});

describe('R6: deterministic sandbox', () => {
  async function runRandomness(seed: number) {
    const { processor, history } = setup({ workflowType: 'randomness', randomnessSeed: seed });
    await runTask(processor, history);
    history.advance(3_600_000).fireTimer('1');
    return completedValue(await sticky(processor, history)) as unknown[];
  }

  it('R6: Math.random, uuid4 and Date come from the seed and the task time; same seed + history => same values', async () => {
    const a = await runRandomness(7);
    const b = await runRandomness(7);
    const c = await runRandomness(8);
    expect(a).toEqual(b);
    expect(a.slice(0, 2)).not.toEqual(c.slice(0, 2));
    const start = Date.UTC(2025, 0, 1);
    expect(a[2]).toBe(start);
    expect(a[3]).toBe(new Date(start).toISOString());
    expect(a[6]).toBe(start + 3_600_000);
    expect(a[7]).toBe(start + 3_600_000);
    expect(a[1]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.slice(8)).toEqual(['1970-01-01T00:00:00.000Z', Date.UTC(2020, 0, 1), 'string']);
  });

  it('R6: the same values come back when the run is replayed from its full history', async () => {
    const { processor, history } = setup({ workflowType: 'randomness', randomnessSeed: 99 });
    await runTask(processor, history);
    history.advance(3_600_000).fireTimer('1');
    const live = completedValue(await sticky(processor, history));
    const cold = createWorkflowTaskProcessorFromBundle(bundle, { taskQueue: 'tq' });
    history.events.splice(history.events.length - 2);
    const replayed = completedValue(await cold.process(history.startTask(), async () => history.events));
    expect(replayed).toEqual(live);
  });

  it('R6: WeakRef throws [NON_DETERMINISTIC_API], failing the workflow task', async () => {
    const { processor, history } = setup({ workflowType: 'usesWeakRef' });
    const result = await runTask(processor, history);
    expect(result.kind === 'failed' && result.failure.message).toMatch(
      /^\[NON_DETERMINISTIC_API\] WeakRef cannot be used/,
    );
  });

  it('module-level state is per run: two runs in one sandbox each see their own counter', async () => {
    const processor = createWorkflowTaskProcessorFromBundle(bundle, { taskQueue: 'tq' });
    const histories = [1, 2, 3].map(
      (i) => new FakeHistory({ workflowType: 'moduleState', runId: `run-${i}` }),
    );
    for (const history of histories) await runTask(processor, history);
    const results = [];
    for (const history of histories) {
      history.fireTimer('1');
      results.push(completedValue(await sticky(processor, history)));
    }
    expect(results).toEqual([1, 1, 1]);
  });

  it('R6: log goes to the sink with the workflow identity, and is silent while replaying', async () => {
    const lines: LogEntry[] = [];
    const { processor, history } = setup({ workflowType: 'logs' }, (entry) => lines.push(entry));
    await runTask(processor, history);
    expect(lines.map((l) => [l.level, l.message, l.meta?.step])).toEqual([['INFO', 'before the timer', 1]]);
    expect(lines[0]?.meta).toMatchObject({ workflowId: 'wf-1', runId: 'run-1', workflowType: 'logs' });
    history.fireTimer('1');
    // A processor without the run in cache replays the first task: "before the timer" must not repeat.
    const cold = createWorkflowTaskProcessorFromBundle(bundle, {
      taskQueue: 'tq',
      logSink: (e) => lines.push(e),
    });
    await runTask(cold, history);
    expect(lines.map((l) => `${l.level} ${l.message}`)).toEqual([
      'INFO before the timer',
      'WARN after the timer',
      'INFO from console {"step":2}',
    ]);
  });

  it('workflowInfo() describes the run; isReplaying is false for a live task', async () => {
    const { processor, history } = setup({ workflowType: 'info', workflowId: 'order-7', runId: 'r-7' });
    await runTask(processor, history);
    history.fireTimer('1');
    expect(completedValue(await sticky(processor, history))).toEqual({
      workflowId: 'order-7',
      runId: 'r-7',
      workflowType: 'info',
      taskQueue: 'tq',
      namespace: 'default',
      attempt: 1,
      startTime: '2025-01-01T00:00:00.000Z',
      historyLengths: [3, 8],
      firstExecutionRunId: 'r-7',
      isReplaying: false,
    });
  });
});
