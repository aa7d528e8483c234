import { LocalActivityExecutor } from './local-activities.js';
import type { CompiledWorkerOptions } from './worker-options.js';
import {
  createWorkflowTaskProcessor,
  createWorkflowTaskProcessorFromBundle,
  type WorkflowTaskProcessorOptions,
} from './workflow/workflow-task-processor.js';
import type { WorkflowTaskProcessor } from './workflow-tasks.js';

/**
 * Creates the processor that runs the worker's workflow tasks (sandbox, run cache, replayer), bundling
 * `workflowsPath` first unless a `workflowBundle` was given; `undefined` for an activity-only worker.
 * Workflow code's `log` lines go to the worker's logger.
 */
export async function loadWorkflowTaskProcessor(
  options: CompiledWorkerOptions,
): Promise<WorkflowTaskProcessor | undefined> {
  const { logger } = options;
  const processorOptions: WorkflowTaskProcessorOptions = {
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    identity: options.identity,
    maxCachedWorkflows: options.maxCachedWorkflows,
    isolateExecutionTimeoutMs: options.isolateExecutionTimeoutMs,
    logSink: (entry) => logger.log(entry.level, entry.message, entry.meta),
    localActivityExecutor: new LocalActivityExecutor({
      activities: options.activities,
      logger,
      namespace: options.namespace,
    }),
  };
  if (options.workflowBundle !== undefined) {
    return createWorkflowTaskProcessorFromBundle(options.workflowBundle, processorOptions);
  }
  if (options.workflowsPath !== undefined) {
    return createWorkflowTaskProcessor({ ...processorOptions, workflowsPath: options.workflowsPath });
  }
  return undefined;
}
