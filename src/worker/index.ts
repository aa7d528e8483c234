/**
 * `strata/worker`: the process that runs your workflows and activities. A {@link Worker} long-polls one
 * task queue of a Strata server, runs workflow code in a deterministic sandbox (replaying it from history
 * when the run is not in its cache), runs activities with their `strata/activity` context, and reports
 * the outcomes.
 *
 * ```ts
 * import { Connection } from 'strata/client';
 * import { Worker } from 'strata/worker';
 * import * as activities from './activities.js';
 *
 * const connection = await Connection.connect({ address: '127.0.0.1:7233' });
 * const worker = await Worker.create({
 *   connection,
 *   taskQueue: 'orders',
 *   workflowsPath: new URL('./workflows.ts', import.meta.url).pathname,
 *   activities,
 * });
 * await worker.run(); // until SIGINT / SIGTERM or worker.shutdown()
 * connection.close();
 * ```
 *
 * Porting from Temporal: replace `@temporalio/worker` with `strata/worker`; `NativeConnection` becomes
 * `Connection` from `strata/client`.
 * @module
 */
export type { Duration } from '../common/duration.js';
export {
  DefaultLogger,
  type LogEntry,
  type Logger,
  type LogLevel,
  type LogMetadata,
} from '../common/logger.js';
export type { WorkerDeploymentOptions } from './deployment-options.js';
export { WorkerPollError } from './poll-loop.js';
export { DeterminismViolationError, ReplayError } from './replay/errors.js';
export type { HistoryInput } from './replay/history-json.js';
export type { ReplayHistoriesItem, ReplayResult, ReplayWorkerOptions } from './replay/replay-history.js';
export {
  type BundleOptions,
  bundleWorkflowCode,
  type WorkflowBundle,
  WorkflowBundleError,
} from './sandbox/bundler.js';
export { IllegalStateError, type State, Worker, type WorkerStatus, WorkerStoppedError } from './worker.js';
export {
  type ActivityFunction,
  type CompiledWorkerOptions,
  type WorkerConnection,
  type WorkerOptions,
  WorkerOptionsError,
} from './worker-options.js';
