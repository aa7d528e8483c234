/**
 * What the worker does when workflow code misbehaves: a rejection nobody handles fails the workflow task (not the
 * host process), code that never yields is interrupted, nothing the code does after its closing command is sent,
 * and evicted runs release their memory. Activations in, commands out, through the processor and a fake history.
 */
import { execFileSync } from 'node:child_process';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAILURE_SOURCE } from '../../src/common/failure.js';
import { fromProtoFailure } from '../../src/common/failure-proto.js';
import type { LogEntry } from '../../src/common/logger.js';
import { payloadsToValue } from '../../src/common/payload-proto.js';
import { WorkflowTaskFailedCause } from '../../src/gen/strata/v1/history_pb.js';
import { runReplayHistory } from '../../src/worker/replay/replay-history.js';
import { bundleWorkflowCode, type WorkflowBundle } from '../../src/worker/sandbox/bundler.js';
import { routeUnhandledRejections } from '../../src/worker/sandbox/unhandled-rejections.js';
import {
  createWorkflowTaskProcessorFromBundle,
  type WorkflowTaskProcessorOptions,
} from '../../src/worker/workflow/workflow-task-processor.js';
import type { WorkflowTaskResult } from '../../src/worker/workflow-tasks.js';
import { FakeHistory, type StartOptions } from './helpers/fake-history.js';
import { commandKinds, runTask } from './helpers/run-tasks.js';

let bundle: WorkflowBundle;
beforeAll(async () => {
  bundle = await bundleWorkflowCode({
    workflowsPath: new URL('./fixtures/misbehaving-workflows.ts', import.meta.url).pathname,
  });
});

function setup(start: StartOptions, options: Partial<WorkflowTaskProcessorOptions> = {}) {
  const processor = createWorkflowTaskProcessorFromBundle(bundle, { taskQueue: 'tq', ...options });
  return { processor, history: new FakeHistory(start) };
}

function failureOf(result: WorkflowTaskResult) {
  if (result.kind !== 'failed') throw new Error(`expected a failed task, got ${JSON.stringify(result)}`);
  return { cause: result.cause, failure: fromProtoFailure(result.failure) };
}

function completedValue(result: WorkflowTaskResult): unknown {
  if (result.kind !== 'completed') throw new Error(`task ${result.kind}: ${JSON.stringify(result)}`);
  const last = result.commands.at(-1)?.attributes;
  if (last?.case !== 'completeWorkflowExecution') throw new Error(`no completion in ${commandKinds(result)}`);
  return payloadsToValue(last.value.result);
}

/** Every `unhandledRejection` the host process sees while a test runs. */
const hostRejections: unknown[] = [];
const recordHostRejection = (reason: unknown) => hostRejections.push(reason);
beforeEach(() => {
  hostRejections.length = 0;
  process.on('unhandledRejection', recordHostRejection);
});
afterEach(() => {
  process.off('unhandledRejection', recordHostRejection);
});

describe('unhandled promise rejections', () => {
  it('a rejection the code leaves unhandled fails the workflow task, naming the workflow and the error; the host never sees it', async () => {
    const emit = process.emit;
    const { processor, history } = setup({ workflowType: 'leavesRejectionUnhandled', workflowId: 'order-1' });
    const { cause, failure } = failureOf(await runTask(processor, history));
    expect(cause).toBe(WorkflowTaskFailedCause.WORKFLOW_WORKER_UNHANDLED_FAILURE);
    expect(failure.message).toMatch(
      /^\[UNHANDLED_REJECTION\] workflow "order-1" run "run-1" \(type "leavesRejectionUnhandled"\): Unhandled Promise rejection: nobody awaits me\./,
    );
    expect(failure.info).toMatchObject({ kind: 'application', type: 'UnhandledRejectionError' });
    expect(failure.cause?.message).toBe('nobody awaits me');
    expect(failure.cause?.stackTrace).toContain('leavesRejectionUnhandled');
    expect(processor.cachedRuns).toBe(0);
    expect(history.events.at(-1)?.attributes.case).toBe('workflowTaskFailedEventAttributes');
    await new Promise((resolve) => setImmediate(resolve));
    expect(hostRejections).toEqual([]);
    // The wrapper around process.emit is gone once no sandbox runs work.
    expect(process.emit).toBe(emit);
  });

  it('an activity that fails while the code awaits something else fails that later task', async () => {
    const { processor, history } = setup({ workflowType: 'forgetsActivity' });
    expect(commandKinds(await runTask(processor, history))).toEqual(['scheduleActivityTask', 'startTimer']);
    history.failActivity('1', {
      message: 'no such person',
      source: FAILURE_SOURCE,
      info: { kind: 'application', type: 'NotFound', nonRetryable: true, details: [] },
    });
    const { cause, failure } = failureOf(await runTask(processor, history, { sticky: true }));
    expect(cause).toBe(WorkflowTaskFailedCause.WORKFLOW_WORKER_UNHANDLED_FAILURE);
    expect(failure.message).toContain('Unhandled Promise rejection: Activity task failed');
    expect(failure.cause?.info).toMatchObject({ kind: 'activity', activityType: 'greet' });
    // The retried task replays the run from scratch and meets the same rejection: the task fails again.
    expect(failureOf(await runTask(processor, history)).failure.message).toMatch(/^\[UNHANDLED_REJECTION\]/);
    expect(hostRejections).toEqual([]);
  });

  it('a rejection handled later in the same activation is not an error', async () => {
    const { processor, history } = setup({ workflowType: 'handlesRejectionLater' });
    expect(completedValue(await runTask(processor, history))).toBe('caught: handled a few microtasks later');
    expect(hostRejections).toEqual([]);
  });

  it('tasks processed in the same batch are charged only their own rejections', async () => {
    const processor = createWorkflowTaskProcessorFromBundle(bundle, { taskQueue: 'tq' });
    const types = [
      'quick',
      'leavesRejectionUnhandled',
      'handlesRejectionLater',
      'leavesRejectionUnhandled',
      'quick',
    ];
    const histories = types.map((workflowType, i) => new FakeHistory({ workflowType, runId: `run-${i}` }));
    const results = await Promise.all(histories.map((history) => runTask(processor, history)));
    expect(results.map((r) => r.kind)).toEqual(['completed', 'failed', 'completed', 'failed', 'completed']);
    for (const i of [1, 3]) {
      expect(failureOf(results[i]!).failure.message).toMatch(
        new RegExp(`^\\[UNHANDLED_REJECTION\\] workflow "wf-1" run "run-${i}" .*nobody awaits me`),
      );
    }
    expect(hostRejections).toEqual([]);
  });

  it('under --unhandled-rejections=strict, tasks of several runs at once complete without crashing the process', () => {
    const script = new URL('./fixtures/strict-rejections-tasks.ts', import.meta.url).pathname;
    const output = execFileSync(
      process.execPath,
      ['--unhandled-rejections=strict', '--import', 'tsx', script],
      {
        encoding: 'utf8',
      },
    );
    expect(output.trim()).toBe('completed completed completed');
  });

  it('R7: offline replay reports a rejection left unhandled as a ReplayError', async () => {
    const { processor, history } = setup({ workflowType: 'leavesRejectionUnhandled' });
    await runTask(processor, history);
    await expect(
      runReplayHistory({ workflowBundle: bundle }, history.events.slice(0, 3), 'order-1'),
    ).rejects.toThrow(
      /^\[REPLAY\] workflow "order-1" .*left a promise rejection unhandled: nobody awaits me/,
    );
    expect(hostRejections).toEqual([]);
  });

  it("the host's own unhandled rejections still reach the host while a sandbox routes its own", async () => {
    const context = vm.createContext({});
    const unroute = routeUnhandledRejections(
      vm.runInContext('Promise.prototype', context) as object,
      () => {},
    );
    try {
      const hostError = new Error('a host bug');
      Promise.reject(hostError);
      await new Promise((resolve) => setImmediate(resolve));
      expect(hostRejections).toEqual([hostError]);
    } finally {
      unroute();
    }
  });
});

describe('code that never yields (potential deadlock)', () => {
  const fast = { isolateExecutionTimeoutMs: 200 };

  it.each([
    ['spinsForever', 'an infinite loop in the workflow function'],
    ['spinsInMicrotask', 'an infinite loop reached from a microtask'],
  ])(
    '%s: %s fails the workflow task with [DEADLOCK], evicts the run, and the worker serves other runs',
    async (workflowType) => {
      const { processor, history } = setup({ workflowType, workflowId: 'stuck-1' }, fast);
      const started = performance.now();
      const { cause, failure } = failureOf(await runTask(processor, history));
      expect(performance.now() - started).toBeLessThan(2000);
      expect(cause).toBe(WorkflowTaskFailedCause.WORKFLOW_WORKER_UNHANDLED_FAILURE);
      expect(failure.message).toMatch(
        new RegExp(
          `^\\[DEADLOCK\\] Potential deadlock detected: workflow "stuck-1" run "run-1" \\(type "${workflowType}"\\) did not yield within 200 ms in the workflow task of event 3\\.`,
        ),
      );
      expect(failure.info).toMatchObject({ kind: 'application', type: 'WorkflowDeadlockError' });
      expect(processor.cachedRuns).toBe(0);

      const other = new FakeHistory({ workflowType: 'quick', runId: 'run-2' });
      expect(completedValue(await runTask(processor, other))).toBe('still serving');
    },
  );

  it('a run that loops fails alone: the tasks processed in the same batch before and after it complete', async () => {
    const processor = createWorkflowTaskProcessorFromBundle(bundle, { taskQueue: 'tq', ...fast });
    const types = ['quick', 'spinsForever', 'quick', 'leavesRejectionUnhandled', 'quick'];
    const histories = types.map((workflowType, i) => new FakeHistory({ workflowType, runId: `run-${i}` }));
    const results = await Promise.all(histories.map((history) => runTask(processor, history)));
    expect(results.map((r) => r.kind)).toEqual(['completed', 'failed', 'completed', 'failed', 'completed']);
    expect(failureOf(results[1]!).failure.message).toMatch(/^\[DEADLOCK\] .* run "run-1" /);
    expect(failureOf(results[3]!).failure.message).toMatch(/^\[UNHANDLED_REJECTION\] .* run "run-3" /);
    expect(processor.cachedRuns).toBe(0);
    expect(hostRejections).toEqual([]);
  });

  it('a cached run that loops in a later task is evicted; its retry replays from scratch and loops again', async () => {
    const { processor, history } = setup({ workflowType: 'spinsAfterTimer' }, fast);
    expect(commandKinds(await runTask(processor, history))).toEqual(['startTimer']);
    expect(processor.cachedRuns).toBe(1);
    history.fireTimer('1');
    const sticky = failureOf(await runTask(processor, history, { sticky: true }));
    expect(sticky.failure.message).toMatch(/^\[DEADLOCK\] .* in the workflow task of event 8\./);
    expect(processor.cachedRuns).toBe(0);
    expect(failureOf(await runTask(processor, history)).failure.message).toMatch(/^\[DEADLOCK\]/);
  });

  it('the deadline is per activation: a replay longer than the deadline, each activation shorter, succeeds', async () => {
    // 40 tasks of ~25 ms each: about 1 s of replay, against a 300 ms deadline per activation.
    const tasks = 40;
    const { processor, history } = setup(
      { workflowType: 'computesEachTask', args: [tasks, 5_000_000] },
      { isolateExecutionTimeoutMs: 300 },
    );
    await runTask(processor, history);
    for (let i = 1; i < tasks; i++) {
      history.fireTimer(String(i));
      expect(commandKinds(await runTask(processor, history, { sticky: true }))).toEqual(['startTimer']);
    }
    history.fireTimer(String(tasks));
    const cold = createWorkflowTaskProcessorFromBundle(bundle, {
      taskQueue: 'tq',
      isolateExecutionTimeoutMs: 300,
    });
    const started = performance.now();
    const replayed = await runTask(cold, history);
    const replayMs = performance.now() - started;
    expect(typeof completedValue(replayed)).toBe('number');
    // The premise: the whole replay took longer than one deadline.
    expect(replayMs).toBeGreaterThan(300);
    console.log(`replayed ${tasks} activations in ${Math.round(replayMs)} ms under a 300 ms deadline each`);
  });
});

describe('the closing command is last', () => {
  it('commands and errors produced after the workflow completed in the same activation are dropped', async () => {
    const lines: LogEntry[] = [];
    const { processor, history } = setup(
      { workflowType: 'worksAfterReturn' },
      { logSink: (e) => lines.push(e) },
    );
    history.signal('finish');
    const result = await runTask(processor, history);
    expect(commandKinds(result)).toEqual(['completeWorkflowExecution']);
    expect(completedValue(result)).toBe('done');
    // The late bug does not undo the completion; it is logged, after the warning that its handler was unfinished.
    expect(lines.map((l) => `${l.level} ${l.message}`)).toEqual([
      expect.stringMatching(
        /^WARN \[UNFINISHED_HANDLERS\] .* 1 signal handler\(s\) .*\[\{"name":"finish"\}\]/,
      ),
      'WARN error in workflow code after the workflow closed: bug after the workflow completed',
    ]);
    expect(processor.cachedRuns).toBe(0);
  });

  it('jobs after the one that completed the workflow do not run, as in Temporal', async () => {
    const lines: LogEntry[] = [];
    const { processor, history } = setup(
      { workflowType: 'jobAfterCompletion' },
      { logSink: (e) => lines.push(e) },
    );
    expect(commandKinds(await runTask(processor, history))).toEqual(['startTimer', 'startTimer']);
    // Both timers fired before the next task: timer 2 (the sleep) first, then timer 1 (the setTimeout).
    history.add({ case: 'timerFiredEventAttributes', value: { timerId: '2' } });
    history.fireTimer('1');
    const result = await runTask(processor, history, { sticky: true });
    expect(commandKinds(result)).toEqual(['completeWorkflowExecution']);
    expect(completedValue(result)).toBe('timer 1 did not run');
    expect(lines).toEqual([]);
  });
});

describe('zero durations, as in Temporal', () => {
  it('sleep(0) starts a 1 ms timer (a timer of 0 ms does not exist) and resumes when it fires', async () => {
    const { processor, history } = setup({ workflowType: 'sleepsZero' });
    const first = await runTask(processor, history);
    const attrs = first.kind === 'completed' ? first.commands[0]?.attributes : undefined;
    expect(attrs?.case === 'startTimer' && attrs.value.startToFireTimeoutMs).toBe(1);
    history.advance(1).fireTimer('1');
    expect(completedValue(await runTask(processor, history, { sticky: true }))).toBe('slept');
  });

  it('condition(fn, 0) is a real timeout of 1 ms: false when the timer fires first', async () => {
    const { processor, history } = setup({ workflowType: 'conditionTimesOutAtZero', args: [false] });
    const first = await runTask(processor, history);
    const attrs = first.kind === 'completed' ? first.commands[0]?.attributes : undefined;
    expect(attrs?.case === 'startTimer' && attrs.value.startToFireTimeoutMs).toBe(1);
    history.advance(1).fireTimer('1');
    expect(completedValue(await runTask(processor, history, { sticky: true }))).toBe(false);
  });

  it('condition(fn, 0) with fn already true resolves true without sending a timer', async () => {
    const { processor, history } = setup({ workflowType: 'conditionTimesOutAtZero', args: [true] });
    const result = await runTask(processor, history);
    expect(commandKinds(result)).toEqual(['completeWorkflowExecution']);
    expect(completedValue(result)).toBe(true);
  });
});

describe('memory of evicted runs', () => {
  function heapUsedAfterGc(): number {
    v8.setFlagsFromString('--expose-gc');
    (vm.runInNewContext('gc') as () => void)();
    return v8.getHeapStatistics().used_heap_size;
  }

  it('20,000 short runs through a cache of 100 (LRU and error evictions) leave the heap flat', async () => {
    const processor = createWorkflowTaskProcessorFromBundle(bundle, {
      taskQueue: 'tq',
      maxCachedWorkflows: 100,
    });
    const runs = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        // One run in ten fails its task (evicted for the error), the others park and are pushed out by LRU.
        const fail = i % 10 === 0;
        const history = new FakeHistory({ workflowType: 'parksOrFails', args: [fail], runId: `r${i}` });
        const result = await runTask(processor, history);
        if (result.kind !== (fail ? 'failed' : 'completed')) throw new Error(JSON.stringify(result));
      }
    };
    await runs(0, 2_000); // warm-up: caches, JIT, the cache filled to capacity
    const before = heapUsedAfterGc();
    await runs(2_000, 20_000);
    const growth = heapUsedAfterGc() - before;
    console.log(`heap growth over 18,000 evicted runs: ${Math.round(growth / 1024)} KiB`);
    expect(processor.cachedRuns).toBe(100);
    // A leak of even 100 bytes per run would show as 1.8 MB.
    expect(growth).toBeLessThan(1.5 * 1024 * 1024);
  }, 120_000);
});
