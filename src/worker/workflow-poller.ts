import { randomUUID } from 'node:crypto';
import { errorToFailure } from '../common/failure.js';
import { toProtoFailure } from '../common/failure-proto.js';
import type { Command } from '../gen/strata/v1/command_pb.js';
import type { HistoryEvent } from '../gen/strata/v1/history_pb.js';
import { WorkflowTaskFailedCause } from '../gen/strata/v1/history_pb.js';
import { type PollWorkflowTaskQueueResponse, TaskQueueKind } from '../gen/strata/v1/service_pb.js';
import type { EagerActivityReservation } from './activity-poller.js';
import { completionBehavior } from './deployment-options.js';
import { runPollLoop } from './poll-loop.js';
import { callWithRetry, describeRpcError, PollBackoff } from './rpc-retry.js';
import { Slots } from './slots.js';
import type { CompiledWorkerOptions } from './worker-options.js';
import type { WorkflowTaskProcessor, WorkflowTaskResult } from './workflow-tasks.js';

/** As in Temporal: at most this many activities are requested eagerly per workflow task completion. */
export const MAX_EAGER_ACTIVITIES_PER_TASK = 3;

/** Where eager activity tasks run: the worker's activity poller, which owns the activity slots. */
export interface EagerActivityRunner {
  reserveEager(max: number): EagerActivityReservation;
}

/**
 * Long-polls the task queue and the worker's sticky queue for workflow tasks, hands each to the
 * {@link WorkflowTaskProcessor} and sends back its answer, within `maxConcurrentWorkflowTaskExecutions`.
 * With an {@link EagerActivityRunner}, a completion asks the server to start (some of) its new activities
 * at once and hand them back in the answer, saving an activity poll per activity.
 */
export class WorkflowPoller {
  /** `<taskQueue>/sticky/<identity>-<uuid>`, or `undefined` when the cache is off. */
  readonly stickyQueue: string | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopPolling = new AbortController();
  private loops: Promise<void> | undefined;

  constructor(
    private readonly options: CompiledWorkerOptions,
    private readonly processor: WorkflowTaskProcessor,
    private readonly eagerActivities?: EagerActivityRunner,
  ) {
    this.stickyQueue =
      options.maxCachedWorkflows > 0
        ? `${options.taskQueue}/sticky/${options.identity}-${randomUUID()}`
        : undefined;
  }

  /** Number of workflow tasks being processed or answered now. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Starts the polls; resolves when they stop, rejects on a fatal poll error. */
  start(): Promise<void> {
    const { options } = this;
    const slots = new Slots(options.maxConcurrentWorkflowTaskExecutions);
    const backoff = new PollBackoff(`workflow task queue "${options.taskQueue}"`, options.logger);
    const totalPolls = options.maxConcurrentWorkflowTaskPolls;
    // A new run always arrives on the normal queue, a cached run's next task on the sticky one: both need a poll.
    const normalPolls = this.stickyQueue === undefined ? totalPolls : Math.max(1, Math.ceil(totalPolls / 2));
    const stickyPolls = this.stickyQueue === undefined ? 0 : Math.max(1, totalPolls - normalPolls);
    const queues = [
      ...Array.from({ length: normalPolls }, () => ({ name: options.taskQueue, kind: TaskQueueKind.NORMAL })),
      ...Array.from({ length: stickyPolls }, () => ({
        name: this.stickyQueue ?? '',
        kind: TaskQueueKind.STICKY,
      })),
    ];
    const loops = queues.map((queue) =>
      runPollLoop({
        slots,
        backoff,
        stopSignal: this.stopPolling.signal,
        poll: async (signal) => {
          const task = await options.connection.workflowService.pollWorkflowTaskQueue(
            {
              namespace: options.namespace,
              taskQueue: queue.name,
              taskQueueKind: queue.kind,
              identity: options.identity,
              deploymentOptions: options.deployment?.proto,
            },
            { signal },
          );
          return task.taskToken.length > 0 ? task : undefined;
        },
        handle: (task) => this.track(this.handle(task)),
      }),
    );
    this.loops = Promise.all(loops).then(() => undefined);
    return this.loops;
  }

  /** Stops polling and waits for the workflow tasks in flight to be answered. */
  async shutdown(): Promise<void> {
    this.stopPolling.abort();
    await this.loops?.catch(() => undefined);
    await Promise.all(this.inFlight);
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  private async handle(task: PollWorkflowTaskQueueResponse): Promise<void> {
    const runId = task.workflowExecution?.runId ?? '';
    const meta = {
      workflowId: task.workflowExecution?.workflowId,
      runId,
      workflowType: task.workflowType?.name,
    };
    let result: WorkflowTaskResult;
    try {
      result = await this.processor.process(task, this.fetchHistory);
    } catch (err) {
      // The processor turns workflow-code problems into results; reaching here is a bug on the worker side.
      this.options.logger.error('Workflow task processing crashed', { ...meta, error: String(err) });
      result = {
        kind: 'failed',
        cause: WorkflowTaskFailedCause.WORKFLOW_WORKER_UNHANDLED_FAILURE,
        failure: toProtoFailure(errorToFailure(err)),
      };
    }
    try {
      await this.respond(task, result);
    } catch (err) {
      // Typically NotFound: the task timed out on the server and went to another worker. Our cached state
      // may now be behind the server's, so drop it; the next task replays from history.
      this.options.logger.warn(
        'The server rejected a workflow task answer; evicting the run from the cache',
        {
          ...meta,
          error: describeRpcError(err),
        },
      );
      if (result.kind === 'completed') this.processor.evict(runId);
    }
  }

  private async respond(task: PollWorkflowTaskQueueResponse, result: WorkflowTaskResult): Promise<void> {
    const { options, processor } = this;
    const service = options.connection.workflowService;
    const common = { taskToken: task.taskToken, namespace: options.namespace };
    const what = `answer to the workflow task of run ${task.workflowExecution?.runId}`;
    const retry = { what, logger: options.logger };
    switch (result.kind) {
      case 'completed': {
        const { commands, reservation } = this.requestEagerActivities(result.commands);
        let activityTasks: Parameters<EagerActivityReservation['settle']>[0] = [];
        try {
          const response = await callWithRetry(
            (callOptions) =>
              service.respondWorkflowTaskCompleted(
                {
                  ...common,
                  commands,
                  identity: options.identity,
                  stickyTaskQueue: this.stickyQueue ?? '',
                  stickyScheduleToStartTimeoutMs: this.stickyQueue
                    ? options.stickyQueueScheduleToStartTimeoutMs
                    : 0,
                  binaryChecksum: processor.bundleHash,
                  deploymentOptions: options.deployment?.proto,
                  versioningBehavior: completionBehavior(
                    options.deployment,
                    processor.versioningBehaviors,
                    task.workflowType?.name ?? '',
                  ),
                },
                callOptions,
              ),
            retry,
          );
          activityTasks = response.activityTasks;
        } finally {
          // Unreturned slots go back; the returned tasks are already started on the server and run now.
          reservation?.settle(activityTasks);
        }
        return;
      }
      case 'failed':
        processor.evict(task.workflowExecution?.runId ?? '');
        await callWithRetry(
          (callOptions) =>
            service.respondWorkflowTaskFailed(
              {
                ...common,
                cause: result.cause,
                failure: result.failure,
                identity: options.identity,
                binaryChecksum: processor.bundleHash,
              },
              callOptions,
            ),
          retry,
        );
        return;
      case 'query':
        await callWithRetry(
          (callOptions) =>
            service.respondQueryTaskCompleted({ ...common, queryResult: result.result }, callOptions),
          retry,
        );
        return;
      case 'queryFailed':
        await callWithRetry(
          (callOptions) =>
            service.respondQueryTaskCompleted({ ...common, failure: result.failure }, callOptions),
          retry,
        );
        return;
      default: {
        const unknownResult: never = result;
        throw new TypeError(`unknown workflow task result ${JSON.stringify(unknownResult)}`);
      }
    }
  }

  /**
   * Marks up to {@link MAX_EAGER_ACTIVITIES_PER_TASK} ScheduleActivityTask commands for eager execution:
   * those for this worker's task queue whose activity type it runs, one free activity slot reserved for
   * each (so the worker never receives a task it has no room for). The commands are copied, not changed.
   */
  private requestEagerActivities(commands: Command[]): {
    commands: Command[];
    reservation: EagerActivityReservation | undefined;
  } {
    const runner = this.eagerActivities;
    if (runner === undefined) return { commands, reservation: undefined };
    const { taskQueue, activities } = this.options;
    const eligible: number[] = [];
    for (const [index, command] of commands.entries()) {
      if (eligible.length === MAX_EAGER_ACTIVITIES_PER_TASK) break;
      const attributes = command.attributes;
      if (attributes.case !== 'scheduleActivityTask') continue;
      const value = attributes.value;
      if (value.taskQueue !== '' && value.taskQueue !== taskQueue) continue;
      if (!activities.has(value.activityType?.name ?? '')) continue;
      eligible.push(index);
    }
    if (eligible.length === 0) return { commands, reservation: undefined };
    const reservation = runner.reserveEager(eligible.length);
    if (reservation.count === 0) return { commands, reservation: undefined };
    const marked = [...commands];
    for (const index of eligible.slice(0, reservation.count)) {
      const command = commands[index];
      if (command?.attributes.case !== 'scheduleActivityTask') continue;
      marked[index] = {
        ...command,
        attributes: {
          case: 'scheduleActivityTask',
          value: { ...command.attributes.value, requestEagerExecution: true },
        },
      };
    }
    return { commands: marked, reservation };
  }

  /** Pages through a run's whole history. */
  private readonly fetchHistory = async (workflowId: string, runId: string): Promise<HistoryEvent[]> => {
    const { options } = this;
    const events: HistoryEvent[] = [];
    let nextPageToken: Uint8Array = new Uint8Array();
    do {
      const page = await callWithRetry(
        (callOptions) =>
          options.connection.workflowService.getWorkflowExecutionHistory(
            { namespace: options.namespace, execution: { workflowId, runId }, nextPageToken },
            callOptions,
          ),
        { what: `GetWorkflowExecutionHistory of run ${runId}`, logger: options.logger },
      );
      events.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken;
    } while (nextPageToken.length > 0);
    return events;
  };
}
