import { hostname } from 'node:os';
import type { Client } from '@connectrpc/connect';
import { type Duration, msFromDuration } from '../common/duration.js';
import { DefaultLogger, type Logger } from '../common/logger.js';
import type { WorkflowService } from '../gen/strata/v1/service_pb.js';
import {
  type CompiledDeployment,
  compileDeploymentOptions,
  type WorkerDeploymentOptions,
} from './deployment-options.js';
import type { WorkflowBundle } from './sandbox/bundler.js';

/** What a worker needs from a connection: the raw RPC client. A `Connection` from `strata/client` fits. */
export interface WorkerConnection {
  readonly workflowService: Client<typeof WorkflowService>;
}

/**
 * An activity implementation: any function, sync or async. Its arguments and result must be plain data
 * (they travel as JSON).
 */
export type ActivityFunction = (...args: never[]) => unknown;

/** Options of {@link Worker.create}. */
export interface WorkerOptions {
  /**
   * The connection to the server, e.g. `await Connection.connect({ address })` from `strata/client`.
   * @default a connection to `STRATA_ADDRESS` when that variable is set (the worker closes it on shutdown)
   */
  connection?: WorkerConnection;
  /**
   * The namespace the worker polls.
   * @default `STRATA_NAMESPACE` when set, else 'default'
   */
  namespace?: string;
  /**
   * The worker deployment version this worker runs, and whether the server routes tasks to it by version
   * (docs/worker-versioning.md). Without it, `STRATA_DEPLOYMENT_NAME` and `STRATA_WORKER_BUILD_ID` (both
   * set) turn versioning on, with `STRATA_DEFAULT_VERSIONING_BEHAVIOR` as the default behavior.
   * @default an unversioned worker
   */
  workerDeploymentOptions?: WorkerDeploymentOptions;
  /** The task queue the worker polls for workflow and activity tasks. Required. */
  taskQueue: string;
  /**
   * Path of the module (TypeScript or JavaScript) that exports the workflow functions. It is bundled when
   * the worker is created, so import errors surface from `Worker.create`. Omit it for an activity-only worker.
   */
  workflowsPath?: string;
  /**
   * A bundle built ahead of time with `bundleWorkflowCode({ workflowsPath })`, instead of `workflowsPath`
   * (e.g. built once in CI, or shared by several workers in one process).
   */
  workflowBundle?: WorkflowBundle;
  /**
   * The activities this worker runs, by activity type, e.g. `import * as activities from './activities.js'`.
   * Omit it for a workflow-only worker. Properties that are not functions are ignored.
   */
  activities?: object;
  /**
   * A name for this worker process, shown in histories (`identity` of started events) and `describe`.
   * @default `${process.pid}@${os.hostname()}`
   */
  identity?: string;
  /**
   * How many workflow tasks run at once. Capped by `maxCachedWorkflows` when the cache is on, so a run
   * being worked on is never evicted; at least 2 with the cache on (one poll per queue).
   * @default 40
   */
  maxConcurrentWorkflowTaskExecutions?: number;
  /**
   * How many activity attempts run at once; the worker polls for more only while below this.
   * @default 100
   */
  maxConcurrentActivityTaskExecutions?: number;
  /**
   * How many long polls for workflow tasks are open at once (split between the task queue and the
   * worker's sticky queue). Capped by `maxConcurrentWorkflowTaskExecutions`.
   * @default 10
   */
  maxConcurrentWorkflowTaskPolls?: number;
  /**
   * How many long polls for activity tasks are open at once. Capped by `maxConcurrentActivityTaskExecutions`.
   * @default 10
   */
  maxConcurrentActivityTaskPolls?: number;
  /**
   * Turns off eager activity execution. By default, when a workflow task schedules activities that this
   * worker runs (registered here, on its task queue) and activity slots are free, the worker asks the
   * server to start up to 3 of them at once and return them with its workflow task completion, saving
   * the activity poll (and its latency) for each; the rest are polled as usual. The same name as in
   * Temporal's SDKs.
   * @default false
   */
  disableEagerActivityExecution?: boolean;
  /**
   * How many workflow runs the worker keeps in memory between tasks. A cached run receives only new events
   * (through the worker's sticky queue) instead of replaying its whole history. 0 turns the cache and the
   * sticky queue off.
   * @default 1000
   */
  maxCachedWorkflows?: number;
  /**
   * How long workflow code may run in one activation without yielding (an infinite loop, a long synchronous
   * computation) before the worker interrupts it: the workflow task fails with a `[DEADLOCK]` error ("potential
   * deadlock detected"), the run is evicted, and the worker goes on serving other runs. The same name and default
   * as in Temporal's TypeScript SDK.
   * @default '5s'
   */
  isolateExecutionTimeout?: Duration;
  /**
   * How long the server waits for this worker to pick up a task on its sticky queue before handing it to
   * any worker on the normal queue.
   * @default '5s'
   */
  stickyQueueScheduleToStartTimeout?: Duration;
  /**
   * On shutdown, how long running activities may go on before their cancellation signal is aborted
   * (with reason `WORKER_SHUTDOWN`). In-flight workflow tasks always finish.
   * @default '10s'
   */
  shutdownGraceTime?: Duration;
  /**
   * Process signals that make a running worker shut down gracefully. Handlers are installed while the
   * worker runs and removed afterwards. Pass `[]` to handle signals yourself.
   * @default ['SIGINT', 'SIGTERM']
   */
  shutdownSignals?: NodeJS.Signals[];
  /**
   * The longest the worker waits before sending a recorded heartbeat, when the activity has a heartbeat
   * timeout (heartbeats are sent at most every 80% of that timeout, and no less often than this).
   * @default '60s'
   */
  maxHeartbeatThrottleInterval?: Duration;
  /**
   * How often heartbeats are sent at most, for activities without a heartbeat timeout.
   * @default '30s'
   */
  defaultHeartbeatThrottleInterval?: Duration;
  /**
   * Where the worker and activities log. Implement {@link Logger} to use your own.
   * @default new DefaultLogger() — stderr at INFO (OFF under Vitest; `STRATA_LOG_LEVEL` overrides)
   */
  logger?: Logger;
}

/** Thrown by {@link Worker.create} when an option is missing or invalid; the message names the option. */
export class WorkerOptionsError extends TypeError {
  override name = 'WorkerOptionsError';
}

/** The options after defaults are applied and durations converted, as the worker uses them. */
export interface CompiledWorkerOptions {
  connection: WorkerConnection;
  namespace: string;
  /** Undefined for a worker without deployment options. */
  deployment: CompiledDeployment | undefined;
  taskQueue: string;
  workflowsPath: string | undefined;
  workflowBundle: WorkflowBundle | undefined;
  activities: ReadonlyMap<string, ActivityFunction>;
  identity: string;
  maxConcurrentWorkflowTaskExecutions: number;
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentWorkflowTaskPolls: number;
  maxConcurrentActivityTaskPolls: number;
  disableEagerActivityExecution: boolean;
  maxCachedWorkflows: number;
  isolateExecutionTimeoutMs: number;
  stickyQueueScheduleToStartTimeoutMs: number;
  shutdownGraceTimeMs: number;
  shutdownSignals: readonly NodeJS.Signals[];
  maxHeartbeatThrottleIntervalMs: number;
  defaultHeartbeatThrottleIntervalMs: number;
  logger: Logger;
}

/** Applies defaults and validates; throws a {@link WorkerOptionsError} that names the bad option. */
export function compileWorkerOptions(
  options: WorkerOptions,
  env: NodeJS.ProcessEnv = process.env,
): CompiledWorkerOptions {
  if (typeof options !== 'object' || options === null) {
    fail('Worker.create needs an options object: Worker.create({ connection, taskQueue, workflowsPath })');
  }
  const connection = options.connection;
  if (connection?.workflowService === undefined) {
    fail(
      'connection is required: pass `await Connection.connect({ address })` from strata/client, or set STRATA_ADDRESS',
    );
  }
  const taskQueue = nonEmptyString(options.taskQueue, 'taskQueue', "the task queue to poll, e.g. 'orders'");
  const namespace =
    options.namespace === undefined
      ? env.STRATA_NAMESPACE || 'default'
      : nonEmptyString(options.namespace, 'namespace', 'a name');
  if (options.workflowsPath !== undefined) nonEmptyString(options.workflowsPath, 'workflowsPath', 'a path');
  if (options.workflowBundle !== undefined) {
    if (options.workflowsPath !== undefined) fail('pass workflowsPath or workflowBundle, not both');
    if (typeof options.workflowBundle?.code !== 'string') {
      fail('workflowBundle must be what bundleWorkflowCode({ workflowsPath }) returned');
    }
  }
  const hasWorkflows = options.workflowsPath !== undefined || options.workflowBundle !== undefined;
  const activities = activityMap(options.activities);
  if (!hasWorkflows && activities.size === 0) {
    fail(
      'the worker has nothing to run: pass workflowsPath (a module exporting workflows), activities ' +
        '(an object of activity functions), or both',
    );
  }
  const maxCachedWorkflows = count(options.maxCachedWorkflows, 'maxCachedWorkflows', 1000, 0);
  const workflowExecutions = count(
    options.maxConcurrentWorkflowTaskExecutions,
    'maxConcurrentWorkflowTaskExecutions',
    40,
  );
  const maxConcurrentWorkflowTaskExecutions =
    maxCachedWorkflows > 0 ? Math.min(workflowExecutions, maxCachedWorkflows) : workflowExecutions;
  if (maxCachedWorkflows > 0 && maxConcurrentWorkflowTaskExecutions < 2 && hasWorkflows) {
    // Each open poll holds an execution slot: with one slot, a poll idling on the sticky queue would keep
    // new runs on the task queue waiting.
    fail(
      'with the workflow cache on, maxConcurrentWorkflowTaskExecutions and maxCachedWorkflows must both be ' +
        'at least 2 (one poll on the task queue, one on the sticky queue); set maxCachedWorkflows: 0 to run ' +
        'one workflow task at a time without a cache',
    );
  }
  const maxConcurrentActivityTaskExecutions = count(
    options.maxConcurrentActivityTaskExecutions,
    'maxConcurrentActivityTaskExecutions',
    100,
  );
  return {
    connection,
    namespace,
    deployment: compileDeploymentOptions(options.workerDeploymentOptions, env, fail),
    taskQueue,
    workflowsPath: options.workflowsPath,
    workflowBundle: options.workflowBundle,
    activities,
    identity:
      options.identity === undefined
        ? `${process.pid}@${hostname()}`
        : nonEmptyString(options.identity, 'identity', 'a name'),
    maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskPolls: Math.min(
      count(options.maxConcurrentWorkflowTaskPolls, 'maxConcurrentWorkflowTaskPolls', 10),
      maxConcurrentWorkflowTaskExecutions,
    ),
    maxConcurrentActivityTaskPolls: Math.min(
      count(options.maxConcurrentActivityTaskPolls, 'maxConcurrentActivityTaskPolls', 10),
      maxConcurrentActivityTaskExecutions,
    ),
    disableEagerActivityExecution: flag(
      options.disableEagerActivityExecution,
      'disableEagerActivityExecution',
    ),
    maxCachedWorkflows,
    isolateExecutionTimeoutMs: positive(
      durationMs(options.isolateExecutionTimeout, 'isolateExecutionTimeout', '5s'),
      'isolateExecutionTimeout',
    ),
    stickyQueueScheduleToStartTimeoutMs: durationMs(
      options.stickyQueueScheduleToStartTimeout,
      'stickyQueueScheduleToStartTimeout',
      '5s',
    ),
    shutdownGraceTimeMs: durationMs(options.shutdownGraceTime, 'shutdownGraceTime', '10s'),
    shutdownSignals: signals(options.shutdownSignals),
    maxHeartbeatThrottleIntervalMs: durationMs(
      options.maxHeartbeatThrottleInterval,
      'maxHeartbeatThrottleInterval',
      '60s',
    ),
    defaultHeartbeatThrottleIntervalMs: durationMs(
      options.defaultHeartbeatThrottleInterval,
      'defaultHeartbeatThrottleInterval',
      '30s',
    ),
    logger: options.logger ?? new DefaultLogger(),
  };
}

function fail(message: string): never {
  throw new WorkerOptionsError(`[INVALID_WORKER_OPTIONS] ${message}`);
}

function nonEmptyString(value: unknown, name: string, hint: string): string {
  if (value === undefined) fail(`${name} is required: pass ${hint}`);
  if (typeof value !== 'string' || value.trim() === '') {
    fail(`${name} must be a non-empty string, got ${JSON.stringify(value)}: pass ${hint}`);
  }
  return value;
}

function count(value: number | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    fail(`${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function flag(value: boolean | undefined, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') fail(`${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function durationMs(value: Duration | undefined, name: string, fallback: Duration): number {
  try {
    return msFromDuration(value ?? fallback);
  } catch (err) {
    fail(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function signals(value: NodeJS.Signals[] | undefined): readonly NodeJS.Signals[] {
  if (value === undefined) return ['SIGINT', 'SIGTERM'];
  if (
    !Array.isArray(value) ||
    value.some((signal) => typeof signal !== 'string' || !signal.startsWith('SIG'))
  ) {
    fail(`shutdownSignals must be an array of signal names such as 'SIGTERM', got ${JSON.stringify(value)}`);
  }
  return value;
}

function activityMap(activities: object | undefined): ReadonlyMap<string, ActivityFunction> {
  const map = new Map<string, ActivityFunction>();
  if (activities === undefined) return map;
  if (typeof activities !== 'object' || activities === null) {
    fail(`activities must be an object of functions, got ${typeof activities}`);
  }
  // A module namespace (`import * as activities`) may also export constants: only functions are activities.
  for (const [name, fn] of Object.entries(activities)) {
    if (typeof fn === 'function') map.set(name, fn as ActivityFunction);
  }
  return map;
}

function positive(ms: number, name: string): number {
  if (ms <= 0) fail(`${name} must be more than 0 ms, got ${ms}`);
  return ms;
}
