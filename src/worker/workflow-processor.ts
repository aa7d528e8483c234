import type { CompiledWorkerOptions } from './worker-options.js';
import type { WorkflowTaskProcessor } from './workflow-tasks.js';

/** Bundles `workflowsPath` and creates the processor that runs its workflow tasks (bundle, sandbox, cache). */
export async function loadWorkflowTaskProcessor(
  options: CompiledWorkerOptions,
): Promise<WorkflowTaskProcessor> {
  throw new Error(
    `[NOT_IMPLEMENTED] running workflows (workflowsPath ${options.workflowsPath}) is not available yet in this build`,
  );
}
