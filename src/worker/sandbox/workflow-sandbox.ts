/**
 * The `node:vm` sandbox of a worker: ONE context per worker, the bundle compiled once; each run gets fresh
 * workflow module instances from the bundle's loader. The context runs with `microtaskMode: 'afterEvaluate'`:
 * its promise jobs run only when a script evaluates in it, so the host drains them explicitly and an
 * activation is fully processed, synchronously, before its commands are read.
 *
 * Two guards keep workflow code from harming the host: {@link WorkflowSandbox.withDeadline} interrupts code that
 * never yields, and {@link WorkflowSandbox.runUnit} collects the promise rejections it leaves unhandled.
 */
import { setImmediate as nextLoopTurn } from 'node:timers/promises';
import vm from 'node:vm';
import type { RawPayload } from '../../common/converter.js';
import { errorToFailure, type FailureShape } from '../../common/failure.js';
import type { Activation, ActivationCompletion, QueryOutcome, RunInit } from '../../workflow/activation.js';
import type { SandboxRunHandle } from '../../workflow/worker-interface.js';
import { routeUnhandledRejections } from './unhandled-rejections.js';

interface SandboxHost {
  createRun(initJson: string, loadWorkflows: () => Record<string, unknown>): SandboxRunHandle;
  listWorkflowTypes(loadWorkflows: () => Record<string, unknown>): string;
  failureOf(value: unknown): string;
}

export interface SandboxBundle {
  code: string;
  hash: string;
}

export interface WorkflowSandboxOptions {
  /**
   * How long code in the sandbox may run without returning before {@link WorkflowSandbox.withDeadline}
   * interrupts it.
   * @default 5000
   */
  executionTimeoutMs?: number;
}

/** What {@link WorkflowSandbox.runUnit} returns: the work's result and the rejections it left unhandled. */
export interface SandboxUnitResult<T> {
  result: T;
  unhandledRejections: FailureShape[];
}

/** True for the error `withDeadline` throws when the sandbox's code ran past its deadline. */
export function isExecutionTimeout(err: unknown): boolean {
  // Not `instanceof Error`: Node makes this error in the watchdog's realm.
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT'
  );
}

export class WorkflowSandbox {
  readonly hash: string;
  readonly workflowTypes: string[];
  readonly #context: vm.Context;
  readonly #drain = new vm.Script('void 0', { filename: 'strata-drain.js' });
  readonly #host: SandboxHost;
  readonly #loadWorkflows: () => Record<string, unknown>;
  readonly #promisePrototype: object;
  /** A context of its own whose only job is to arm `vm`'s watchdog around host code calling into the sandbox. */
  readonly #watchdog = vm.createContext({ work: undefined as (() => unknown) | undefined });
  readonly #watchdogScript = new vm.Script('work()', { filename: 'strata-watchdog.js' });
  /** Settles when the unit of work in progress has been charged its rejections; units run one at a time. */
  #unitTail: Promise<void> = Promise.resolve();
  readonly executionTimeoutMs: number;

  private constructor(bundle: SandboxBundle, options: WorkflowSandboxOptions) {
    this.hash = bundle.hash;
    this.executionTimeoutMs = options.executionTimeoutMs ?? 5000;
    this.#context = vm.createContext({}, { name: 'strata-workflows', microtaskMode: 'afterEvaluate' });
    new vm.Script(bundle.code, { filename: `workflow-bundle-${bundle.hash.slice(0, 16)}.js` }).runInContext(
      this.#context,
    );
    const globals = this.#context as {
      __strataHost: SandboxHost;
      __strataLoadWorkflows: () => Record<string, unknown>;
    };
    this.#host = globals.__strataHost;
    this.#loadWorkflows = globals.__strataLoadWorkflows;
    this.#promisePrototype = vm.runInContext('Promise.prototype', this.#context) as object;
    this.workflowTypes = JSON.parse(this.#host.listWorkflowTypes(this.#loadWorkflows)) as string[];
  }

  static create(bundle: SandboxBundle, options: WorkflowSandboxOptions = {}): WorkflowSandbox {
    return new WorkflowSandbox(bundle, options);
  }

  /**
   * Creates a run: evaluates the workflow modules afresh for it (their top-level code runs now). Call it inside
   * {@link withDeadline}: top-level code may loop too.
   */
  createRun(init: RunInit): SandboxRun {
    const handle = this.#host.createRun(JSON.stringify(init), this.#loadWorkflows);
    this.drainMicrotasks();
    return new SandboxRun(this, handle);
  }

  /**
   * Runs `work`, synchronous host code calling into the sandbox, under a deadline: past `timeoutMs` everything
   * running is terminated (microtasks included, and the ones still queued are dropped) and an error for which
   * {@link isExecutionTimeout} is true is thrown. The runs the work touched must then be discarded: their code
   * stopped at an arbitrary point. Arming the deadline starts a thread (~70 µs), so callers arm one per slice of
   * work, not per call.
   */
  withDeadline<T>(work: () => T, timeoutMs = this.executionTimeoutMs): T {
    const watchdog = this.#watchdog as { work: (() => unknown) | undefined };
    watchdog.work = work;
    try {
      return this.#watchdogScript.runInContext(this.#watchdog, {
        timeout: Math.max(1, Math.ceil(timeoutMs)),
      }) as T;
    } finally {
      watchdog.work = undefined;
    }
  }

  /**
   * Runs `work` (synchronous calls into the sandbox), then waits one event-loop turn, as Node reports unhandled
   * rejections only after the current macrotask's microtasks, and returns the rejections the work left unhandled
   * (a rejection handled before the work returned is not one). Units run one at a time so that each rejection is
   * charged to the work that made it. If `work` throws, the error is rethrown after the turn.
   */
  async runUnit<T>(work: () => T): Promise<SandboxUnitResult<T>> {
    const previous = this.#unitTail;
    let release = () => {};
    this.#unitTail = new Promise((resolve) => {
      release = resolve;
    });
    await previous;
    const reasons: unknown[] = [];
    const unroute = routeUnhandledRejections(this.#promisePrototype, (reason) => reasons.push(reason));
    try {
      let outcome: { ok: true; result: T } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, result: work() };
      } catch (error) {
        outcome = { ok: false, error };
      }
      await nextLoopTurn();
      if (!outcome.ok) throw outcome.error;
      return { result: outcome.result, unhandledRejections: reasons.map((reason) => this.failureOf(reason)) };
    } finally {
      unroute();
      release();
    }
  }

  /** A value thrown or rejected by workflow code as plain data, read by the sandbox's own error classes. */
  failureOf(value: unknown): FailureShape {
    try {
      return JSON.parse(this.#host.failureOf(value)) as FailureShape;
    } catch {
      return errorToFailure(value);
    }
  }

  /** Evaluates an expression in the context and returns it as a string; for tests of the sandbox itself. */
  evaluateForTests(expression: string): string {
    return String(vm.runInContext(expression, this.#context));
  }

  drainMicrotasks(): void {
    this.#drain.runInContext(this.#context);
  }
}

/** One run inside the sandbox. Calls are synchronous: each returns once the run's code has settled. */
export class SandboxRun {
  readonly #sandbox: WorkflowSandbox;
  readonly #handle: SandboxRunHandle;

  constructor(sandbox: WorkflowSandbox, handle: SandboxRunHandle) {
    this.#sandbox = sandbox;
    this.#handle = handle;
  }

  activate(activation: Activation): ActivationCompletion {
    const handle = this.#handle;
    handle.beginActivation(JSON.stringify(activation));
    let crash: unknown;
    try {
      // Conditions are re-checked after every job, as each job may change what they read.
      while (handle.applyNextJob()) this.#settle();
      this.#settle();
    } catch (err) {
      crash = err;
    }
    const completion = JSON.parse(handle.concludeActivation()) as ActivationCompletion;
    if (crash === undefined) return completion;
    return { kind: 'failed', failure: this.#sandbox.failureOf(crash), logs: completion.logs };
  }

  query(queryType: string, args: RawPayload[]): QueryOutcome {
    return JSON.parse(this.#handle.query(queryType, JSON.stringify(args))) as QueryOutcome;
  }

  #settle(): void {
    this.#sandbox.drainMicrotasks();
    while (this.#handle.tryUnblockConditions() > 0) this.#sandbox.drainMicrotasks();
  }
}
