/**
 * The types that tie a workflow function to the calls that start it (a client's `execute`, a parent's
 * `executeChild`), so `args` is checked against the function's parameters and the result is typed, as in
 * Temporal's SDK. Types only: safe in the workflow sandbox.
 */

/**
 * Any workflow function. `never[]` parameters make every function assignable, whatever it takes,
 * without resorting to `any`.
 */
export type Workflow = (...args: never[]) => Promise<unknown>;

/** The workflow shape assumed when a workflow is named by a string: any arguments, an unknown result. */
export type UntypedWorkflow = (...args: unknown[]) => Promise<unknown>;

/** What the workflow's promise resolves to. */
export type WorkflowResultType<W extends Workflow> = W extends (...args: never[]) => Promise<infer R>
  ? R
  : never;

/**
 * `args` is required when the workflow declares required parameters, optional otherwise. A workflow named
 * by a string leaves `W` at its constraint {@link Workflow}, which accepts any arguments.
 */
export type WithWorkflowArgs<W extends Workflow, T> = T &
  (Workflow extends W
    ? { /** Arguments passed to the workflow function. */ args?: unknown[] | readonly unknown[] }
    : Parameters<W> extends [unknown, ...unknown[]]
      ? { /** Arguments passed to the workflow function. */ args: Parameters<W> | Readonly<Parameters<W>> }
      : { /** Arguments passed to the workflow function. */ args?: Parameters<W> | Readonly<Parameters<W>> });
