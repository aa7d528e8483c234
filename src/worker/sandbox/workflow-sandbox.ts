/**
 * The `node:vm` sandbox of a worker: ONE context per worker, the bundle compiled once; each run gets fresh
 * workflow module instances from the bundle's loader. The context runs with `microtaskMode: 'afterEvaluate'`:
 * its promise jobs run only when a script evaluates in it, so the host drains them explicitly and an
 * activation is fully processed, synchronously, before its commands are read.
 *
 * Two guards keep workflow code from harming the host: a deadline interrupts code that never yields, and the promise
 * rejections it leaves unhandled are collected per unit of work. Both are paid per batch, not per workflow task:
 * {@link WorkflowSandbox.runUnit} queues work, and the units queued by the next event-loop turn run back to back
 * under one deadline (arming one starts a thread, ~70 µs, far more on a busy machine).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import vm from 'node:vm';
import type { RawPayload } from '../../common/converter.js';
import { errorToFailure, type FailureShape } from '../../common/failure.js';
import type { VersioningBehavior } from '../../common/versioning.js';
import {
  type Activation,
  type ActivationCompletion,
  ASYNC_LOCAL_STORAGE_GLOBAL,
  type QueryOutcome,
  type RunInit,
} from '../../workflow/activation.js';
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
   * How long workflow code may run without returning before a deadline interrupts it.
   * @default 5000
   */
  executionTimeoutMs?: number;
}

/**
 * Work that calls into the sandbox, run under deadlines by {@link WorkflowSandbox.runUnit} or
 * {@link WorkflowSandbox.runNow}. `run()` checks {@link WorkflowSandbox.mayRunCode} before each call into workflow
 * code and returns `undefined` when it says no, to be called again under a new deadline. If a deadline interrupts
 * it, `interrupted()` gives (or throws) its outcome instead; the runs it touched stopped at an arbitrary point and
 * must be discarded.
 */
export interface SandboxWork<T> {
  run(): T | undefined;
  interrupted(): T;
}

/** What {@link WorkflowSandbox.runUnit} returns: the work's result and the rejections it left unhandled. */
export interface SandboxUnitResult<T> {
  result: T;
  unhandledRejections: FailureShape[];
}

/** True for the error `vm` throws when code ran past its deadline. */
function isExecutionTimeout(err: unknown): boolean {
  // Not `instanceof Error`: Node makes this error in the watchdog's realm.
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT'
  );
}

/**
 * A deadline gives the code `executionTimeoutMs` plus this much: code started within this long of arming it still
 * gets its full timeout, so consecutive activations share one deadline.
 */
const DEADLINE_SLICE_MS = 50;

/** The reason of the rejection that closes each unit; see {@link WorkflowSandbox.runUnit}. */
const FENCE = Object.freeze({ fence: 'strata' });

/**
 * Under `--unhandled-rejections=strict` Node raises every rejection as an uncaught exception before reporting it,
 * fences included. Units then run one per batch, and a unit's report is complete one event-loop turn later.
 */
const STRICT_REJECTIONS = unhandledRejectionsMode() === 'strict';

function unhandledRejectionsMode(): string | undefined {
  // Node reads NODE_OPTIONS first, then the command line; the last occurrence wins.
  const args = [...(process.env.NODE_OPTIONS ?? '').split(/\s+/), ...process.execArgv];
  let mode: string | undefined;
  for (const [i, arg] of args.entries()) {
    if (arg.startsWith('--unhandled-rejections=')) mode = arg.slice('--unhandled-rejections='.length);
    else if (arg === '--unhandled-rejections') mode = args[i + 1];
  }
  return mode;
}

type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

interface Unit {
  work: SandboxWork<unknown>;
  /** Rejections Node reported for this unit so far. */
  rejections: unknown[];
  resolve(result: SandboxUnitResult<unknown>): void;
  reject(error: unknown): void;
}

function attempt(fn: () => unknown): Outcome {
  try {
    return { ok: true, result: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

export class WorkflowSandbox {
  readonly hash: string;
  readonly workflowTypes: string[];
  /** The versioning behavior each workflow type declared with `setWorkflowOptions`, by type. */
  readonly versioningBehaviors: Readonly<Record<string, VersioningBehavior>>;
  readonly #context: vm.Context;
  readonly #drain = new vm.Script('void 0', { filename: 'strata-drain.js' });
  readonly #host: SandboxHost;
  readonly #loadWorkflows: () => Record<string, unknown>;
  readonly #promisePrototype: object;
  /** Rejects a promise of the context's realm, nobody handling it; taken before any workflow code could patch it. */
  readonly #rejectInContext: (reason: unknown) => void;
  /** A context of its own whose only job is to arm `vm`'s watchdog around host code calling into the sandbox. */
  readonly #watchdog = vm.createContext({ work: undefined as (() => unknown) | undefined });
  readonly #watchdogScript = new vm.Script('work()', { filename: 'strata-watchdog.js' });
  /** When the armed deadline stops taking new calls into workflow code; undefined while none is armed. */
  #sliceEndMs: number | undefined;
  /** Whether workflow code was called under the armed deadline yet. */
  #sliceUsed = false;
  /** Units waiting for the next batch. */
  #queued: Unit[] = [];
  /** Units that ran, in order, whose fence Node has not reported yet: what it reports now belongs to the first. */
  #unreported: { unit: Unit; outcome: Outcome }[] = [];
  #unroute: (() => void) | undefined;
  readonly executionTimeoutMs: number;

  private constructor(bundle: SandboxBundle, options: WorkflowSandboxOptions) {
    this.hash = bundle.hash;
    this.executionTimeoutMs = options.executionTimeoutMs ?? 5000;
    // Node's AsyncLocalStorage follows promises of every context: the runtime tracks the current cancellation
    // scope with it (cancellation-scope.ts) and removes it from the globals workflow code sees.
    this.#context = vm.createContext(
      { [ASYNC_LOCAL_STORAGE_GLOBAL]: AsyncLocalStorage },
      { name: 'strata-workflows', microtaskMode: 'afterEvaluate' },
    );
    this.#rejectInContext = vm.runInContext(
      '(() => { const reject = Promise.reject.bind(Promise); return (reason) => { reject(reason); }; })()',
      this.#context,
    ) as (reason: unknown) => void;
    this.#promisePrototype = vm.runInContext('Promise.prototype', this.#context) as object;
    new vm.Script(bundle.code, { filename: `workflow-bundle-${bundle.hash.slice(0, 16)}.js` }).runInContext(
      this.#context,
    );
    const globals = this.#context as {
      __strataHost: SandboxHost;
      __strataLoadWorkflows: () => Record<string, unknown>;
    };
    this.#host = globals.__strataHost;
    this.#loadWorkflows = globals.__strataLoadWorkflows;
    const listed = JSON.parse(this.#host.listWorkflowTypes(this.#loadWorkflows)) as {
      types: string[];
      behaviors: Record<string, VersioningBehavior>;
    };
    this.workflowTypes = listed.types;
    this.versioningBehaviors = listed.behaviors;
  }

  static create(bundle: SandboxBundle, options: WorkflowSandboxOptions = {}): WorkflowSandbox {
    return new WorkflowSandbox(bundle, options);
  }

  /** Creates a run: evaluates the workflow modules afresh for it (their top-level code runs now). Call it from work. */
  createRun(init: RunInit): SandboxRun {
    const handle = this.#host.createRun(JSON.stringify(init), this.#loadWorkflows);
    this.drainMicrotasks();
    return new SandboxRun(this, handle);
  }

  /**
   * Whether work may call into workflow code now: true when the armed deadline still gives it its full
   * `executionTimeoutMs` (always for the first call under a deadline). When false, the work returns `undefined`.
   */
  mayRunCode(): boolean {
    if (this.#sliceUsed && performance.now() > (this.#sliceEndMs ?? 0)) return false;
    this.#sliceUsed = true;
    return true;
  }

  /**
   * Runs `work` in the next batch and resolves with its result and the promise rejections it left unhandled (a
   * rejection handled before the work returned is not one); rejects if the work threw.
   *
   * Node reports unhandled rejections once the current macrotask's microtasks have run, in the order the promises
   * were rejected. After each unit the batch rejects one more promise of the context, a fence: what Node reports
   * before a unit's fence is that unit's, and the fence arriving means its report is complete. So units share a
   * batch and the batch's event-loop turn, and each rejection is still charged to the unit that made it.
   */
  runUnit<T>(work: SandboxWork<T>): Promise<SandboxUnitResult<T>> {
    return new Promise((resolve, reject) => {
      const unit: Unit = { work, rejections: [], resolve: resolve as Unit['resolve'], reject };
      if (this.#queued.push(unit) === 1) setImmediate(() => this.#runBatch());
    });
  }

  /** Runs `work` now, synchronously, without collecting its unhandled rejections; for offline tools. */
  runNow<T>(work: SandboxWork<T>): T {
    for (;;) {
      let result: T | undefined;
      try {
        result = this.#withDeadline(() => work.run());
      } catch (err) {
        if (isExecutionTimeout(err)) return work.interrupted();
        throw err;
      }
      if (result !== undefined) return result;
    }
  }

  #runBatch(): void {
    const units = this.#queued.splice(0, STRICT_REJECTIONS ? 1 : this.#queued.length);
    this.#unroute ??= routeUnhandledRejections(this.#promisePrototype, (reason) => this.#reported(reason));
    let next = 0;
    while (next < units.length) {
      try {
        this.#withDeadline(() => {
          for (; next < units.length; next++) {
            const unit = units[next]!;
            const outcome = attempt(() => unit.work.run());
            if (outcome.ok && outcome.result === undefined) return; // wants a new deadline: run it again under one
            this.#fence(unit, outcome);
          }
        });
      } catch (err) {
        // The deadline interrupted the unit running (work's own errors are caught above).
        const unit = units[next++]!;
        this.#fence(
          unit,
          isExecutionTimeout(err) ? attempt(() => unit.work.interrupted()) : { ok: false, error: err },
        );
      }
    }
    if (this.#queued.length > 0) setImmediate(() => this.#runBatch());
  }

  #fence(unit: Unit, outcome: Outcome): void {
    this.#unreported.push({ unit, outcome });
    if (STRICT_REJECTIONS) setImmediate(() => this.#reported(FENCE));
    else this.#rejectInContext(FENCE);
  }

  /** Receives the context's unhandled rejections, fences included, in the order they were made. */
  #reported(reason: unknown): void {
    const head = this.#unreported[0];
    if (head === undefined) return;
    const { unit, outcome } = head;
    if (reason !== FENCE) {
      unit.rejections.push(reason);
      return;
    }
    this.#unreported.shift();
    if (this.#unreported.length === 0) {
      this.#unroute?.();
      this.#unroute = undefined;
    }
    if (!outcome.ok) unit.reject(outcome.error);
    else
      unit.resolve({
        result: outcome.result,
        unhandledRejections: unit.rejections.map((r) => this.failureOf(r)),
      });
  }

  /**
   * Runs `work` under a new deadline of `executionTimeoutMs` plus {@link DEADLINE_SLICE_MS}: past it everything
   * running is terminated (microtasks included, and the ones still queued are dropped) and an error for which
   * {@link isExecutionTimeout} is true is thrown.
   */
  #withDeadline<T>(work: () => T): T {
    const watchdog = this.#watchdog as { work: (() => unknown) | undefined };
    watchdog.work = work;
    this.#sliceEndMs = performance.now() + DEADLINE_SLICE_MS;
    this.#sliceUsed = false;
    try {
      return this.#watchdogScript.runInContext(this.#watchdog, {
        timeout: Math.ceil(this.executionTimeoutMs + DEADLINE_SLICE_MS),
      }) as T;
    } finally {
      watchdog.work = undefined;
      this.#sliceEndMs = undefined;
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
