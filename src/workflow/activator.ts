/**
 * The per-run state of a workflow and the pure heart of the runtime: an activation's jobs go in, commands
 * come out. Everything a run owns (pending timers and activities, handlers, buffered signals, the random
 * generator, the commands of the current task) lives in one `Activator`, so runs sharing one sandbox never
 * see each other's state.
 */
import {
  decodeValue,
  decodeValues,
  encodeValue,
  encodeValues,
  type RawPayload,
} from '../common/converter.js';
import {
  ActivityFailure,
  CancelledFailure,
  errorToFailure,
  type FailureShape,
  failureToError,
  isCancellation,
  StrataFailure,
} from '../common/failure.js';
import type { EncodedSearchAttributes } from '../common/search-attributes.js';
import type {
  Activation,
  ActivationCompletion,
  ActivationJob,
  ActivityCommandOptions,
  ActivityResolution,
  QueryOutcome,
  RunInit,
  WorkflowCommand,
  WorkflowLogEntry,
  WorkflowLogLevel,
} from './activation.js';
import { STACK_TRACE_QUERY } from './activation.js';
import { type ActivityCancellationType, activityCancelEffect } from './activity-cancellation.js';
import { cancelRootScope, createRootScope, joinCurrentScope } from './cancellation-scope.js';
import { ChildWorkflows } from './child-workflows.js';
import { ContinueAsNew } from './continue-as-new.js';
import { DeterminismViolationError } from './errors.js';
import { ExternalWorkflows } from './external-workflows.js';
import { HandlerExecutions, isThenable } from './handler-executions.js';
import { RunLocalActivities } from './local-activities.js';
import { RunPatches } from './patches.js';
import { createRandom } from './random.js';
import { RunUpdates } from './updates.js';

export type SignalHandlerFn = (...args: unknown[]) => unknown;
export type DefaultSignalHandlerFn = (signalName: string, ...args: unknown[]) => unknown;
export type QueryHandlerFn = (...args: unknown[]) => unknown;

interface PendingOperation {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  description: string;
}

interface BlockedCondition {
  fn: () => boolean;
  resolve(): void;
  reject(error: unknown): void;
}

type Phase = 'loading' | 'running' | 'query';

/** Commands whose effect the history records as a workflow's end; nothing is sent after one of them. */
const CLOSING = new Set<WorkflowCommand['kind']>([
  'completeWorkflow',
  'failWorkflow',
  'cancelWorkflow',
  'continueAsNew',
]);

export class Activator {
  readonly init: RunInit;
  readonly rootScope = createRootScope();
  /** Set by the client's cancellation: a `CancelledFailure` escaping the code then cancels the workflow. */
  #cancelRequested = false;
  readonly patches = new RunPatches();
  readonly localActivities = new RunLocalActivities(this);
  readonly updates = new RunUpdates();
  readonly handlerExecutions = new HandlerExecutions();
  readonly random: () => number;
  /** Time of the current workflow task. */
  now: number;
  isReplaying = false;
  historyLength = 0;
  historySizeBytes = 0;
  continueAsNewSuggested = false;
  phase: Phase = 'loading';
  /** The run's search attributes and memo as its code last set them (see search-attributes.ts). */
  searchAttributes: EncodedSearchAttributes;
  memo: Record<string, RawPayload>;

  readonly signalHandlers = new Map<string, SignalHandlerFn>();
  readonly queryHandlers = new Map<string, QueryHandlerFn>();
  #defaultSignalHandler: DefaultSignalHandlerFn | undefined;
  #bufferedSignals: { signalName: string; args: unknown[] }[] = [];

  #commands: WorkflowCommand[] = [];
  #logs: WorkflowLogEntry[] = [];
  #taskFailure: FailureShape | undefined;
  #closed = false;
  #jobs: ActivationJob[] = [];
  #workflows: Record<string, unknown> = {};

  #nextActivitySeq = 1;
  #nextTimerSeq = 1;
  #nextConditionSeq = 1;
  readonly #activities = new Map<number, PendingOperation>();
  readonly #timers = new Map<number, PendingOperation>();
  readonly #conditions = new Map<number, BlockedCondition>();
  readonly externalWorkflows = new ExternalWorkflows(this);
  readonly childWorkflows = new ChildWorkflows(this, this.externalWorkflows);

  constructor(init: RunInit) {
    this.init = init;
    this.now = init.runStartTimeMs;
    this.random = createRandom(init.randomnessSeed);
    this.searchAttributes = { ...init.searchAttributes };
    this.memo = { ...init.memo };
  }

  /** Evaluates the run's own instance of the workflow modules (module-level state is per run). */
  loadWorkflows(loader: () => Record<string, unknown>): void {
    this.phase = 'loading';
    this.#workflows = loader();
    this.phase = 'running';
  }

  beginActivation(activation: Activation): void {
    this.now = activation.timestampMs;
    this.isReplaying = activation.isReplaying;
    this.historyLength = activation.historyLength;
    this.historySizeBytes = activation.historySizeBytes;
    this.continueAsNewSuggested = activation.continueAsNewSuggested;
    this.#jobs = activation.jobs;
    this.phase = 'running';
  }

  /**
   * Applies one job; the host drains microtasks and re-checks conditions between jobs. Once the workflow closed,
   * the remaining jobs are dropped, as Temporal does: nothing the code does after its closing command is sent.
   */
  applyNextJob(): boolean {
    if (this.#closed) this.#jobs = [];
    const job = this.#jobs.shift();
    if (job === undefined) return false;
    this.#applyJob(job);
    return true;
  }

  /** Resolves the conditions whose function is now true; returns how many, so the host loops until 0. */
  tryUnblockConditions(): number {
    if (this.#closed) return 0;
    let unblocked = 0;
    for (const [seq, condition] of this.#conditions) {
      let satisfied: boolean;
      try {
        satisfied = condition.fn();
      } catch (err) {
        this.#conditions.delete(seq);
        condition.reject(err);
        unblocked++;
        continue;
      }
      if (satisfied) {
        this.#conditions.delete(seq);
        condition.resolve();
        unblocked++;
      }
    }
    return unblocked;
  }

  concludeActivation(): ActivationCompletion {
    this.updates.rejectBuffered(this);
    const logs = this.#logs;
    this.#logs = [];
    const commands = this.#commands;
    this.#commands = [];
    const unmarkedDeprecatedPatches = this.patches.takeUnmarkedDeprecations();
    if (this.#taskFailure !== undefined) return { kind: 'failed', failure: this.#taskFailure, logs };
    if (unmarkedDeprecatedPatches.length === 0) return { kind: 'commands', commands, logs };
    return { kind: 'commands', commands, logs, unmarkedDeprecatedPatches };
  }

  #applyJob(job: ActivationJob): void {
    switch (job.kind) {
      case 'notifyHasPatch':
        this.patches.notifyHasPatch(job.patchId);
        break;
      case 'startWorkflow':
        this.#startWorkflow(job.args);
        break;
      case 'resolveActivity':
        this.#resolveActivity(job.seq, job.resolution);
        break;
      case 'fireTimer':
        this.#take(this.#timers, job.seq)?.resolve(undefined);
        break;
      case 'signalWorkflow':
        this.#deliverSignal(job.signalName, decodeValues(job.args));
        break;
      case 'resolveLocalActivity':
        this.localActivities.resolve(job.seq, job.resolution);
        break;
      case 'cancelWorkflow':
        this.#cancelRequested = true;
        cancelRootScope(this.rootScope);
        break;
      case 'resolveChildWorkflowStart':
        this.childWorkflows.resolveStart(job.seq, job.resolution);
        break;
      case 'resolveChildWorkflow':
        this.childWorkflows.resolveResult(job.seq, job.resolution);
        break;
      case 'resolveSignalExternal':
        this.externalWorkflows.resolveSignal(job.seq, job.failure);
        break;
      case 'resolveRequestCancelExternal':
        this.externalWorkflows.resolveCancel(job.seq, job.failure);
        break;
      case 'doUpdate':
        this.updates.doUpdate(this, job);
        break;
      default: {
        const unknownJob: never = job;
        throw new TypeError(`unknown activation job ${JSON.stringify(unknownJob)}`);
      }
    }
  }

  #startWorkflow(rawArgs: RawPayload[]): void {
    const type = this.init.workflowType;
    const fn = this.#workflows[type];
    if (typeof fn !== 'function') {
      this.#failTask(
        new TypeError(`[UNKNOWN_WORKFLOW_TYPE] "${type}" is not a function exported by the workflows module`),
      );
      return;
    }
    const args = decodeValues(rawArgs);
    new Promise((resolve) => resolve(fn(...args))).then(
      (result) => this.#completeWorkflow(result),
      (err: unknown) => this.handleWorkflowError(err),
    );
  }

  #completeWorkflow(result: unknown): void {
    let payload: ReturnType<typeof encodeValue>;
    try {
      payload = encodeValue(result, 'the workflow result');
    } catch (err) {
      this.#failTask(err);
      return;
    }
    this.pushCommand({ kind: 'completeWorkflow', result: payload });
  }

  /**
   * Decides what an error escaping workflow code (the main function or a handler) does, as Temporal does:
   * `ContinueAsNew` continues the workflow as new, a cancellation after the workflow was cancelled cancels
   * it, a failure class fails the workflow, and anything else (a bug, a TypeError) fails only the workflow
   * task so a fixed deployment can resume.
   */
  handleWorkflowError(err: unknown): void {
    if (err instanceof ContinueAsNew) {
      this.pushCommand({ kind: 'continueAsNew', ...err.command });
    } else if (this.#cancelRequested && isCancellation(err)) {
      this.pushCommand({ kind: 'cancelWorkflow' });
    } else if (err instanceof StrataFailure) {
      this.pushCommand({ kind: 'failWorkflow', failure: errorToFailure(err) });
    } else {
      this.#failTask(err);
    }
  }

  #failTask(err: unknown): void {
    if (this.#closed) {
      // The workflow already closed in this task: its outcome stands, so a late error is reported, not raised.
      const failure = errorToFailure(err);
      this.log('WARN', `error in workflow code after the workflow closed: ${failure.message}`, {
        stackTrace: failure.stackTrace,
      });
      return;
    }
    this.#taskFailure ??= errorToFailure(err);
  }

  /** Queues a command for this task; commands after the closing one are dropped, so it is always the last. */
  pushCommand(command: WorkflowCommand): void {
    this.assertMayCommand(command.kind);
    if (this.#closed) return;
    if (CLOSING.has(command.kind)) {
      this.#closed = true;
      // As in Temporal, a workflow that fails is not warned about the handlers it leaves behind.
      if (command.kind !== 'failWorkflow') this.handlerExecutions.warnUnfinished(this);
    }
    this.#commands.push(command);
  }

  /** Throws synchronously (not as a rejection nobody awaits) when this phase may not produce commands. */
  assertMayCommand(what: string): void {
    if (this.phase === 'query') {
      throw new DeterminismViolationError(
        `[QUERY_COMMAND] a query handler tried to ${what}: query handlers must only read state`,
      );
    }
    if (this.phase === 'loading') {
      throw new DeterminismViolationError(
        `[NOT_IN_WORKFLOW] ${what} at module top level: start timers and activities inside the workflow function`,
      );
    }
  }

  /** Drops a command not sent yet; true when it was still pending (so nothing reached the server). */
  unsend(predicate: (command: WorkflowCommand) => boolean): boolean {
    return this.#unsend(predicate);
  }

  #unsend(predicate: (command: WorkflowCommand) => boolean): boolean {
    // After the closing command the task's commands are final; a late cancel must not take one back.
    if (this.#closed) return false;
    const index = this.#commands.findIndex(predicate);
    if (index < 0) return false;
    this.#commands.splice(index, 1);
    return true;
  }

  #take(map: Map<number, PendingOperation>, seq: number): PendingOperation | undefined {
    const pending = map.get(seq);
    map.delete(seq);
    return pending;
  }

  // ---- activities

  scheduleActivity(
    activityType: string,
    args: unknown[],
    options: ActivityCommandOptions & {
      activityId: string | undefined;
      cancellationType: ActivityCancellationType | undefined;
    },
  ): Promise<unknown> {
    this.assertMayCommand('scheduleActivity');
    let input: RawPayload[];
    try {
      input = encodeValues(args, `argument of activity "${activityType}":`);
    } catch (err) {
      return Promise.reject(err);
    }
    const seq = this.allocateActivitySeq();
    const activityId = options.activityId ?? String(seq);
    const { activityId: _id, cancellationType = 'TRY_CANCEL', ...commandOptions } = options;
    return new Promise((resolve, reject) => {
      const membership = joinCurrentScope(() => {
        if (!this.#activities.has(seq)) return;
        const unsent = this.#unsend((c) => c.kind === 'scheduleActivity' && c.seq === seq);
        const effect = activityCancelEffect(unsent ? 'forget' : cancellationType);
        if (effect.sendRequest) this.pushCommand({ kind: 'requestCancelActivity', seq });
        // Waiting for the outcome: the history's ActivityTaskCanceled (or Completed, Failed) settles it.
        if (!effect.rejectNow) return;
        this.#activities.delete(seq);
        reject(
          // The same cause as the history's ActivityTaskCanceled gives, as in Temporal.
          new ActivityFailure(
            'Activity cancelled',
            activityType,
            activityId,
            'CANCEL_REQUESTED',
            '',
            new CancelledFailure('Activity cancelled'),
          ),
        );
      });
      if (membership.rejectNow) {
        reject(membership.rejectNow);
        return;
      }
      const { unsubscribe } = membership;
      this.#activities.set(seq, {
        resolve: (value) => {
          unsubscribe();
          resolve(value);
        },
        reject: (error) => {
          unsubscribe();
          reject(error);
        },
        description: `activity ${activityId} (${activityType})`,
      });
      this.pushCommand({
        kind: 'scheduleActivity',
        seq,
        activityId,
        activityType,
        args: input,
        options: commandOptions,
      });
    });
  }

  /** Activities and local activities share one sequence, so their default ids never collide (as in Temporal). */
  allocateActivitySeq(): number {
    return this.#nextActivitySeq++;
  }

  #resolveActivity(seq: number, resolution: ActivityResolution): void {
    // An activity cancelled by the workflow already rejected; its late result is dropped.
    const pending = this.#take(this.#activities, seq);
    if (pending === undefined) return;
    if (resolution.status === 'completed') pending.resolve(decodeValue(resolution.result));
    else pending.reject(failureToError(resolution.failure));
  }

  // ---- timers and conditions

  /** Starts a durable timer; `seq` lets `clearTimeout` cancel it. */
  startTimer(durationMs: number): { seq: number; promise: Promise<void> } {
    this.assertMayCommand('startTimer');
    const seq = this.#nextTimerSeq++;
    const timerId = String(seq);
    const promise = new Promise<void>((resolve, reject) => {
      const membership = joinCurrentScope((reason) => {
        if (this.cancelTimer(seq)) reject(reason);
      });
      if (membership.rejectNow) {
        reject(membership.rejectNow);
        return;
      }
      const { unsubscribe } = membership;
      this.#timers.set(seq, {
        resolve: () => {
          unsubscribe();
          resolve();
        },
        reject: (error) => {
          unsubscribe();
          reject(error);
        },
        description: `timer ${timerId} (${durationMs} ms)`,
      });
      this.pushCommand({ kind: 'startTimer', seq, timerId, durationMs: Math.max(1, Math.round(durationMs)) });
    });
    return { seq, promise };
  }

  /** Cancels a pending timer; false when it already fired or was cancelled. Its promise is left to the caller. */
  cancelTimer(seq: number): boolean {
    if (!this.#timers.has(seq)) return false;
    this.#timers.delete(seq);
    const timerId = String(seq);
    const unsent = this.#unsend((c) => c.kind === 'startTimer' && c.seq === seq);
    if (!unsent) this.pushCommand({ kind: 'cancelTimer', seq, timerId });
    return true;
  }

  /** Resolves once `fn()` is true; re-checked after every job. Rejects when the workflow is cancelled. */
  waitFor(fn: () => boolean): { seq: number; promise: Promise<void> } {
    const seq = this.#nextConditionSeq++;
    const promise = new Promise<void>((resolve, reject) => {
      const membership = joinCurrentScope((reason) => {
        if (this.#conditions.delete(seq)) reject(reason);
      });
      if (membership.rejectNow) {
        reject(membership.rejectNow);
        return;
      }
      const { unsubscribe } = membership;
      this.#conditions.set(seq, {
        fn,
        resolve: () => {
          unsubscribe();
          resolve();
        },
        reject: (error) => {
          unsubscribe();
          reject(error);
        },
      });
    });
    return { seq, promise };
  }

  /** Stops checking a condition whose waiter gave up (its timeout fired); its promise stays pending. */
  dropCondition(seq: number): void {
    this.#conditions.delete(seq);
  }

  // ---- signals and queries

  setSignalHandler(name: string, handler: SignalHandlerFn | undefined): void {
    if (handler === undefined) {
      this.signalHandlers.delete(name);
      return;
    }
    this.signalHandlers.set(name, handler);
    this.#flushBufferedSignals();
  }

  setDefaultSignalHandler(handler: DefaultSignalHandlerFn | undefined): void {
    this.#defaultSignalHandler = handler;
    if (handler !== undefined) this.#flushBufferedSignals();
  }

  #deliverSignal(signalName: string, args: unknown[]): void {
    const handler = this.signalHandlers.get(signalName);
    if (handler !== undefined) {
      this.#runHandler(() => this.handlerExecutions.runSignal(signalName, () => handler(...args)));
      return;
    }
    const fallback = this.#defaultSignalHandler;
    if (fallback !== undefined) {
      this.#runHandler(() =>
        this.handlerExecutions.runSignal(signalName, () => fallback(signalName, ...args)),
      );
      return;
    }
    // Kept until a handler is set, as Temporal does: signals may arrive before the code registers one.
    this.#bufferedSignals.push({ signalName, args });
  }

  #flushBufferedSignals(): void {
    const buffered = this.#bufferedSignals;
    this.#bufferedSignals = [];
    for (const { signalName, args } of buffered) this.#deliverSignal(signalName, args);
  }

  #runHandler(call: () => unknown): void {
    try {
      const result = call();
      if (isThenable(result)) result.then(undefined, (err: unknown) => this.handleWorkflowError(err));
    } catch (err) {
      this.handleWorkflowError(err);
    }
  }

  query(queryType: string, args: unknown[]): QueryOutcome {
    const previous = this.phase;
    this.phase = 'query';
    try {
      if (queryType === STACK_TRACE_QUERY && !this.queryHandlers.has(queryType)) {
        return { kind: 'answered', result: encodeValue(this.describePending(), 'the query result') };
      }
      const handler = this.queryHandlers.get(queryType);
      if (handler === undefined) {
        const known = [...this.queryHandlers.keys(), STACK_TRACE_QUERY].map((name) => `"${name}"`).join(', ');
        throw new TypeError(
          `[UNKNOWN_QUERY] workflow "${this.init.workflowType}" has no handler for query "${queryType}"; known queries: ${known}`,
        );
      }
      const result = handler(...args);
      if (isThenable(result))
        throw new TypeError(
          `[ASYNC_QUERY] query handler "${queryType}" returned a promise: query handlers must be synchronous`,
        );
      return { kind: 'answered', result: encodeValue(result, `the result of query "${queryType}"`) };
    } catch (err) {
      return { kind: 'failed', failure: errorToFailure(err) };
    } finally {
      this.phase = previous;
    }
  }

  /** What the run waits for, one line each: the built-in `__stack_trace` query answer. */
  describePending(): string {
    const lines = [
      ...[...this.#timers.values()].map((t) => `awaiting ${t.description}`),
      ...[...this.#activities.values()].map((a) => `awaiting ${a.description}`),
      ...this.localActivities.describePending(),
      ...[...this.#conditions.keys()].map((seq) => `awaiting condition ${seq}`),
      ...this.childWorkflows.describePending(),
      ...this.externalWorkflows.describePending(),
    ];
    return lines.length > 0 ? lines.join('\n') : 'not waiting on anything';
  }

  // ---- logging

  log(level: WorkflowLogLevel, message: string, attributes: Record<string, unknown>): void {
    // Replayed code already logged when it first ran.
    if (this.isReplaying || this.phase === 'query') return;
    this.#logs.push({ level, message, attributes: plainAttributes(attributes), timestampMs: this.now });
  }
}

/** Log attributes cross the sandbox boundary as JSON: keep what survives it, never throw from a log call. */
function plainAttributes(attributes: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(attributes)) as Record<string, unknown>;
  } catch (err) {
    return { unserializableAttributes: String(err) };
  }
}
