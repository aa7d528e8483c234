/**
 * Continue-as-new: a workflow ends its run and starts a fresh run of the same workflow id, with new
 * arguments and an empty history, as Temporal does. The history of a long-lived workflow stays short;
 * `workflowInfo().continueAsNewSuggested` says when the server thinks it is time.
 *
 * @example
 * export async function counter(total: number): Promise<number> {
 *   for (let i = 0; i < 100; i++) total += await step();
 *   if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof counter>(total);
 *   return total;
 * }
 */

import { encodeValue, encodeValues } from '../common/converter.js';
import { type Duration, msOptional } from '../common/duration.js';
import {
  encodeSearchAttributes,
  type SearchAttributePair,
  type SearchAttributes,
  type TypedSearchAttributes,
} from '../common/search-attributes.js';
import { workflowTimeoutsProblem } from '../common/workflow-timeouts.js';
import type { ContinueAsNewCommand } from './activation.js';
import { getActivator } from './global-state.js';

/** A workflow function, for typing `continueAsNew<typeof myWorkflow>(...)`. */
type Workflow = (...args: never[]) => Promise<unknown>;

/** Options of {@link makeContinueAsNewFunc}; unset values keep the current run's. */
export interface ContinueAsNewOptions {
  /** The workflow type of the new run (a function exported by the worker's workflows). @default this run's */
  workflowType?: string;
  /** @default this run's task queue */
  taskQueue?: string;
  /** @default this run's run timeout */
  workflowRunTimeout?: Duration;
  /** At most 120 seconds. @default this run's workflow task timeout */
  workflowTaskTimeout?: Duration;
  /** The new run's memo. @default this run's memo */
  memo?: Record<string, unknown>;
  /**
   * The new run's search attributes (registered in the namespace), typed.
   * @default this run's search attributes
   */
  typedSearchAttributes?: TypedSearchAttributes | SearchAttributePair[];
  /** @deprecated Temporal's untyped form (every value an array): use `typedSearchAttributes`. */
  searchAttributes?: SearchAttributes;
}

/**
 * Thrown (as a rejection) by {@link continueAsNew}: not an error, the way the runtime learns that the run
 * ends by continuing as new. Do not catch it, or rethrow it when you do.
 */
export class ContinueAsNew extends Error {
  override readonly name = 'ContinueAsNew';

  constructor(readonly command: ContinueAsNewCommand) {
    super('Workflow continued as new');
  }
}

/**
 * A function that continues this workflow as new with the given arguments (typed from `F`) and options.
 * The run ends when the returned promise rejects with {@link ContinueAsNew}; await it.
 */
export function makeContinueAsNewFunc<F extends Workflow>(
  options: ContinueAsNewOptions = {},
): (...args: Parameters<F>) => Promise<never> {
  const activator = getActivator('makeContinueAsNewFunc()');
  const { workflowType, taskQueue } = activator.init;
  const workflowRunTimeoutMs = msOptional(options.workflowRunTimeout);
  const workflowTaskTimeoutMs = msOptional(options.workflowTaskTimeout);
  const problem = workflowTimeoutsProblem(
    {
      executionTimeoutMs: 0,
      runTimeoutMs: workflowRunTimeoutMs ?? 0,
      taskTimeoutMs: workflowTaskTimeoutMs ?? 0,
    },
    { execution: 'workflowExecutionTimeout', run: 'workflowRunTimeout', task: 'workflowTaskTimeout' },
  );
  if (problem)
    throw new TypeError(problem.replace('[INVALID_ARGUMENT]', '[INVALID_ARGUMENT] continueAsNew:'));
  return (...args: Parameters<F>): Promise<never> => {
    const current = getActivator('continueAsNew()');
    current.assertMayCommand('continueAsNew');
    const type = options.workflowType ?? workflowType;
    try {
      return Promise.reject(
        new ContinueAsNew({
          workflowType: type,
          taskQueue: options.taskQueue ?? taskQueue,
          args: encodeValues(args, `argument of continueAsNew to "${type}":`),
          workflowRunTimeoutMs,
          workflowTaskTimeoutMs,
          memo:
            options.memo &&
            Object.fromEntries(
              Object.entries(options.memo).map(([name, value]) => [
                name,
                encodeValue(value, `memo field "${name}" of continueAsNew`),
              ]),
            ),
          searchAttributes:
            options.searchAttributes || options.typedSearchAttributes
              ? encodeSearchAttributes(options.searchAttributes, options.typedSearchAttributes)
              : undefined,
        }),
      );
    } catch (err) {
      return Promise.reject(err);
    }
  };
}

/**
 * Ends this run and starts a new run of the same workflow (same id, type and task queue) with `args` and a
 * fresh history. Await it: the returned promise never resolves.
 *
 * @example
 * await continueAsNew<typeof poll>(cursor);
 */
export function continueAsNew<F extends Workflow>(...args: Parameters<F>): Promise<never> {
  return makeContinueAsNewFunc<F>()(...args);
}
