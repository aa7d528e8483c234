/**
 * Transfers: effects of one execution on another (start a child, report a child's close to its parent,
 * apply a parent close policy, signal or cancel another workflow). Each is recorded as a durable timer due
 * at once, in the same transaction as the event that causes it, and applied later in its own transaction
 * that claims the timer: so it is never lost (a restart finds it overdue) and never applied twice.
 */
import type { ParentClosePolicy } from '../../gen/strata/v1/common_pb.js';

export type TransferPayload =
  /** Start the child of the parent's StartChildWorkflowExecutionInitiated event. */
  | { type: 'start-child'; initiatedEventId: number }
  /** The run (a child) closed: write the matching ChildWorkflowExecution* event into its parent. */
  | { type: 'report-close-to-parent' }
  /** The run (a parent) closed: terminate or cancel one of its open children. */
  | {
      type: 'parent-close-policy';
      initiatedEventId: number;
      workflowId: string;
      runId: string;
      policy: ParentClosePolicy;
    }
  | { type: 'signal-external'; initiatedEventId: number }
  | { type: 'cancel-external'; initiatedEventId: number };

const transferTypes = new Set<string>([
  'start-child',
  'report-close-to-parent',
  'parent-close-policy',
  'signal-external',
  'cancel-external',
]);

export function isTransfer(payload: { type: string }): payload is TransferPayload {
  return transferTypes.has(payload.type);
}

/** Unique per run, like every timer key: one transfer per initiated event (or per run for the report). */
export function transferKey(payload: TransferPayload): string {
  switch (payload.type) {
    case 'report-close-to-parent':
      return payload.type;
    case 'start-child':
    case 'parent-close-policy':
    case 'signal-external':
    case 'cancel-external':
      return `${payload.type}/${payload.initiatedEventId}`;
    default: {
      const unexpected: never = payload;
      throw new Error(`unknown transfer ${JSON.stringify(unexpected)}`);
    }
  }
}
