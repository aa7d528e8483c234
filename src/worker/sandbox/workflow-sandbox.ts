/**
 * The `node:vm` sandbox of a worker: ONE context per worker, the bundle compiled once; each run gets fresh
 * workflow module instances from the bundle's loader. The context runs with `microtaskMode: 'afterEvaluate'`:
 * its promise jobs run only when a script evaluates in it, so the host drains them explicitly and an
 * activation is fully processed, synchronously, before its commands are read.
 */
import vm from 'node:vm';
import type { RawPayload } from '../../common/converter.js';
import { errorToFailure } from '../../common/failure.js';
import type { Activation, ActivationCompletion, QueryOutcome, RunInit } from '../../workflow/activation.js';
import type { SandboxRunHandle } from '../../workflow/worker-interface.js';

interface SandboxHost {
  createRun(initJson: string, loadWorkflows: () => Record<string, unknown>): SandboxRunHandle;
  listWorkflowTypes(loadWorkflows: () => Record<string, unknown>): string;
}

export interface SandboxBundle {
  code: string;
  hash: string;
}

export class WorkflowSandbox {
  readonly hash: string;
  readonly workflowTypes: string[];
  readonly #context: vm.Context;
  readonly #drain = new vm.Script('void 0', { filename: 'strata-drain.js' });
  readonly #host: SandboxHost;
  readonly #loadWorkflows: () => Record<string, unknown>;

  private constructor(bundle: SandboxBundle) {
    this.hash = bundle.hash;
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
    this.workflowTypes = JSON.parse(this.#host.listWorkflowTypes(this.#loadWorkflows)) as string[];
  }

  static create(bundle: SandboxBundle): WorkflowSandbox {
    return new WorkflowSandbox(bundle);
  }

  /** Creates a run: evaluates the workflow modules afresh for it (their top-level code runs now). */
  createRun(init: RunInit): SandboxRun {
    const handle = this.#host.createRun(JSON.stringify(init), this.#loadWorkflows);
    this.drainMicrotasks();
    return new SandboxRun(this, handle);
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
    return { kind: 'failed', failure: errorToFailure(crash), logs: completion.logs };
  }

  query(queryType: string, args: RawPayload[]): QueryOutcome {
    return JSON.parse(this.#handle.query(queryType, JSON.stringify(args))) as QueryOutcome;
  }

  #settle(): void {
    this.#sandbox.drainMicrotasks();
    while (this.#handle.tryUnblockConditions() > 0) this.#sandbox.drainMicrotasks();
  }
}
