/**
 * The sandbox side of the host/sandbox seam. The host calls these functions with JSON text and plain
 * values only, and drains the context's microtasks between calls (the context runs with
 * `microtaskMode: 'afterEvaluate'`), so an activation is fully processed when `concludeActivation` returns.
 */

import { decodeValues, type RawPayload } from '../common/converter.js';
import { errorToFailure } from '../common/failure.js';
import type { Activation, RunInit } from './activation.js';
import { Activator } from './activator.js';
import { setCurrentActivator } from './global-state.js';
import { workflowDefinitionOptions } from './workflow-options.js';

/** A run as the host sees it. Methods that take or return structured data use JSON text. */
export interface SandboxRunHandle {
  beginActivation(activationJson: string): void;
  applyNextJob(): boolean;
  tryUnblockConditions(): number;
  /** Returns the `ActivationCompletion` as JSON and detaches the run from the runtime. */
  concludeActivation(): string;
  /** Returns a `QueryOutcome` as JSON. */
  query(queryType: string, argsJson: string): string;
}

/** Creates a run: evaluates its own instance of the workflow modules through `loadWorkflows`. */
export function createRun(initJson: string, loadWorkflows: () => Record<string, unknown>): SandboxRunHandle {
  const activator = new Activator(JSON.parse(initJson) as RunInit);
  setCurrentActivator(activator);
  try {
    activator.loadWorkflows(loadWorkflows);
  } finally {
    setCurrentActivator(undefined);
  }
  return {
    beginActivation(activationJson) {
      setCurrentActivator(activator);
      activator.beginActivation(JSON.parse(activationJson) as Activation);
    },
    applyNextJob: () => activator.applyNextJob(),
    tryUnblockConditions: () => activator.tryUnblockConditions(),
    concludeActivation() {
      try {
        return JSON.stringify(activator.concludeActivation());
      } finally {
        setCurrentActivator(undefined);
      }
    },
    query(queryType, argsJson) {
      setCurrentActivator(activator);
      try {
        return JSON.stringify(activator.query(queryType, decodeValues(JSON.parse(argsJson) as RawPayload[])));
      } finally {
        setCurrentActivator(undefined);
      }
    },
  };
}

/**
 * The workflow types a bundle exports (its exported functions, read from a throwaway run), with the
 * versioning behavior each declared with `setWorkflowOptions`: JSON of `{ types, behaviors }`.
 */
export function listWorkflowTypes(loadWorkflows: () => Record<string, unknown>): string {
  const probe = new Activator({
    workflowId: 'probe',
    runId: 'probe',
    workflowType: '',
    taskQueue: '',
    namespace: '',
    attempt: 1,
    startTimeMs: 0,
    runStartTimeMs: 0,
    firstExecutionRunId: 'probe',
    randomnessSeed: 0,
  });
  setCurrentActivator(probe);
  try {
    const exports = loadWorkflows();
    const types = Object.keys(exports).filter((name) => typeof exports[name] === 'function');
    const behaviors: Record<string, string> = {};
    for (const name of types) {
      const behavior = workflowDefinitionOptions(exports[name])?.versioningBehavior;
      if (behavior) behaviors[name] = behavior;
    }
    return JSON.stringify({ types, behaviors });
  } finally {
    setCurrentActivator(undefined);
  }
}

/**
 * A value thrown or rejected in the sandbox as a `FailureShape` in JSON: converted here, where the sandbox's own
 * error classes (and their stacks) are recognised, which the host realm's `instanceof` checks would not do.
 */
export function failureOf(value: unknown): string {
  return JSON.stringify(errorToFailure(value));
}
