/**
 * The types that tie a workflow function to its client calls, so `client.workflow.execute(greet, { args })`
 * checks `args` against `greet`'s parameters and types the result, as in Temporal's SDK.
 */
import type { Duration } from '../common/duration.js';
import type {
  SearchAttributePair,
  SearchAttributes,
  TypedSearchAttributes,
} from '../common/search-attributes.js';

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

/** Options shared by every way of starting a workflow. */
export interface WorkflowOptions {
  /** Task queue the workflow's tasks go to; a worker must poll it. */
  taskQueue: string;
  /** Business id of the workflow, unique among the namespace's open workflows. */
  workflowId: string;
  /**
   * Longest time the workflow may run, across retries and continue-as-new.
   * @default unlimited
   */
  workflowExecutionTimeout?: Duration;
  /**
   * Longest time one run may take.
   * @default unlimited
   */
  workflowRunTimeout?: Duration;
  /**
   * Longest time one workflow task may take on a worker before it is retried.
   * @default the server's default (10 seconds)
   */
  workflowTaskTimeout?: Duration;
  /**
   * Search attributes to start with, typed. Each must be registered in the namespace
   * (`strata operator search-attribute create`); list and count queries filter on them.
   * @example new TypedSearchAttributes([{ key: defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD), value: 'acme' }])
   */
  typedSearchAttributes?: TypedSearchAttributes | SearchAttributePair[];
  /**
   * @deprecated Temporal's untyped form, every value an array: `{ CustomerId: ['acme'] }`. Use `typedSearchAttributes`.
   */
  searchAttributes?: SearchAttributes;
  /** Data shown with the workflow by describe and list, not indexed: `{ requestedBy: 'ada' }`. */
  memo?: Record<string, unknown>;
}

/** Options of `client.workflow.start` and `execute`; `args` is typed from the workflow function. */
export type WorkflowStartOptions<W extends Workflow = UntypedWorkflow> = WithWorkflowArgs<W, WorkflowOptions>;

/** Options of `client.workflow.signalWithStart`. */
export type WorkflowSignalWithStartOptions<
  W extends Workflow = UntypedWorkflow,
  SignalArgs extends unknown[] = unknown[],
> = WithWorkflowArgs<W, WorkflowOptions> & {
  /** The signal to send, as a definition from `defineSignal` or a name. */
  signal: SignalDefinition<SignalArgs> | string;
  /** Arguments of the signal. */
  signalArgs?: SignalArgs | Readonly<SignalArgs>;
};

/**
 * A signal definition as `defineSignal` from `strata/workflow` returns it. Only its shape matters here,
 * so definitions from any copy of the workflow package are accepted.
 */
export interface SignalDefinition<Args extends unknown[] = [], Name extends string = string> {
  type: 'signal';
  name: Name;
  /** Type-only brand that keeps signals with different arguments apart (same name as in `strata/workflow`). */
  readonly __args?: Args;
}

/** A query definition as `defineQuery` from `strata/workflow` returns it. */
export interface QueryDefinition<Ret = unknown, Args extends unknown[] = [], Name extends string = string> {
  type: 'query';
  name: Name;
  /** Type-only brand for the result (same name as in `strata/workflow`). */
  readonly __ret?: Ret;
  /** Type-only brand for the arguments. */
  readonly __args?: Args;
}
