/** What the cancellation tests share: their worker and environment, and the event kinds of a history. */
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from 'strata/testing';
import { DeterminismViolationError, Worker, type WorkerOptions } from 'strata/worker';
import { afterAll, beforeAll, expect } from 'vitest';
import type { History } from '../../src/gen/strata/v1/history_pb.js';
import { eventName } from '../../src/worker/replay/history-events.js';
import * as activities from './activities.js';

/** `ActivityTaskScheduled`, `TimerCanceled`, ...: the names of the history's events, workflow task events left out. */
export function eventNames(history: History): string[] {
  return history.events.map((e) => eventName(e)).filter((name) => !name.startsWith('WorkflowTask'));
}

/** Paths of the workflow modules of these tests, as `workflowsPath` takes them. */
export const workflowsPaths = {
  workflows: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
  changed: fileURLToPath(new URL('./workflows-changed.ts', import.meta.url)),
  local: fileURLToPath(new URL('./local-workflows.ts', import.meta.url)),
};

/**
 * Before the tests of a file: a time-skipping environment and a real worker running `workflowsPath` with the
 * fixture activities on `taskQueue`; after them, both are shut down. `env` is set once `beforeAll` has run.
 */
export function useWorker(options: Omit<WorkerOptions, 'connection'>): { env: TestWorkflowEnvironment } {
  const t = {} as { env: TestWorkflowEnvironment };
  let worker: Worker;
  let running: Promise<void>;
  beforeAll(async () => {
    t.env = await TestWorkflowEnvironment.createTimeSkipping();
    worker = await Worker.create({ connection: t.env.connection, activities, ...options });
    running = worker.run();
  });
  afterAll(async () => {
    worker.shutdown();
    await running;
    await t.env.teardown();
  });
  return t;
}

/** Replays `history` with the changed workflows; returns the non-determinism error's message (fails otherwise). */
export async function nondeterminismWithChangedCode(history: History): Promise<string> {
  const error = await Worker.runReplayHistory({ workflowsPath: workflowsPaths.changed }, history).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(DeterminismViolationError);
  return (error as Error).message;
}
