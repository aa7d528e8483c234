/**
 * Child workflows: `startChild` / `executeChild` start another workflow whose start and result are recorded
 * in this workflow's history, so they replay like activities. Options, defaults and failures follow
 * Temporal's SDK: the child's id defaults to a `uuid4()` of the run's seeded generator, its task queue to
 * the parent's; a child that fails, is cancelled, terminated or times out rejects with `ChildWorkflowFailure`.
 */
import { decodeValue, encodeValue, encodeValues, type RawPayload } from '../common/converter.js';
import { parseCronSchedule } from '../common/cron.js';
import { type Duration, msOptional } from '../common/duration.js';
import {
  CancelledFailure,
  ChildWorkflowFailure,
  failureToError,
  WorkflowExecutionAlreadyStartedError,
} from '../common/failure.js';
import {
  encodeSearchAttributes,
  type SearchAttributePair,
  type SearchAttributes,
  type TypedSearchAttributes,
} from '../common/search-attributes.js';
import { parseWorkflowIdReusePolicy, type WorkflowIdReusePolicy } from '../common/workflow-id-policies.js';
import type { WithWorkflowArgs, Workflow, WorkflowResultType } from '../common/workflow-types.js';
import type {
  ChildWorkflowCommandOptions,
  ChildWorkflowResolution,
  ChildWorkflowStartResolution,
} from './activation.js';
import type { Activator } from './activator.js';
import { type RetryPolicy, retryData } from './activities.js';
import { joinCurrentScope } from './cancellation-scope.js';
import type { ExternalWorkflows } from './external-workflows.js';
import { signalNameOf } from './external-workflows.js';
import { getActivator } from './global-state.js';
import type { SignalDefinition } from './handlers.js';
import { uuid4From } from './random.js';

/**
 * What happens to a child when its parent closes. The `PARENT_CLOSE_POLICY_*` spellings are the older
 * names Temporal still exports; they mean the same.
 */
export const ParentClosePolicy = {
  /** The child is terminated (the default). */
  TERMINATE: 'TERMINATE',
  /** The child keeps running. */
  ABANDON: 'ABANDON',
  /** The child is asked to cancel; it decides how. */
  REQUEST_CANCEL: 'REQUEST_CANCEL',
  /** @deprecated use `undefined` (the default, TERMINATE) */
  PARENT_CLOSE_POLICY_UNSPECIFIED: undefined,
  /** @deprecated use {@link ParentClosePolicy.TERMINATE} */
  PARENT_CLOSE_POLICY_TERMINATE: 'TERMINATE',
  /** @deprecated use {@link ParentClosePolicy.ABANDON} */
  PARENT_CLOSE_POLICY_ABANDON: 'ABANDON',
  /** @deprecated use {@link ParentClosePolicy.REQUEST_CANCEL} */
  PARENT_CLOSE_POLICY_REQUEST_CANCEL: 'REQUEST_CANCEL',
} as const;
export type ParentClosePolicy = (typeof ParentClosePolicy)[keyof typeof ParentClosePolicy];

/** What cancelling the scope a child was started in does to the child and to its result promise. */
export const ChildWorkflowCancellationType = {
  /** Request the child's cancellation and reject the result at once. */
  TRY_CANCEL: 'TRY_CANCEL',
  /** Request the child's cancellation and wait until it closed (the default). */
  WAIT_CANCELLATION_COMPLETED: 'WAIT_CANCELLATION_COMPLETED',
  /** Request the child's cancellation and reject the result once the child recorded the request. */
  WAIT_CANCELLATION_REQUESTED: 'WAIT_CANCELLATION_REQUESTED',
  /** Leave the child running and reject the result at once. */
  ABANDON: 'ABANDON',
} as const;
export type ChildWorkflowCancellationType =
  (typeof ChildWorkflowCancellationType)[keyof typeof ChildWorkflowCancellationType];

/** Options of {@link startChild} and {@link executeChild}; `args` is typed from the workflow function. */
export interface ChildWorkflowOptions {
  /** @default a `uuid4()` from the run's seeded generator: the same on replay */
  workflowId?: string;
  /** @default the parent's task queue */
  taskQueue?: string;
  /** @default {@link ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED} */
  cancellationType?: ChildWorkflowCancellationType;
  /** @default {@link ParentClosePolicy.TERMINATE} */
  parentClosePolicy?: ParentClosePolicy;
  /** Longest time the child may run. @default unlimited */
  workflowExecutionTimeout?: Duration;
  /** Longest time one run of the child may take. @default unlimited */
  workflowRunTimeout?: Duration;
  /** Longest time one workflow task of the child may take. @default 10 seconds */
  workflowTaskTimeout?: Duration;
  /**
   * When the child's workflow id was used by a closed run. A running id always fails the start.
   * @default ALLOW_DUPLICATE
   */
  workflowIdReusePolicy?: WorkflowIdReusePolicy;
  /** Retries of the child's runs (a failed run starts again after a backoff). @default no retries */
  retry?: RetryPolicy;
  /** Runs the child on a cron schedule (5 fields, UTC). */
  cronSchedule?: string;
  /** Values stored with the child, not indexed. */
  memo?: Record<string, unknown>;
  /** The child's search attributes; each must be registered in the namespace. */
  typedSearchAttributes?: TypedSearchAttributes | SearchAttributePair[];
  /** @deprecated Temporal's untyped form, every value an array: use `typedSearchAttributes`. */
  searchAttributes?: SearchAttributes;
}

/** A started child workflow. */
export interface ChildWorkflowHandle<T extends Workflow> {
  readonly workflowId: string;
  /** The run the start created. */
  readonly firstExecutionRunId: string;
  /** The child's result; rejects with `ChildWorkflowFailure` when it did not complete. */
  result(): Promise<WorkflowResultType<T>>;
  /** Signals the child; resolves once the signal is recorded in its history. */
  signal<Args extends unknown[] = [], Name extends string = string>(
    def: SignalDefinition<Args, Name> | string,
    ...args: Args
  ): Promise<void>;
}

interface Settle<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

interface ChildEntry {
  seq: number;
  workflowId: string;
  workflowType: string;
  cancellationType: ChildWorkflowCancellationType;
  phase: 'starting' | 'started';
  runId: string;
  /** The scope was cancelled after the start was sent: cancel the child once it started. */
  cancelWhenStarted: boolean;
  start: Settle<string>;
  result: Settle<unknown>;
  unsubscribe: () => void;
}

/** The run's child workflows that have not closed (as far as the run knows). */
export class ChildWorkflows {
  #nextSeq = 1;
  readonly #children = new Map<number, ChildEntry>();

  constructor(
    private readonly activator: Activator,
    private readonly external: ExternalWorkflows,
  ) {}

  start<T extends Workflow>(
    workflowType: string,
    options: ChildWorkflowOptions & { args?: readonly unknown[] },
  ): Promise<ChildWorkflowHandle<T>> {
    const activator = this.activator;
    activator.assertMayCommand('startChild');
    let input: RawPayload[];
    let cancellationType: ChildWorkflowCancellationType;
    let commandOptions: ChildWorkflowCommandOptions;
    try {
      cancellationType = checkedOption(
        ChildWorkflowCancellationType,
        'cancellationType',
        options.cancellationType ?? ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      );
      input = encodeValues([...(options.args ?? [])], `argument of child workflow "${workflowType}":`);
      commandOptions = childCommandOptions(options);
    } catch (err) {
      return Promise.reject(err);
    }
    const workflowId = options.workflowId ?? uuid4From(activator.random);
    const seq = this.#nextSeq++;
    let start: Settle<string> | undefined;
    let result: Settle<unknown> | undefined;
    const started = new Promise<string>((resolve, reject) => {
      start = { resolve, reject };
    });
    const completed = new Promise<unknown>((resolve, reject) => {
      result = { resolve, reject };
    });
    // A child whose result nobody reads (ABANDON, fire-and-forget) must not fail the task as unhandled.
    completed.catch(() => undefined);
    const membership = joinCurrentScope((reason) => this.#cancel(entry, reason));
    if (membership.rejectNow) return Promise.reject(membership.rejectNow);
    const entry: ChildEntry = {
      seq,
      workflowId,
      workflowType,
      cancellationType,
      phase: 'starting',
      runId: '',
      cancelWhenStarted: false,
      start: start as Settle<string>,
      result: result as Settle<unknown>,
      unsubscribe: membership.unsubscribe,
    };
    this.#children.set(seq, entry);
    activator.pushCommand({
      kind: 'startChildWorkflow',
      seq,
      workflowId,
      workflowType,
      args: input,
      options: commandOptions,
    });
    return started.then((runId) => ({
      workflowId,
      firstExecutionRunId: runId,
      result: () => completed as Promise<WorkflowResultType<T>>,
      signal: (def, ...args) =>
        this.external.signal(
          { workflowId, runId, childWorkflowOnly: true },
          signalNameOf(def as SignalDefinition<never[]> | string),
          args,
        ),
    }));
  }

  resolveStart(seq: number, resolution: ChildWorkflowStartResolution): void {
    const entry = this.#children.get(seq);
    if (entry === undefined || entry.phase !== 'starting') return;
    if (resolution.status === 'started') {
      entry.phase = 'started';
      entry.runId = resolution.runId;
      entry.start.resolve(resolution.runId);
      if (entry.cancelWhenStarted) this.#cancelStarted(entry);
      return;
    }
    const error =
      resolution.status === 'failed'
        ? failureToError(resolution.failure)
        : new WorkflowExecutionAlreadyStartedError('Workflow execution already started', {
            workflowId: resolution.workflowId,
            workflowType: resolution.workflowType,
          });
    this.#finish(entry);
    entry.start.reject(error);
    entry.result.reject(error);
  }

  resolveResult(seq: number, resolution: ChildWorkflowResolution): void {
    const entry = this.#children.get(seq);
    // A child resolved early (TRY_CANCEL, ABANDON) has nothing left to settle.
    if (entry === undefined) return;
    this.#finish(entry);
    if (resolution.status === 'completed') entry.result.resolve(decodeValue(resolution.result));
    else entry.result.reject(failureToError(resolution.failure));
  }

  /** One line per open child, for the `__stack_trace` query. */
  describePending(): string[] {
    return [...this.#children.values()].map(
      (child) => `awaiting child workflow ${child.workflowId} (${child.workflowType})`,
    );
  }

  #finish(entry: ChildEntry): void {
    this.#children.delete(entry.seq);
    entry.unsubscribe();
  }

  #cancel(entry: ChildEntry, reason: CancelledFailure): void {
    if (entry.phase === 'started') {
      this.#cancelStarted(entry);
      return;
    }
    const unsent = this.activator.unsend((c) => c.kind === 'startChildWorkflow' && c.seq === entry.seq);
    if (!unsent) {
      // The server is starting it: the cancellation follows once it started.
      entry.cancelWhenStarted = true;
      return;
    }
    this.#finish(entry);
    const failure = this.#cancelledFailure(
      entry,
      'Child Workflow execution cancelled before scheduled',
      reason,
    );
    entry.start.reject(failure);
    entry.result.reject(failure);
  }

  /** Applies the cancellation type to a started child (the calling scope was cancelled). */
  #cancelStarted(entry: ChildEntry): void {
    const type = entry.cancellationType;
    if (type !== ChildWorkflowCancellationType.ABANDON) {
      const request = this.external.requestCancel({
        workflowId: entry.workflowId,
        runId: entry.runId,
        childWorkflowOnly: true,
      });
      // A failed request means the child closed meanwhile: its close settles the result.
      void request.then(
        () => {
          if (type === ChildWorkflowCancellationType.WAIT_CANCELLATION_REQUESTED)
            this.#resolveCancelled(entry);
        },
        () => undefined,
      );
    }
    if (type === ChildWorkflowCancellationType.ABANDON || type === ChildWorkflowCancellationType.TRY_CANCEL) {
      this.#resolveCancelled(entry);
    }
  }

  #resolveCancelled(entry: ChildEntry): void {
    if (!this.#children.has(entry.seq)) return;
    this.#finish(entry);
    entry.result.reject(
      this.#cancelledFailure(entry, 'Child Workflow execution cancelled', new CancelledFailure('Cancelled')),
    );
  }

  #cancelledFailure(entry: ChildEntry, message: string, cause: CancelledFailure): ChildWorkflowFailure {
    const failure = new ChildWorkflowFailure(
      this.activator.init.namespace,
      { workflowId: entry.workflowId, runId: entry.runId },
      entry.workflowType,
      'NON_RETRYABLE_FAILURE',
      cause,
    );
    failure.message = message;
    return failure;
  }
}

/** The options as the command carries them; throws a clear error on a bad value. */
function childCommandOptions(options: ChildWorkflowOptions): ChildWorkflowCommandOptions {
  const { searchAttributes, typedSearchAttributes, memo } = options;
  return {
    taskQueue: options.taskQueue,
    workflowExecutionTimeoutMs: msOptional(options.workflowExecutionTimeout),
    workflowRunTimeoutMs: msOptional(options.workflowRunTimeout),
    workflowTaskTimeoutMs: msOptional(options.workflowTaskTimeout),
    parentClosePolicy:
      checkedOption(ParentClosePolicy, 'parentClosePolicy', options.parentClosePolicy) ??
      ParentClosePolicy.TERMINATE,
    workflowIdReusePolicy:
      options.workflowIdReusePolicy === undefined
        ? undefined
        : parseWorkflowIdReusePolicy(options.workflowIdReusePolicy),
    retry: retryData(options.retry),
    // Parsing throws InvalidCronScheduleError naming the schedule.
    cronSchedule: options.cronSchedule ? parseCronSchedule(options.cronSchedule).text : '',
    memo:
      memo &&
      Object.fromEntries(
        Object.entries(memo).map(([name, value]) => [name, encodeValue(value, `memo field "${name}"`)]),
      ),
    searchAttributes:
      searchAttributes || typedSearchAttributes
        ? encodeSearchAttributes(searchAttributes, typedSearchAttributes)
        : undefined,
  };
}

/** `value` if it is one of the option's values, else a clear error naming them. */
function checkedOption<T extends Record<string, string | undefined>>(
  values: T,
  option: string,
  value: T[keyof T],
): T[keyof T] {
  if (Object.values(values).includes(value)) return value;
  const allowed = [...new Set(Object.values(values).filter((v) => v !== undefined))].join(', ');
  throw new TypeError(
    `[INVALID_CHILD_WORKFLOW_OPTIONS] unknown ${option} ${JSON.stringify(value)}: use one of ${allowed}`,
  );
}

function workflowTypeOf(workflowTypeOrFunc: string | Workflow): string {
  return typeof workflowTypeOrFunc === 'string' ? workflowTypeOrFunc : workflowTypeOrFunc.name;
}

/**
 * Starts a child workflow and resolves once the server started it, with a handle to signal it and await
 * its result. Rejects with `WorkflowExecutionAlreadyStartedError` when its workflow id is already running.
 *
 * @example
 * const child = await startChild(processOrder, { args: [order], parentClosePolicy: ParentClosePolicy.ABANDON });
 * await child.signal(approve, 'alice');
 * const receipt = await child.result();
 */
export function startChild<T extends Workflow>(
  workflowTypeOrFunc: string | T,
  options: WithWorkflowArgs<T, ChildWorkflowOptions>,
): Promise<ChildWorkflowHandle<T>>;
export function startChild<T extends () => Promise<unknown>>(
  workflowTypeOrFunc: string | T,
): Promise<ChildWorkflowHandle<T>>;
export function startChild<T extends Workflow>(
  workflowTypeOrFunc: string | T,
  options?: ChildWorkflowOptions & { args?: readonly unknown[] },
): Promise<ChildWorkflowHandle<T>> {
  return getActivator('startChild()').childWorkflows.start<T>(
    workflowTypeOf(workflowTypeOrFunc),
    options ?? {},
  );
}

/**
 * Starts a child workflow and returns its result. Rejects with `ChildWorkflowFailure` (the reason in
 * `cause`) when the child fails, is cancelled, terminated or times out.
 *
 * @example
 * const receipt = await executeChild(processOrder, { args: [order] });
 */
export function executeChild<T extends Workflow>(
  workflowTypeOrFunc: string | T,
  options: WithWorkflowArgs<T, ChildWorkflowOptions>,
): Promise<WorkflowResultType<T>>;
export function executeChild<T extends () => Promise<unknown>>(
  workflowTypeOrFunc: string | T,
): Promise<WorkflowResultType<T>>;
export async function executeChild<T extends Workflow>(
  workflowTypeOrFunc: string | T,
  options?: ChildWorkflowOptions & { args?: readonly unknown[] },
): Promise<WorkflowResultType<T>> {
  const child = await getActivator('executeChild()').childWorkflows.start<T>(
    workflowTypeOf(workflowTypeOrFunc),
    options ?? {},
  );
  return child.result();
}
