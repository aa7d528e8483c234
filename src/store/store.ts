/**
 * The persistence port of the engine. Adapters (SQLite, PostgreSQL) implement it; the engine never
 * sees SQL. Every method is async so a networked database fits, and every change to an execution goes
 * through one transaction that checks the execution's `version` (optimistic concurrency: several
 * server processes may share one database). Claims of tasks and timers are atomic in the database.
 */
import type { BatchOperationReads, BatchOperationTransaction } from './batch-operations.js';
import type { StoreCluster } from './cluster.js';
import type { VisibilityFilter, VisibilityOrder } from './visibility-filter.js';

/** One row of the executions table; `state` is the engine's opaque mutable state (JSON). */
export interface ExecutionRecord {
  namespace: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  /** WorkflowExecutionStatus number. */
  status: number;
  startTimeMs: number;
  closeTimeMs: number;
  historyLength: number;
  /** True while a workflow or activity task is queued or running (time skipping waits for idle). */
  busy: boolean;
  startRequestId: string;
  version: number;
  state: string;
}

export interface StoredEvent {
  eventId: number;
  data: Uint8Array;
}

export type TaskKind = 'workflow' | 'activity';

export interface NewTask {
  namespace: string;
  taskQueue: string;
  kind: TaskKind;
  runId: string;
  scheduledEventId: number;
  attempt: number;
  /** The workers that may take it: a version `deployment:buildId`, or '' (the default) for unversioned workers. */
  version?: string;
  /** True when routing changes leave its version as it is (pinned workflows, sticky queues). */
  pinned?: boolean;
  /** The workflow id's ramp bucket (0-99, V3), for re-routing an unpinned task when the routing changes. */
  rampBucket?: number;
}

export interface TaskRecord extends NewTask {
  id: number;
}

/** A durable deadline. `key` is unique per run, so setting a timer with a used key replaces it. */
export interface NewTimer {
  namespace: string;
  runId: string;
  key: string;
  dueMs: number;
  /** Free-form data for the engine, e.g. the attempt the timer belongs to. */
  payload: string;
}

export interface TimerRecord extends NewTimer {
  id: number;
}

/**
 * A custom search attribute registered in a namespace. `type` is the engine's type name ("Keyword",
 * "Int", ...); the store keeps it without interpreting it.
 */
export interface SearchAttributeDefinition {
  name: string;
  type: string;
}

/**
 * One indexed value of a run's search attribute, what list and count filter on. An attribute may have
 * several (one per element of a KeywordList, one per word of a Text). Strings compare as text and
 * numbers as numbers; the engine turns booleans and times into numbers.
 */
export interface IndexedSearchAttribute {
  name: string;
  value: string | number;
}

/** A worker deployment and its routing (V2). Build ids are '' for none (current: unversioned workers). */
export interface DeploymentRecord {
  namespace: string;
  name: string;
  createTimeMs: number;
  currentBuildId: string;
  rampingBuildId: string;
  /** 0-100. */
  rampingPercentage: number;
  currentChangedMs: number;
  rampingChangedMs: number;
  rampingPercentageChangedMs: number;
  /** Grows with each routing change: the conflict token. */
  revision: number;
  lastModifierIdentity: string;
}

/**
 * A version of a deployment. `openPinned` is the exact count of open workflows pinned to it (V8), kept
 * by `adjustOpenPinned` only; `putDeploymentVersion` leaves it and `hadPinned` as they are.
 */
export interface DeploymentVersionRecord {
  namespace: string;
  deploymentName: string;
  buildId: string;
  createTimeMs: number;
  openPinned: number;
  /** True once any workflow was pinned to it. */
  hadPinned: boolean;
  /** When `openPinned` last moved between zero and non-zero, or the engine marked a routing change. */
  drainageChangedMs: number;
  /** 0 when not current / not ramping / never. */
  currentSinceMs: number;
  rampingSinceMs: number;
  firstActivationMs: number;
  lastDeactivationMs: number;
}

export interface VersionTaskQueue {
  namespace: string;
  deploymentName: string;
  buildId: string;
  taskQueue: string;
  kind: TaskKind;
}

/** A worker polling a queue; deployment name and build id are '' for an unversioned worker. */
export interface PollerRecord {
  namespace: string;
  taskQueue: string;
  kind: TaskKind;
  identity: string;
  deploymentName: string;
  buildId: string;
  lastAccessMs: number;
}

/** How a deployment routes unpinned tasks: to `ramping` when the ramp bucket < percentage, else `current`. */
export interface TaskRoute {
  /** Versions as `deployment:buildId`; '' for unversioned workers / no ramp. */
  current: string;
  ramping: string;
  percentage: number;
}

export interface ExecutionWrite {
  status: number;
  closeTimeMs: number;
  historyLength: number;
  busy: boolean;
  state: string;
  events: StoredEvent[];
  tasks: NewTask[];
  timers: NewTimer[];
  deleteTimerKeys: string[];
  /** Removes every queued task and timer of the run (used when it closes). */
  dropTasksAndTimers: boolean;
  /** When set, replaces all the indexed search attribute values of the run; absent leaves them as they are. */
  searchAttributes?: IndexedSearchAttribute[];
}

export interface ExecutionUpdate extends ExecutionWrite {
  namespace: string;
  runId: string;
  /** The version read; the update fails with ConcurrencyConflictError if the row changed since. */
  expectedVersion: number;
}

export interface NewExecution extends ExecutionWrite {
  namespace: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  startTimeMs: number;
  startRequestId: string;
}

export interface ListPage {
  records: ExecutionRecord[];
  /** Opaque cursor for the next page, absent on the last page. */
  nextCursor?: string;
}

/** Operations available inside one transaction. */
export interface StoreTransaction extends BatchOperationTransaction {
  getExecution(namespace: string, runId: string): Promise<ExecutionRecord | undefined>;
  /** The running execution of a workflow id, else the one started last. */
  findLatestExecution(namespace: string, workflowId: string): Promise<ExecutionRecord | undefined>;
  /** Fails with ExecutionAlreadyRunningError if the workflow id has a running execution. */
  insertExecution(execution: NewExecution): Promise<void>;
  /** Fails with ConcurrencyConflictError if the version changed. Returns the new version. */
  updateExecution(update: ExecutionUpdate): Promise<number>;
  /** Atomically takes the oldest task of a queue for the workers of `version` ('' = unversioned) off it. */
  claimTask(
    namespace: string,
    taskQueue: string,
    kind: TaskKind,
    version: string,
  ): Promise<TaskRecord | undefined>;
  /** Atomically takes a timer; false if another process fired it or it was replaced or deleted. */
  claimTimer(id: number): Promise<boolean>;
  readHistory(namespace: string, runId: string, fromEventId: number, limit: number): Promise<StoredEvent[]>;
  listSearchAttributes(namespace: string): Promise<SearchAttributeDefinition[]>;
  /** Registers an attribute, or changes the type of a registered one. */
  putSearchAttribute(namespace: string, definition: SearchAttributeDefinition): Promise<void>;
  /** Unregisters an attribute and drops its indexed values from every run; false if it was not registered. */
  deleteSearchAttribute(namespace: string, name: string): Promise<boolean>;

  listDeployments(namespace: string): Promise<DeploymentRecord[]>;
  getDeployment(namespace: string, name: string): Promise<DeploymentRecord | undefined>;
  /** Inserts or replaces the deployment row. */
  putDeployment(record: DeploymentRecord): Promise<void>;
  /** Deletes the deployment with its versions, their task queues and their pollers. */
  deleteDeployment(namespace: string, name: string): Promise<void>;
  listDeploymentVersions(namespace: string, deploymentName: string): Promise<DeploymentVersionRecord[]>;
  getDeploymentVersion(
    namespace: string,
    deploymentName: string,
    buildId: string,
  ): Promise<DeploymentVersionRecord | undefined>;
  /** Inserts the version, or updates its times; never touches `openPinned` / `hadPinned` of a stored row. */
  putDeploymentVersion(record: DeploymentVersionRecord): Promise<void>;
  /** Deletes the version with its task queues and pollers. */
  deleteDeploymentVersion(namespace: string, deploymentName: string, buildId: string): Promise<void>;
  /**
   * Adds `delta` to the version's open pinned count, atomically (concurrent transactions never lose a
   * change). When the count moves between zero and non-zero, `drainageChangedMs` becomes `nowMs`; a
   * positive delta sets `hadPinned`. Creates the version row (createTime `nowMs`) if missing. Returns
   * the new count.
   */
  adjustOpenPinned(
    namespace: string,
    deploymentName: string,
    buildId: string,
    delta: number,
    nowMs: number,
  ): Promise<number>;
  /** Records that a version's workers poll a queue (idempotent). */
  addVersionTaskQueue(queue: VersionTaskQueue): Promise<void>;
  /** The queues of a version, or of every version of the deployment when `buildId` is omitted. */
  listVersionTaskQueues(
    namespace: string,
    deploymentName: string,
    buildId?: string,
  ): Promise<VersionTaskQueue[]>;
  /**
   * The deployments with a version polling this queue. PostgreSQL reads them FOR SHARE, so a routing
   * change (which updates the row) and a task routed by the old routing cannot interleave.
   */
  deploymentsOfTaskQueue(namespace: string, taskQueue: string, kind: TaskKind): Promise<DeploymentRecord[]>;
  /** Re-routes the queued unpinned tasks of these queues by `route`; returns how many moved. */
  rerouteTasks(
    namespace: string,
    queues: ReadonlyArray<{ taskQueue: string; kind: TaskKind }>,
    route: TaskRoute,
  ): Promise<number>;
  /** Gives every queued task of a run this version and pinning (an override moved it: V5). */
  retargetRunTasks(
    namespace: string,
    runId: string,
    version: string,
    pinned: boolean,
    /** Only the run's tasks of this queue; all of them when omitted. */
    queue?: { taskQueue: string; kind: TaskKind },
  ): Promise<void>;
  /** Inserts or refreshes a poller. */
  recordPoller(poller: PollerRecord): Promise<void>;
  /** Pollers seen at or after `sinceMs`, optionally of one queue and/or one version. */
  listPollers(
    namespace: string,
    filter: { sinceMs: number; taskQueue?: string; deploymentName?: string; buildId?: string },
  ): Promise<PollerRecord[]>;
  /** Forgets a worker's pollers (it shut down). */
  deletePollers(namespace: string, identity: string): Promise<void>;
}

export interface Store extends BatchOperationReads {
  transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  getExecution(namespace: string, runId: string): Promise<ExecutionRecord | undefined>;
  findLatestExecution(namespace: string, workflowId: string): Promise<ExecutionRecord | undefined>;
  readHistory(namespace: string, runId: string, fromEventId: number, limit: number): Promise<StoredEvent[]>;
  readLastEvent(namespace: string, runId: string): Promise<StoredEvent | undefined>;
  listExecutions(
    namespace: string,
    filter: VisibilityFilter | undefined,
    pageSize: number,
    cursor: string | undefined,
    /** @default start time, newest first */
    order?: VisibilityOrder,
  ): Promise<ListPage>;
  countExecutions(namespace: string, filter: VisibilityFilter | undefined): Promise<number>;
  /** The custom search attributes registered in a namespace, by name. */
  listSearchAttributes(namespace: string): Promise<SearchAttributeDefinition[]>;
  dueTimers(nowMs: number, limit: number): Promise<TimerRecord[]>;
  nextTimerDueMs(): Promise<number | undefined>;
  /** True if any running execution has a workflow or activity task queued or running. */
  hasBusyExecutions(): Promise<boolean>;
  /** Present when several server processes share the database and hear of each other's commits. */
  readonly cluster?: StoreCluster;
  close(): Promise<void>;
}

/** Raised when an execution row changed since it was read; the engine retries the whole operation. */
export class ConcurrencyConflictError extends Error {
  override readonly name = 'ConcurrencyConflictError';
  constructor(
    readonly namespace: string,
    readonly runId: string,
    readonly expectedVersion: number,
  ) {
    super(`execution ${namespace}/${runId} changed since version ${expectedVersion}; retry the operation`);
  }
}

/** Raised when a workflow id already has a running execution. */
export class ExecutionAlreadyRunningError extends Error {
  override readonly name = 'ExecutionAlreadyRunningError';
  constructor(
    readonly namespace: string,
    readonly workflowId: string,
  ) {
    super(`workflow id "${workflowId}" already has a running execution in namespace "${namespace}"`);
  }
}

/**
 * Raised when the database cannot be reached (a networked store lost its connection, or the database is
 * restarting). Nothing was changed, or the change is unknown and safe to retry; the store reconnects
 * by itself.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
