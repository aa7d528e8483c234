import { create } from '@bufbuild/protobuf';
import {
  type DescribeBatchOperationRequest,
  type DescribeBatchOperationResponse,
  type ListBatchOperationsRequest,
  type ListBatchOperationsResponse,
  type StartBatchOperationRequest,
  type StartBatchOperationResponse,
  StartBatchOperationResponseSchema,
  type StopBatchOperationRequest,
  type StopBatchOperationResponse,
  StopBatchOperationResponseSchema,
} from '../gen/strata/v1/batch_pb.js';
import {
  type DeleteWorkerDeploymentRequest,
  type DeleteWorkerDeploymentResponse,
  DeleteWorkerDeploymentResponseSchema,
  type DeleteWorkerDeploymentVersionRequest,
  type DeleteWorkerDeploymentVersionResponse,
  DeleteWorkerDeploymentVersionResponseSchema,
  type DescribeTaskQueueRequest,
  type DescribeTaskQueueResponse,
  type DescribeWorkerDeploymentRequest,
  type DescribeWorkerDeploymentResponse,
  type DescribeWorkerDeploymentVersionRequest,
  type DescribeWorkerDeploymentVersionResponse,
  type ListWorkerDeploymentsRequest,
  type ListWorkerDeploymentsResponse,
  type SetWorkerDeploymentCurrentVersionRequest,
  type SetWorkerDeploymentCurrentVersionResponse,
  type SetWorkerDeploymentRampingVersionRequest,
  type SetWorkerDeploymentRampingVersionResponse,
  type ShutdownWorkerRequest,
  type ShutdownWorkerResponse,
  ShutdownWorkerResponseSchema,
  type UpdateWorkflowExecutionOptionsRequest,
  type UpdateWorkflowExecutionOptionsResponse,
} from '../gen/strata/v1/deployment_pb.js';
import type {
  ReplayWorkflowsOnVersionRequest,
  ReplayWorkflowsOnVersionResponse,
} from '../gen/strata/v1/replay_pb.js';
import {
  type AddSearchAttributesRequest,
  type AddSearchAttributesResponse,
  AddSearchAttributesResponseSchema,
  type CountWorkflowExecutionsRequest,
  type CountWorkflowExecutionsResponse,
  CountWorkflowExecutionsResponseSchema,
  type DescribeWorkflowExecutionRequest,
  type DescribeWorkflowExecutionResponse,
  type GetSystemInfoResponse,
  GetSystemInfoResponseSchema,
  type GetWorkflowExecutionHistoryRequest,
  type GetWorkflowExecutionHistoryResponse,
  type ListSearchAttributesRequest,
  type ListSearchAttributesResponse,
  ListSearchAttributesResponseSchema,
  type ListWorkflowExecutionsRequest,
  type ListWorkflowExecutionsResponse,
  type PollActivityTaskQueueRequest,
  type PollActivityTaskQueueResponse,
  type PollWorkflowTaskQueueRequest,
  type PollWorkflowTaskQueueResponse,
  type QueryWorkflowRequest,
  type QueryWorkflowResponse,
  QueryWorkflowResponseSchema,
  type RecordActivityTaskHeartbeatRequest,
  type RecordActivityTaskHeartbeatResponse,
  RecordActivityTaskHeartbeatResponseSchema,
  type RemoveSearchAttributesRequest,
  type RemoveSearchAttributesResponse,
  RemoveSearchAttributesResponseSchema,
  type RequestCancelWorkflowExecutionRequest,
  type RequestCancelWorkflowExecutionResponse,
  RequestCancelWorkflowExecutionResponseSchema,
  type RespondActivityTaskCanceledRequest,
  type RespondActivityTaskCanceledResponse,
  RespondActivityTaskCanceledResponseSchema,
  type RespondActivityTaskCompletedRequest,
  type RespondActivityTaskCompletedResponse,
  RespondActivityTaskCompletedResponseSchema,
  type RespondActivityTaskFailedRequest,
  type RespondActivityTaskFailedResponse,
  RespondActivityTaskFailedResponseSchema,
  type RespondQueryTaskCompletedRequest,
  type RespondQueryTaskCompletedResponse,
  RespondQueryTaskCompletedResponseSchema,
  type RespondWorkflowTaskCompletedRequest,
  type RespondWorkflowTaskCompletedResponse,
  RespondWorkflowTaskCompletedResponseSchema,
  type RespondWorkflowTaskFailedRequest,
  type RespondWorkflowTaskFailedResponse,
  RespondWorkflowTaskFailedResponseSchema,
  type SignalWithStartWorkflowExecutionRequest,
  type SignalWithStartWorkflowExecutionResponse,
  SignalWithStartWorkflowExecutionResponseSchema,
  type SignalWorkflowExecutionRequest,
  type SignalWorkflowExecutionResponse,
  SignalWorkflowExecutionResponseSchema,
  type StartWorkflowExecutionRequest,
  type StartWorkflowExecutionResponse,
  StartWorkflowExecutionResponseSchema,
  type TerminateWorkflowExecutionRequest,
  type TerminateWorkflowExecutionResponse,
  TerminateWorkflowExecutionResponseSchema,
} from '../gen/strata/v1/service_pb.js';
import type {
  PollWorkflowExecutionUpdateRequest,
  PollWorkflowExecutionUpdateResponse,
  UpdateWorkflowExecutionRequest,
  UpdateWorkflowExecutionResponse,
} from '../gen/strata/v1/update_pb.js';
import type { Store, TimerRecord } from '../store/store.js';
import {
  pollActivityTask,
  recordHeartbeat,
  respondActivityCanceled,
  respondActivityCompleted,
  respondActivityFailed,
} from './activity-task-api.js';
import {
  describeBatchOperation,
  listBatchOperations,
  startBatchOperation,
  stopBatchOperation,
} from './batch/batch-api.js';
import { BatchRunner } from './batch/batch-runner.js';
import { type Clock, RealClock, VirtualClock } from './clock.js';
import { linkCluster } from './cluster-link.js';
import {
  deleteWorkerDeployment,
  deleteWorkerDeploymentVersion,
  describeWorkerDeployment,
  describeWorkerDeploymentVersion,
  listWorkerDeployments,
} from './deployments-api.js';
import { defaultLimits, EngineCore, type EngineLimits } from './engine-core.js';
import { EngineError } from './errors.js';
import {
  requestCancelWorkflow,
  signalWithStart,
  signalWorkflow,
  startWorkflow,
  terminateWorkflow,
} from './executions-api.js';
import { createConsoleLogger, type Logger } from './logger.js';
import { Matching } from './matching.js';
import { InProcessNotifier, type TaskNotifier } from './notifier.js';
import { MAX_PAYLOAD_BYTES } from './payload-limit.js';
import { Queries } from './query-api.js';
import { countWorkflows, describeWorkflow, getHistory, listWorkflows } from './read-api.js';
import { addSearchAttributes, listSearchAttributes, removeSearchAttributes } from './search-attribute-api.js';
import { applyTimer } from './state/timer-fired.js';
import { isTransfer, type TransferPayload } from './state/transfers.js';
import type { TimerPayload } from './state/types.js';
import { TimerQueue } from './timer-queue.js';
import { applyTransfer } from './transfer-executor.js';
import { pollWorkflowExecutionUpdate, updateWorkflowExecution } from './update-api.js';
import { SharedUpdates } from './update-sharing.js';
import { replayWorkflowsOnVersion } from './versioning/replay-on-version.js';
import { setCurrentVersion, setRampingVersion } from './versioning/routing-api.js';
import { describeTaskQueue, shutdownWorker } from './versioning/task-queue-api.js';
import { updateWorkflowExecutionOptions } from './workflow-options-api.js';
import {
  pollWorkflowTask,
  respondWorkflowTaskCompleted,
  respondWorkflowTaskFailed,
} from './workflow-task-api.js';

export const SERVER_VERSION = '0.1.0';

export interface EngineOptions {
  store: Store;
  /** @default a RealClock; pass a VirtualClock to use time skipping */
  clock?: Clock;
  logger?: Logger;
  limits?: Partial<EngineLimits>;
  /** Namespaces that exist. @default ['default'] */
  namespaces?: string[];
  /** How queued tasks wake long polls. @default an in-process notifier */
  notifier?: TaskNotifier;
}

/** Per-call options: `signal` aborts long polls and queries when the caller goes away. */
export interface CallOptions {
  signal?: AbortSignal;
}

/**
 * The durable state machine behind the WorkflowService: one method per RPC, taking and returning the
 * generated message types. It owns no globals, so several engines can live in one process. The store
 * is the caller's to close, after `close()`.
 */
export class Engine {
  readonly clock: Clock;
  private readonly core: EngineCore;
  private readonly timerQueue: TimerQueue;
  private readonly queries: Queries;
  private readonly batches: BatchRunner;
  private readonly unlinkCluster: (() => void) | undefined;
  private timeSkipping = false;
  private idleCheckScheduled = false;

  constructor(options: EngineOptions) {
    this.clock = options.clock ?? new RealClock();
    const logger = options.logger ?? createConsoleLogger('warn');
    const matching = new Matching(options.notifier ?? new InProcessNotifier());
    this.core = new EngineCore(
      options.store,
      this.clock,
      logger,
      { ...defaultLimits, ...options.limits },
      new Set(options.namespaces ?? ['default']),
      matching,
      {
        onTimerSet: (dueMs) => this.timerQueue.notify(dueMs),
        onCommit: () => this.scheduleIdleCheck(),
      },
    );
    this.queries = new Queries(this.core, options.store.cluster);
    // Several server processes on one database: hear what the others commit.
    const cluster = options.store.cluster;
    this.core.sharedUpdates = cluster && new SharedUpdates(this.core, cluster);
    this.unlinkCluster = cluster && linkCluster(this.core, cluster, this.queries);
    this.timerQueue = new TimerQueue(options.store, this.clock, (timer) => this.fireTimer(timer), logger);
    // Timers survive restarts: overdue ones fire at once, the rest are armed.
    this.timerQueue.start();
    // So do batch operations: running ones resume where their last commit left them.
    this.batches = new BatchRunner(this.core);
    this.batches.start();
  }

  getSystemInfo(): GetSystemInfoResponse {
    return create(GetSystemInfoResponseSchema, {
      serverVersion: SERVER_VERSION,
      namespaces: [...this.core.namespaces],
      maxPayloadBytes: MAX_PAYLOAD_BYTES,
    });
  }

  startWorkflowExecution(request: StartWorkflowExecutionRequest): Promise<StartWorkflowExecutionResponse> {
    return this.core.track(async () =>
      create(StartWorkflowExecutionResponseSchema, await startWorkflow(this.core, request)),
    );
  }

  signalWithStartWorkflowExecution(
    request: SignalWithStartWorkflowExecutionRequest,
  ): Promise<SignalWithStartWorkflowExecutionResponse> {
    return this.core.track(async () =>
      create(SignalWithStartWorkflowExecutionResponseSchema, await signalWithStart(this.core, request)),
    );
  }

  signalWorkflowExecution(request: SignalWorkflowExecutionRequest): Promise<SignalWorkflowExecutionResponse> {
    return this.core.track(async () =>
      create(SignalWorkflowExecutionResponseSchema, await signalWorkflow(this.core, request)),
    );
  }

  queryWorkflow(request: QueryWorkflowRequest, options: CallOptions = {}): Promise<QueryWorkflowResponse> {
    return this.core.track(async () =>
      create(QueryWorkflowResponseSchema, await this.queries.query(request, options.signal)),
    );
  }

  requestCancelWorkflowExecution(
    request: RequestCancelWorkflowExecutionRequest,
  ): Promise<RequestCancelWorkflowExecutionResponse> {
    return this.core.track(async () =>
      create(RequestCancelWorkflowExecutionResponseSchema, await requestCancelWorkflow(this.core, request)),
    );
  }

  terminateWorkflowExecution(
    request: TerminateWorkflowExecutionRequest,
  ): Promise<TerminateWorkflowExecutionResponse> {
    return this.core.track(async () =>
      create(TerminateWorkflowExecutionResponseSchema, await terminateWorkflow(this.core, request)),
    );
  }

  describeWorkflowExecution(
    request: DescribeWorkflowExecutionRequest,
  ): Promise<DescribeWorkflowExecutionResponse> {
    return this.core.track(() => describeWorkflow(this.core, request));
  }

  getWorkflowExecutionHistory(
    request: GetWorkflowExecutionHistoryRequest,
    options: CallOptions = {},
  ): Promise<GetWorkflowExecutionHistoryResponse> {
    return this.core.track(() => getHistory(this.core, request, options.signal));
  }

  listWorkflowExecutions(request: ListWorkflowExecutionsRequest): Promise<ListWorkflowExecutionsResponse> {
    return this.core.track(() => listWorkflows(this.core, request));
  }

  countWorkflowExecutions(request: CountWorkflowExecutionsRequest): Promise<CountWorkflowExecutionsResponse> {
    return this.core.track(async () =>
      create(CountWorkflowExecutionsResponseSchema, { count: await countWorkflows(this.core, request) }),
    );
  }

  updateWorkflowExecution(
    request: UpdateWorkflowExecutionRequest,
    options: CallOptions = {},
  ): Promise<UpdateWorkflowExecutionResponse> {
    return this.core.track(() => updateWorkflowExecution(this.core, request, options.signal));
  }

  pollWorkflowExecutionUpdate(
    request: PollWorkflowExecutionUpdateRequest,
    options: CallOptions = {},
  ): Promise<PollWorkflowExecutionUpdateResponse> {
    return this.core.track(() => pollWorkflowExecutionUpdate(this.core, request, options.signal));
  }

  addSearchAttributes(request: AddSearchAttributesRequest): Promise<AddSearchAttributesResponse> {
    return this.core.track(async () => {
      await addSearchAttributes(this.core, request);
      return create(AddSearchAttributesResponseSchema, {});
    });
  }

  removeSearchAttributes(request: RemoveSearchAttributesRequest): Promise<RemoveSearchAttributesResponse> {
    return this.core.track(async () => {
      await removeSearchAttributes(this.core, request);
      return create(RemoveSearchAttributesResponseSchema, {});
    });
  }

  listSearchAttributes(request: ListSearchAttributesRequest): Promise<ListSearchAttributesResponse> {
    return this.core.track(async () =>
      create(ListSearchAttributesResponseSchema, await listSearchAttributes(this.core, request)),
    );
  }

  startBatchOperation(request: StartBatchOperationRequest): Promise<StartBatchOperationResponse> {
    return this.core.track(async () => {
      await startBatchOperation(this.core, request);
      this.batches.wake();
      return create(StartBatchOperationResponseSchema, {});
    });
  }

  stopBatchOperation(request: StopBatchOperationRequest): Promise<StopBatchOperationResponse> {
    return this.core.track(async () => {
      await stopBatchOperation(this.core, request);
      return create(StopBatchOperationResponseSchema, {});
    });
  }

  describeBatchOperation(request: DescribeBatchOperationRequest): Promise<DescribeBatchOperationResponse> {
    return this.core.track(() => describeBatchOperation(this.core, request));
  }

  listBatchOperations(request: ListBatchOperationsRequest): Promise<ListBatchOperationsResponse> {
    return this.core.track(() => listBatchOperations(this.core, request));
  }

  pollWorkflowTaskQueue(
    request: PollWorkflowTaskQueueRequest,
    options: CallOptions = {},
  ): Promise<PollWorkflowTaskQueueResponse> {
    return this.core.track(() => pollWorkflowTask(this.core, this.queries, request, options.signal));
  }

  respondWorkflowTaskCompleted(
    request: RespondWorkflowTaskCompletedRequest,
  ): Promise<RespondWorkflowTaskCompletedResponse> {
    return this.core.track(async () => {
      const activityTasks = await respondWorkflowTaskCompleted(this.core, request);
      return create(RespondWorkflowTaskCompletedResponseSchema, { activityTasks });
    });
  }

  respondWorkflowTaskFailed(
    request: RespondWorkflowTaskFailedRequest,
  ): Promise<RespondWorkflowTaskFailedResponse> {
    return this.core.track(async () => {
      await respondWorkflowTaskFailed(this.core, request);
      return create(RespondWorkflowTaskFailedResponseSchema, {});
    });
  }

  respondQueryTaskCompleted(
    request: RespondQueryTaskCompletedRequest,
  ): Promise<RespondQueryTaskCompletedResponse> {
    return this.core.track(async () => {
      await this.queries.respond(request);
      return create(RespondQueryTaskCompletedResponseSchema, {});
    });
  }

  listWorkerDeployments(request: ListWorkerDeploymentsRequest): Promise<ListWorkerDeploymentsResponse> {
    return this.core.track(() => listWorkerDeployments(this.core, request));
  }

  describeWorkerDeployment(
    request: DescribeWorkerDeploymentRequest,
  ): Promise<DescribeWorkerDeploymentResponse> {
    return this.core.track(() => describeWorkerDeployment(this.core, request));
  }

  describeWorkerDeploymentVersion(
    request: DescribeWorkerDeploymentVersionRequest,
  ): Promise<DescribeWorkerDeploymentVersionResponse> {
    return this.core.track(() => describeWorkerDeploymentVersion(this.core, request));
  }

  deleteWorkerDeploymentVersion(
    request: DeleteWorkerDeploymentVersionRequest,
  ): Promise<DeleteWorkerDeploymentVersionResponse> {
    return this.core.track(async () => {
      await deleteWorkerDeploymentVersion(this.core, request);
      return create(DeleteWorkerDeploymentVersionResponseSchema, {});
    });
  }

  deleteWorkerDeployment(request: DeleteWorkerDeploymentRequest): Promise<DeleteWorkerDeploymentResponse> {
    return this.core.track(async () => {
      await deleteWorkerDeployment(this.core, request);
      return create(DeleteWorkerDeploymentResponseSchema, {});
    });
  }

  pollActivityTaskQueue(
    request: PollActivityTaskQueueRequest,
    options: CallOptions = {},
  ): Promise<PollActivityTaskQueueResponse> {
    return this.core.track(() => pollActivityTask(this.core, request, options.signal));
  }

  recordActivityTaskHeartbeat(
    request: RecordActivityTaskHeartbeatRequest,
  ): Promise<RecordActivityTaskHeartbeatResponse> {
    return this.core.track(async () =>
      create(RecordActivityTaskHeartbeatResponseSchema, {
        cancelRequested: await recordHeartbeat(this.core, request),
      }),
    );
  }

  respondActivityTaskCompleted(
    request: RespondActivityTaskCompletedRequest,
  ): Promise<RespondActivityTaskCompletedResponse> {
    return this.core.track(async () => {
      await respondActivityCompleted(this.core, request);
      return create(RespondActivityTaskCompletedResponseSchema, {});
    });
  }

  respondActivityTaskFailed(
    request: RespondActivityTaskFailedRequest,
  ): Promise<RespondActivityTaskFailedResponse> {
    return this.core.track(async () => {
      await respondActivityFailed(this.core, request);
      return create(RespondActivityTaskFailedResponseSchema, {});
    });
  }

  respondActivityTaskCanceled(
    request: RespondActivityTaskCanceledRequest,
  ): Promise<RespondActivityTaskCanceledResponse> {
    return this.core.track(async () => {
      await respondActivityCanceled(this.core, request);
      return create(RespondActivityTaskCanceledResponseSchema, {});
    });
  }

  updateWorkflowExecutionOptions(
    request: UpdateWorkflowExecutionOptionsRequest,
  ): Promise<UpdateWorkflowExecutionOptionsResponse> {
    return this.core.track(() => updateWorkflowExecutionOptions(this.core, request));
  }

  setWorkerDeploymentCurrentVersion(
    request: SetWorkerDeploymentCurrentVersionRequest,
  ): Promise<SetWorkerDeploymentCurrentVersionResponse> {
    return this.core.track(() => setCurrentVersion(this.core, request));
  }

  setWorkerDeploymentRampingVersion(
    request: SetWorkerDeploymentRampingVersionRequest,
  ): Promise<SetWorkerDeploymentRampingVersionResponse> {
    return this.core.track(() => setRampingVersion(this.core, request));
  }

  describeTaskQueue(request: DescribeTaskQueueRequest): Promise<DescribeTaskQueueResponse> {
    return this.core.track(() => describeTaskQueue(this.core, request));
  }

  shutdownWorker(request: ShutdownWorkerRequest): Promise<ShutdownWorkerResponse> {
    return this.core.track(async () => {
      await shutdownWorker(this.core, request);
      return create(ShutdownWorkerResponseSchema, {});
    });
  }

  /** The version's own workers replay the chosen executions' histories (like queries; nothing recorded). */
  replayWorkflowsOnVersion(
    request: ReplayWorkflowsOnVersionRequest,
    options: CallOptions = {},
  ): Promise<ReplayWorkflowsOnVersionResponse> {
    return this.core.track(() => replayWorkflowsOnVersion(this.core, this.queries, request, options.signal));
  }

  /**
   * Time skipping (needs a VirtualClock): while enabled, whenever no workflow or activity task is
   * queued or running and a timer is pending, the clock jumps to that timer's due time and it fires.
   */
  setTimeSkipping(enabled: boolean): void {
    if (enabled && !(this.clock instanceof VirtualClock)) {
      throw new EngineError({
        code: 'INVALID_ARGUMENT',
        kind: 'invalid_argument',
        message: 'time skipping needs the engine to be created with a VirtualClock',
      });
    }
    this.timeSkipping = enabled;
    if (enabled) this.scheduleIdleCheck();
  }

  /** Moves a VirtualClock forward by `ms`, firing the timers that come due, in due order. */
  async skipTime(ms: number): Promise<void> {
    const clock = this.virtualClock();
    const targetMs = clock.nowMs() + ms;
    // Bounded so a timer that keeps failing cannot spin forever.
    for (let step = 0; step < 100_000; step++) {
      const next = await this.core.store.nextTimerDueMs();
      if (next === undefined || next > targetMs) break;
      clock.advanceTo(next);
      await this.timerQueue.processDue();
    }
    clock.advanceTo(targetMs);
    await this.timerQueue.processDue();
  }

  private virtualClock(): VirtualClock {
    if (!(this.clock instanceof VirtualClock)) {
      throw new EngineError({
        code: 'INVALID_ARGUMENT',
        kind: 'invalid_argument',
        message: 'skipping time needs the engine to be created with a VirtualClock',
      });
    }
    return this.clock;
  }

  private scheduleIdleCheck(): void {
    if (!this.timeSkipping || this.idleCheckScheduled || this.core.closed) return;
    this.idleCheckScheduled = true;
    setImmediate(() => {
      this.idleCheckScheduled = false;
      this.skipIfIdle().catch((error: unknown) =>
        this.core.logger.error('time skipping failed', { error: String(error) }),
      );
    });
  }

  private async skipIfIdle(): Promise<void> {
    if (!this.timeSkipping || this.core.closed) return;
    // The look below takes several reads; a transaction running or ending meanwhile makes it stale (the
    // transaction's end schedules another look).
    const quiet = this.core.quietToken();
    if (quiet === undefined) return;
    // A speculative workflow task (updates) is work in flight too, though the store does not know it.
    if (this.core.updates.hasSpeculativeTasks() || (await this.core.store.hasBusyExecutions())) return;
    const next = await this.core.store.nextTimerDueMs();
    if (next === undefined || !this.timeSkipping || this.core.quietToken() !== quiet) return;
    this.virtualClock().advanceTo(next);
    await this.timerQueue.processDue();
  }

  private async fireTimer(timer: TimerRecord): Promise<void> {
    await this.core.transact(async (tx, effects) => {
      if (!(await tx.claimTimer(timer.id))) return;
      const record = await tx.getExecution(timer.namespace, timer.runId);
      if (!record) return;
      const payload = JSON.parse(timer.payload) as TimerPayload | TransferPayload;
      if (isTransfer(payload)) await applyTransfer(this.core, tx, effects, record, payload);
      else await this.core.mutate(tx, effects, record, (m) => applyTimer(m, payload));
    });
  }

  /**
   * Graceful stop: new calls are refused, pending long polls return empty responses, pending queries
   * fail as unavailable, and in-flight operations finish. Close the store afterwards.
   */
  async close(): Promise<void> {
    if (this.core.closed) return;
    this.core.closed = true;
    this.timeSkipping = false;
    this.unlinkCluster?.();
    this.core.matching.close();
    this.core.updates.close();
    this.core.wakeAllCloseWaiters();
    this.queries.rejectAll(
      new EngineError({
        code: 'SHUTTING_DOWN',
        kind: 'unavailable',
        message: 'the server is shutting down',
      }),
    );
    await this.timerQueue.stop();
    await this.batches.stop();
    await this.core.waitIdle();
  }
}
