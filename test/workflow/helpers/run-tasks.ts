/** Drives a processor through a {@link FakeHistory} the way the worker's polling loop does. */

import type { WorkflowTaskProcessor, WorkflowTaskResult } from '../../../src/worker/workflow-tasks.js';
import type { FakeHistory } from './fake-history.js';

/** Starts the scheduled task, processes it, and records its commands when it completed. */
export async function runTask(
  processor: WorkflowTaskProcessor,
  history: FakeHistory,
  options: { sticky?: boolean } = {},
): Promise<WorkflowTaskResult> {
  const task = history.startTask(options);
  const result = await processor.process(task, async () => history.events.slice());
  if (result.kind === 'completed') history.completeTask(result.commands);
  else if (result.kind === 'failed') history.failTask();
  return result;
}

export function commandKinds(result: WorkflowTaskResult): string[] {
  if (result.kind !== 'completed') throw new Error(`task ${result.kind}: ${JSON.stringify(result)}`);
  return result.commands.map((c) => c.attributes.case ?? 'none');
}
