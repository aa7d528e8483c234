/**
 * What a start does when its workflow id was used before, in Temporal's spelling: `WorkflowIdReusePolicy`
 * (the id's last run is closed) and `WorkflowIdConflictPolicy` (a run is still running). Each policy is a
 * string; the `WORKFLOW_ID_REUSE_POLICY_*` / `WORKFLOW_ID_CONFLICT_POLICY_*` keys are the proto names that
 * Temporal's SDK also accepts.
 */

export const WorkflowIdReusePolicy = {
  /** A new run may start whatever the last run's outcome. The default. */
  ALLOW_DUPLICATE: 'ALLOW_DUPLICATE',
  /** A new run may start only if the last run failed, was cancelled or terminated, or timed out. */
  ALLOW_DUPLICATE_FAILED_ONLY: 'ALLOW_DUPLICATE_FAILED_ONLY',
  /** The id can never be used again in the namespace. */
  REJECT_DUPLICATE: 'REJECT_DUPLICATE',
  /**
   * `ALLOW_DUPLICATE`, and a running run is terminated first.
   * @deprecated use `workflowIdConflictPolicy: 'TERMINATE_EXISTING'` instead, as in Temporal.
   */
  TERMINATE_IF_RUNNING: 'TERMINATE_IF_RUNNING',
  WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE: 'ALLOW_DUPLICATE',
  WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY: 'ALLOW_DUPLICATE_FAILED_ONLY',
  WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE: 'REJECT_DUPLICATE',
  /** @deprecated use `workflowIdConflictPolicy: 'TERMINATE_EXISTING'` instead. */
  WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING: 'TERMINATE_IF_RUNNING',
} as const;
export type WorkflowIdReusePolicy = (typeof WorkflowIdReusePolicy)[keyof typeof WorkflowIdReusePolicy];

export const WorkflowIdConflictPolicy = {
  /** The start fails with `WorkflowExecutionAlreadyStartedError`. The default of `start`. */
  FAIL: 'FAIL',
  /** The start returns a handle to the running run; nothing new starts. */
  USE_EXISTING: 'USE_EXISTING',
  /** The running run is terminated, then a new run starts. */
  TERMINATE_EXISTING: 'TERMINATE_EXISTING',
  WORKFLOW_ID_CONFLICT_POLICY_FAIL: 'FAIL',
  WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING: 'USE_EXISTING',
  WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING: 'TERMINATE_EXISTING',
} as const;
export type WorkflowIdConflictPolicy =
  (typeof WorkflowIdConflictPolicy)[keyof typeof WorkflowIdConflictPolicy];

const REUSE_NAMES: readonly WorkflowIdReusePolicy[] = [
  'ALLOW_DUPLICATE',
  'ALLOW_DUPLICATE_FAILED_ONLY',
  'REJECT_DUPLICATE',
  'TERMINATE_IF_RUNNING',
];
const CONFLICT_NAMES: readonly WorkflowIdConflictPolicy[] = ['FAIL', 'USE_EXISTING', 'TERMINATE_EXISTING'];

/** `AllowDuplicate`, `allow-duplicate`, `WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE` -> `ALLOWDUPLICATE`. */
function normalize(text: string, prefix: string): string {
  const flat = text.toUpperCase().replace(/[-_\s]/g, '');
  return flat.startsWith(prefix) ? flat.slice(prefix.length) : flat;
}

function parsePolicy<T extends string>(
  value: string,
  names: readonly T[],
  prefix: string,
  option: string,
): T {
  const wanted = normalize(value, prefix);
  const found = names.find((name) => normalize(name, prefix) === wanted);
  if (found !== undefined) return found;
  throw new TypeError(
    `[INVALID_ARGUMENT] ${option} "${value}" is not a policy; use one of ${names.join(', ')}`,
  );
}

/**
 * Reads a reuse policy in any of Temporal's spellings (`ALLOW_DUPLICATE`, `AllowDuplicate`,
 * `WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE`); throws `[INVALID_ARGUMENT]` listing the policies.
 */
export function parseWorkflowIdReusePolicy(
  value: string,
  option = 'workflowIdReusePolicy',
): WorkflowIdReusePolicy {
  return parsePolicy(value, REUSE_NAMES, 'WORKFLOWIDREUSEPOLICY', option);
}

/** Reads a conflict policy in any of Temporal's spellings (`USE_EXISTING`, `UseExisting`, ...). */
export function parseWorkflowIdConflictPolicy(
  value: string,
  option = 'workflowIdConflictPolicy',
): WorkflowIdConflictPolicy {
  return parsePolicy(value, CONFLICT_NAMES, 'WORKFLOWIDCONFLICTPOLICY', option);
}

/**
 * Why a pair of policies cannot be used together (Temporal's rules), or undefined: the legacy
 * TERMINATE_IF_RUNNING is itself a conflict policy; REJECT_DUPLICATE would forbid replacing a run that
 * TERMINATE_EXISTING terminates; SignalWithStart signals the running run, so it refuses FAIL.
 */
export function workflowIdPoliciesProblem(
  reuse: WorkflowIdReusePolicy | undefined,
  conflict: WorkflowIdConflictPolicy | undefined,
  operation: 'start' | 'signalWithStart',
): string | undefined {
  if (reuse === 'TERMINATE_IF_RUNNING' && conflict !== undefined) {
    return '[INVALID_ARGUMENT] workflowIdReusePolicy TERMINATE_IF_RUNNING cannot be combined with a workflowIdConflictPolicy; use ALLOW_DUPLICATE with workflowIdConflictPolicy TERMINATE_EXISTING instead';
  }
  if (reuse === 'REJECT_DUPLICATE' && conflict === 'TERMINATE_EXISTING') {
    return '[INVALID_ARGUMENT] workflowIdReusePolicy REJECT_DUPLICATE cannot be combined with workflowIdConflictPolicy TERMINATE_EXISTING: the terminated run could never be replaced';
  }
  if (operation === 'signalWithStart' && conflict === 'FAIL') {
    return '[INVALID_ARGUMENT] workflowIdConflictPolicy FAIL is not supported by signalWithStart, which signals the running run; use USE_EXISTING or TERMINATE_EXISTING';
  }
  return undefined;
}
