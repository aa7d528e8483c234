/** Facts about the running workflow, and deterministic helpers that use the run's seeded generator. */

import type { SearchAttributes, TypedSearchAttributes } from '../common/search-attributes.js';
import { realDate, realNow } from './global-overrides.js';
import { getActivator } from './global-state.js';
import { uuid4From } from './random.js';
import { visibilityInfo } from './search-attributes.js';

export interface WorkflowInfo {
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowType: string;
  readonly taskQueue: string;
  readonly namespace: string;
  /** 1 for the first attempt of the workflow (retries of whole workflows come later). */
  readonly attempt: number;
  /** When the workflow execution (its first run) started. */
  readonly startTime: Date;
  /** When this run started. */
  readonly runStartTime: Date;
  /** Events in history up to the current workflow task. */
  readonly historyLength: number;
  readonly firstExecutionRunId: string;
  /** The run's search attributes, kept current by `upsertSearchAttributes`. */
  readonly typedSearchAttributes: TypedSearchAttributes;
  /** @deprecated Temporal's untyped form (every value an array): use `typedSearchAttributes`. */
  readonly searchAttributes: SearchAttributes;
  /** The run's memo, kept current by `upsertMemo`. */
  readonly memo: Record<string, unknown>;
  /** Facts that differ between a live run and its replay: do not let them change commands. */
  readonly unsafe: {
    readonly isReplaying: boolean;
    /** The machine's clock, for measuring only. */
    now(): number;
  };
}

export function workflowInfo(): WorkflowInfo {
  const activator = getActivator('workflowInfo()');
  const init = activator.init;
  return Object.freeze({
    workflowId: init.workflowId,
    runId: init.runId,
    workflowType: init.workflowType,
    taskQueue: init.taskQueue,
    namespace: init.namespace,
    attempt: init.attempt,
    startTime: realDate(init.startTimeMs),
    runStartTime: realDate(init.runStartTimeMs),
    historyLength: activator.historyLength,
    firstExecutionRunId: init.firstExecutionRunId,
    ...visibilityInfo(activator),
    unsafe: Object.freeze({ isReplaying: activator.isReplaying, now: realNow }),
  });
}

/** A random UUID (v4) from the run's seeded generator: the same value on every replay. */
export function uuid4(): string {
  return uuid4From(getActivator('uuid4()').random);
}
