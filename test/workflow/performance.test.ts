/**
 * Measured targets: replay >= 50,000 history events/s, and <= 50 KiB of worker heap per cached run.
 * The numbers are printed so they can be copied into docs/BENCHMARKS.md.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { replayOne } from '../../src/worker/replay/replay-history.js';
import { bundleWorkflowCode, type WorkflowBundle } from '../../src/worker/sandbox/bundler.js';
import { WorkflowSandbox } from '../../src/worker/sandbox/workflow-sandbox.js';
import { createWorkflowTaskProcessorFromBundle } from '../../src/worker/workflow/workflow-task-processor.js';
import { FakeHistory } from './helpers/fake-history.js';
import { runTask } from './helpers/run-tasks.js';

let bundle: WorkflowBundle;
beforeAll(async () => {
  bundle = await bundleWorkflowCode({
    workflowsPath: new URL('./fixtures/perf-workflows.ts', import.meta.url).pathname,
  });
});

function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

describe('performance', () => {
  it('replays at least 50,000 history events per second (10,000 workflow tasks)', async () => {
    const steps = 10_000;
    const processor = createWorkflowTaskProcessorFromBundle(bundle, { taskQueue: 'tq' });
    const history = new FakeHistory({ workflowType: 'manySteps', args: [steps] });
    await runTask(processor, history);
    for (let i = 0; i < steps; i++) {
      if (i % 10 === 9) history.completeActivity(String((i + 1) / 10), 1);
      else history.fireTimer(String(i - Math.floor(i / 10) + 1));
      const result = await runTask(processor, history, { sticky: true });
      if (result.kind !== 'completed') throw new Error(`step ${i}: ${JSON.stringify(result)}`);
    }
    expect(history.events.at(-1)?.attributes.case).toBe('workflowExecutionCompletedEventAttributes');

    const sandbox = WorkflowSandbox.create(bundle);
    replayOne(sandbox, history.events); // warm-up
    const rounds = 3;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) expect(replayOne(sandbox, history.events).error).toBeUndefined();
    const seconds = (performance.now() - started) / 1000;
    const eventsPerSecond = (history.events.length * rounds) / seconds;
    console.log(
      `replay: ${Math.round(eventsPerSecond)} events/s (${history.events.length} events, ${steps} workflow tasks, x${rounds})`,
    );
    expect(eventsPerSecond).toBeGreaterThan(50_000);
  });

  it('keeps 10,000 runs parked in a sleep in cache with at most 50 KiB of heap each', async () => {
    const runs = 10_000;
    const processor = createWorkflowTaskProcessorFromBundle(bundle, {
      taskQueue: 'tq',
      maxCachedWorkflows: runs,
    });
    const histories = Array.from(
      { length: runs },
      (_, i) => new FakeHistory({ workflowType: 'parked', runId: `r${i}` }),
    );
    // Start each task before measuring so the histories themselves are not counted.
    const tasks = histories.map((h) => h.startTask());
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    for (const task of tasks) {
      const result = await processor.process(task, async () => []);
      if (result.kind !== 'completed') throw new Error(JSON.stringify(result));
    }
    collectGarbage();
    const perRun = (process.memoryUsage().heapUsed - before) / runs;
    console.log(
      `memory: ${Math.round(perRun)} bytes of heap per cached run (${processor.cachedRuns} cached runs)`,
    );
    expect(processor.cachedRuns).toBe(runs);
    expect(perRun).toBeLessThan(50 * 1024);
  });
});
