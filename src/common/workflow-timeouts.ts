/**
 * The rules for a workflow's three timeouts, shared by the client (which checks before sending) and the
 * server (which checks what arrives): execution (the whole chain of runs), run (one run), task (one
 * workflow task on a worker, at most 120 s as in Temporal). 0 means unset.
 */

/** Longest workflow task timeout, as in Temporal. */
export const MAX_WORKFLOW_TASK_TIMEOUT_MS = 120_000;

export interface WorkflowTimeoutsMs {
  executionTimeoutMs: number;
  runTimeoutMs: number;
  taskTimeoutMs: number;
}

/** Field names of the three timeouts, as the caller spells them (client options or proto fields). */
export interface WorkflowTimeoutNames {
  execution: string;
  run: string;
  task: string;
}

/** Why the timeouts are invalid, as an `[INVALID_ARGUMENT]` message with the fix, or undefined. */
export function workflowTimeoutsProblem(
  timeouts: WorkflowTimeoutsMs,
  names: WorkflowTimeoutNames,
): string | undefined {
  const entries: [string, number][] = [
    [names.execution, timeouts.executionTimeoutMs],
    [names.run, timeouts.runTimeoutMs],
    [names.task, timeouts.taskTimeoutMs],
  ];
  for (const [name, ms] of entries) {
    if (!Number.isFinite(ms) || ms < 0) {
      return `[INVALID_ARGUMENT] ${name} must be >= 0, got ${ms} (0 or unset for no timeout)`;
    }
  }
  if (timeouts.taskTimeoutMs > MAX_WORKFLOW_TASK_TIMEOUT_MS) {
    return `[INVALID_ARGUMENT] ${names.task} is ${timeouts.taskTimeoutMs} ms, above the maximum of ${MAX_WORKFLOW_TASK_TIMEOUT_MS} ms (120s); a workflow task must be short: move long work into activities`;
  }
  const { executionTimeoutMs, runTimeoutMs } = timeouts;
  if (executionTimeoutMs > 0 && runTimeoutMs > executionTimeoutMs) {
    return `[INVALID_ARGUMENT] ${names.run} (${runTimeoutMs} ms) is longer than ${names.execution} (${executionTimeoutMs} ms), which bounds every run; shorten ${names.run} or drop it`;
  }
  return undefined;
}
