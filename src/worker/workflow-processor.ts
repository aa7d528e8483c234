import type { CompiledWorkerOptions } from './worker-options.js';
import { createWorkflowTaskProcessor } from './workflow/workflow-task-processor.js';
import type { WorkflowTaskProcessor } from './workflow-tasks.js';

/**
 * Bundles `workflowsPath` and creates the processor that runs its workflow tasks (sandbox, run cache,
 * replayer); workflow code's `log` lines go to the worker's logger.
 */
export function loadWorkflowTaskProcessor(
  options: CompiledWorkerOptions & { workflowsPath: string },
): Promise<WorkflowTaskProcessor> {
  const { logger } = options;
  return createWorkflowTaskProcessor({
    workflowsPath: options.workflowsPath,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    identity: options.identity,
    maxCachedWorkflows: options.maxCachedWorkflows,
    logSink: (entry) => logger.log(entry.level, entry.message, entry.meta),
  });
}
