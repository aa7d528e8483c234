/** Bundles of workflow fixtures, built once per test file, and processors for them. */
import { beforeAll } from 'vitest';
import { bundleWorkflowCode, type WorkflowBundle } from '../../../src/worker/sandbox/bundler.js';
import { createWorkflowTaskProcessorFromBundle } from '../../../src/worker/workflow/workflow-task-processor.js';
import type { WorkflowTaskProcessor } from '../../../src/worker/workflow-tasks.js';

/**
 * Bundles `fixtures/<folder>/<name>.ts` for each name before the file's tests run. The returned record is filled
 * in by then; `processorFor(name)` makes a fresh processor (an empty cache) for task queue `tq`.
 */
export function fixtureBundles<Name extends string>(folder: string, names: readonly Name[]) {
  const bundles = {} as Record<Name, WorkflowBundle>;
  beforeAll(async () => {
    await Promise.all(
      names.map(async (name) => {
        bundles[name] = await bundleWorkflowCode({
          workflowsPath: new URL(`../fixtures/${folder}/${name}.ts`, import.meta.url).pathname,
        });
      }),
    );
  });
  const processorFor = (name: Name): WorkflowTaskProcessor =>
    createWorkflowTaskProcessorFromBundle(bundles[name], { taskQueue: 'tq' });
  return { bundles, processorFor };
}
