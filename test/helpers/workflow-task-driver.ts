/**
 * A minimal hand-written workflow worker for client and CLI tests: it polls a task queue over the raw RPC
 * and answers each workflow task with commands a test decides from the task's history. No sandbox, no
 * replay: enough to prove the client's view of workflows end to end.
 */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Connection } from '../../src/client/connection.js';
import { errorToFailure } from '../../src/common/failure.js';
import { toProtoFailure } from '../../src/common/failure-proto.js';
import { payloadsToValues, valuesToPayloads } from '../../src/common/payload-proto.js';
import { type Command, CommandSchema } from '../../src/gen/strata/v1/command_pb.js';
import type { Payloads } from '../../src/gen/strata/v1/common_pb.js';
import { EventType, type HistoryEvent, WorkflowTaskFailedCause } from '../../src/gen/strata/v1/history_pb.js';
import type { PollWorkflowTaskQueueResponse } from '../../src/gen/strata/v1/service_pb.js';

/** What to do with one workflow task. */
export type Decision =
  | { commands: Command[] }
  /** Fail the task, as a worker does on a non-determinism error: the workflow stays open. */
  | { failTask: Error; cause?: WorkflowTaskFailedCause };

export interface TaskView {
  workflowType: string;
  workflowId: string;
  input: unknown[];
  events: HistoryEvent[];
  /** Signals received so far, in order. */
  signals: { name: string; args: unknown[] }[];
  cancelRequested: boolean;
}

export interface WorkflowTaskDriverOptions {
  address: string;
  taskQueue: string;
  namespace?: string;
  decide: (task: TaskView) => Decision;
  /** Answers query tasks; throw to fail the query. */
  answerQuery?: (queryType: string, args: unknown[], task: TaskView) => unknown;
}

export class WorkflowTaskDriver {
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** Errors other than the stop itself, so tests can assert none happened. */
  readonly errors: unknown[] = [];

  private constructor(
    private readonly connection: Connection,
    private readonly options: WorkflowTaskDriverOptions,
  ) {}

  static async start(options: WorkflowTaskDriverOptions): Promise<WorkflowTaskDriver> {
    const driver = new WorkflowTaskDriver(await Connection.connect({ address: options.address }), options);
    driver.loop = driver.run();
    return driver;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Closing the session ends the pending long poll.
    this.connection.close();
    await this.loop;
  }

  private async run(): Promise<void> {
    const service = this.connection.workflowService;
    const namespace = this.options.namespace ?? 'default';
    while (!this.stopped) {
      try {
        const task = await service.pollWorkflowTaskQueue({
          namespace,
          taskQueue: this.options.taskQueue,
          identity: 'test-driver',
        });
        if (task.taskToken.length === 0) continue;
        await this.handle(task, namespace);
      } catch (err) {
        if (this.stopped) break;
        this.errors.push(err);
        // The server may be restarting: do not spin.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private async handle(task: PollWorkflowTaskQueueResponse, namespace: string): Promise<void> {
    const service = this.connection.workflowService;
    const view = viewOf(task);
    if (task.query) {
      try {
        const result = this.options.answerQuery?.(
          task.query.queryType,
          payloadsToValues(task.query.queryArgs),
          view,
        );
        await service.respondQueryTaskCompleted({
          taskToken: task.taskToken,
          namespace,
          queryResult: payloads(result),
        });
      } catch (err) {
        await service.respondQueryTaskCompleted({
          taskToken: task.taskToken,
          namespace,
          failure: toProtoFailure(errorToFailure(err)),
        });
      }
      return;
    }
    const decision = this.options.decide(view);
    if ('failTask' in decision) {
      await service.respondWorkflowTaskFailed({
        taskToken: task.taskToken,
        namespace,
        cause: decision.cause ?? WorkflowTaskFailedCause.NON_DETERMINISTIC_ERROR,
        failure: toProtoFailure(errorToFailure(decision.failTask)),
        identity: 'test-driver',
      });
      return;
    }
    await service.respondWorkflowTaskCompleted({
      taskToken: task.taskToken,
      namespace,
      commands: decision.commands,
      identity: 'test-driver',
    });
  }
}

function viewOf(task: PollWorkflowTaskQueueResponse): TaskView {
  const events = task.history?.events ?? [];
  const started = events.find((e) => e.attributes.case === 'workflowExecutionStartedEventAttributes');
  const input =
    started?.attributes.case === 'workflowExecutionStartedEventAttributes'
      ? payloadsToValues(started.attributes.value.input)
      : [];
  const signals = events.flatMap((e) =>
    e.attributes.case === 'workflowExecutionSignaledEventAttributes'
      ? [{ name: e.attributes.value.signalName, args: payloadsToValues(e.attributes.value.input) }]
      : [],
  );
  return {
    workflowType: task.workflowType?.name ?? '',
    workflowId: task.workflowExecution?.workflowId ?? '',
    input,
    events,
    signals,
    cancelRequested: events.some((e) => e.eventType === EventType.WORKFLOW_EXECUTION_CANCEL_REQUESTED),
  };
}

function payloads(value: unknown): Payloads {
  return valuesToPayloads(value === undefined ? [] : [value]);
}

function command(attributes: MessageInitShape<typeof CommandSchema>['attributes']): Command {
  return create(CommandSchema, { attributes });
}

/** Commands a test's decide function returns. */
export const commands = {
  complete: (result?: unknown): Command =>
    command({ case: 'completeWorkflowExecution', value: { result: payloads(result) } }),
  fail: (error: Error): Command =>
    command({ case: 'failWorkflowExecution', value: { failure: toProtoFailure(errorToFailure(error)) } }),
  cancel: (): Command => command({ case: 'cancelWorkflowExecution', value: {} }),
  startTimer: (timerId: string, ms: number): Command =>
    command({ case: 'startTimer', value: { timerId, startToFireTimeoutMs: ms } }),
  scheduleActivity: (
    activityId: string,
    activityType: string,
    taskQueue: string,
    args: unknown[] = [],
  ): Command =>
    command({
      case: 'scheduleActivityTask',
      value: {
        activityId,
        activityType: { name: activityType },
        taskQueue,
        input: valuesToPayloads(args),
        startToCloseTimeoutMs: 60_000,
        scheduleToCloseTimeoutMs: 600_000,
      },
    }),
};
