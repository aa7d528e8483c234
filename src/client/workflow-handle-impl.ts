import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { failureToError } from '../common/failure.js';
import { fromProtoFailure } from '../common/failure-proto.js';
import { payloadsToValue, valuesToPayloads } from '../common/payload-proto.js';
import { overrideFromProto } from '../common/versioning-proto.js';
import { FailureSchema, type WorkflowExecution } from '../gen/strata/v1/common_pb.js';
import { type History, type HistoryEvent, HistorySchema } from '../gen/strata/v1/history_pb.js';
import type { WorkflowServiceClient } from './connection.js';
import { toDescription, type WorkflowExecutionDescription } from './description.js';
import {
  QueryFailedError,
  QueryNotRegisteredError,
  toClientError,
  WorkflowContinuedAsNewError,
} from './errors.js';
import { closeEventToOutcome, nextRunIdOf } from './result.js';
import { callWithRetry } from './retry.js';
import type {
  QueryDefinition,
  SignalDefinition,
  UntypedWorkflow,
  UpdateDefinition,
  Workflow,
  WorkflowResultType,
} from './types.js';
import {
  sendUpdate,
  updateHandle,
  type WorkflowStartUpdateOptions,
  type WorkflowUpdateHandle,
  type WorkflowUpdateOptions,
  WorkflowUpdateStage,
} from './update-handle.js';
import { versioningOverrideToProto } from './versioning-override.js';
import type {
  WorkflowExecutionOptions,
  WorkflowExecutionOptionsUpdate,
  WorkflowHandleWithFirstExecutionRunId,
} from './workflow-handle.js';

/** What every handle of one client shares. */
export interface HandleContext {
  service: WorkflowServiceClient;
  namespace: string;
  identity: string;
}

export interface HandleTarget {
  workflowId: string;
  runId?: string | undefined;
  firstExecutionRunId?: string | undefined;
  /** @default true */
  followRuns?: boolean | undefined;
}

const QUERY_NOT_REGISTERED =
  /UNKNOWN_QUERY|unknown query|has no handler for query|no query handler|did not register a handler|QUERY_NOT_REGISTERED/i;

export class WorkflowHandleImpl<W extends Workflow = UntypedWorkflow>
  implements WorkflowHandleWithFirstExecutionRunId<W>
{
  readonly workflowId: string;
  readonly runId: string | undefined;
  readonly firstExecutionRunId: string;
  private readonly followRuns: boolean;

  constructor(
    private readonly context: HandleContext,
    target: HandleTarget,
  ) {
    this.workflowId = target.workflowId;
    this.runId = target.runId || undefined;
    this.firstExecutionRunId = target.firstExecutionRunId ?? '';
    this.followRuns = target.followRuns ?? true;
  }

  async result(): Promise<WorkflowResultType<W>> {
    // Without a run id the server answers for the id's latest run.
    let runId = this.runId ?? this.firstExecutionRunId;
    for (;;) {
      const closing = await this.waitForClose(runId);
      const nextRunId = nextRunIdOf(closing);
      if (this.followRuns && nextRunId !== '') {
        runId = nextRunId;
        continue;
      }
      const outcome = closeEventToOutcome(closing);
      if (outcome.kind === 'completed') return outcome.value as WorkflowResultType<W>;
      if (outcome.kind === 'failed') throw outcome.error;
      throw new WorkflowContinuedAsNewError(
        `workflow "${this.workflowId}" run "${runId}" continued as new in run "${nextRunId}"`,
        { newExecutionRunId: nextRunId },
      );
    }
  }

  async signal<Args extends unknown[] = []>(
    def: SignalDefinition<Args> | string,
    ...args: Args
  ): Promise<void> {
    const signalName = typeof def === 'string' ? def : def.name;
    const request = {
      namespace: this.context.namespace,
      workflowExecution: this.execution(),
      signalName,
      input: valuesToPayloads(args, `signal "${signalName}" argument`),
      identity: this.context.identity,
      // One id for every try: the server records a signal resent after a lost answer only once.
      requestId: randomUUID(),
    };
    await this.call(() => callWithRetry(() => this.context.service.signalWorkflowExecution(request)));
  }

  async query<Ret = unknown, Args extends unknown[] = []>(
    def: QueryDefinition<Ret, Args> | string,
    ...args: Args
  ): Promise<Ret> {
    const queryType = typeof def === 'string' ? def : def.name;
    try {
      const response = await this.context.service.queryWorkflow({
        namespace: this.context.namespace,
        execution: this.execution(),
        query: { queryType, queryArgs: valuesToPayloads(args, `query "${queryType}" argument`) },
      });
      return payloadsToValue(response.queryResult) as Ret;
    } catch (err) {
      throw this.queryError(err, queryType);
    }
  }

  executeUpdate<Ret, Args extends [unknown, ...unknown[]], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options: WorkflowUpdateOptions & { args: Args | Readonly<Args> },
  ): Promise<Ret>;
  executeUpdate<Ret, Args extends [] = [], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options?: WorkflowUpdateOptions & { args?: Args | Readonly<Args> },
  ): Promise<Ret>;
  async executeUpdate<Ret>(
    def: UpdateDefinition<Ret, unknown[]> | string,
    options: WorkflowUpdateOptions & { args?: readonly unknown[] } = {},
  ): Promise<Ret> {
    const name = typeof def === 'string' ? def : def.name;
    const { handle: update } = await sendUpdate<Ret>(
      this.context,
      { workflowId: this.workflowId, runId: this.runId },
      name,
      options.args ?? [],
      options.updateId,
      WorkflowUpdateStage.COMPLETED,
    );
    return update.result();
  }

  startUpdate<Ret, Args extends [unknown, ...unknown[]], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options: WorkflowStartUpdateOptions & { args: Args | Readonly<Args> },
  ): Promise<WorkflowUpdateHandle<Ret>>;
  startUpdate<Ret, Args extends [] = [], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options: WorkflowStartUpdateOptions & { args?: Args | Readonly<Args> },
  ): Promise<WorkflowUpdateHandle<Ret>>;
  async startUpdate<Ret>(
    def: UpdateDefinition<Ret, unknown[]> | string,
    options: WorkflowStartUpdateOptions & { args?: readonly unknown[] },
  ): Promise<WorkflowUpdateHandle<Ret>> {
    const name = typeof def === 'string' ? def : def.name;
    const target = { workflowId: this.workflowId, runId: this.runId };
    const sent = await sendUpdate<Ret>(
      this.context,
      target,
      name,
      options.args ?? [],
      options.updateId,
      options.waitForStage,
    );
    return sent.handle;
  }

  getUpdateHandle<Ret = unknown>(updateId: string): WorkflowUpdateHandle<Ret> {
    return updateHandle<Ret>(this.context, updateId, { workflowId: this.workflowId, runId: this.runId });
  }

  async cancel(reason = ''): Promise<void> {
    await this.call(() =>
      this.context.service.requestCancelWorkflowExecution({
        namespace: this.context.namespace,
        workflowExecution: this.execution(),
        identity: this.context.identity,
        reason,
      }),
    );
  }

  async terminate(reason = ''): Promise<void> {
    await this.call(() =>
      this.context.service.terminateWorkflowExecution({
        namespace: this.context.namespace,
        workflowExecution: this.execution(),
        reason,
        identity: this.context.identity,
      }),
    );
  }

  async updateOptions(options: WorkflowExecutionOptionsUpdate): Promise<WorkflowExecutionOptions> {
    const override = options?.versioningOverride;
    if (override === undefined) {
      throw new TypeError(
        "[INVALID_ARGUMENT] updateOptions needs versioningOverride: { pinnedTo: { deploymentName, buildId } }, 'AUTO_UPGRADE', or null to remove it",
      );
    }
    const versioningOverride =
      override === null ? undefined : versioningOverrideToProto(override, 'versioningOverride');
    const execution = this.execution();
    const response = await this.call(() =>
      this.context.service.updateWorkflowExecutionOptions({
        namespace: this.context.namespace,
        workflowId: execution.workflowId,
        runId: execution.runId,
        workflowExecutionOptions: { versioningOverride },
        updatePaths: ['versioning_override'],
        identity: this.context.identity,
      }),
    );
    const inEffect = overrideFromProto(response.workflowExecutionOptions?.versioningOverride);
    return inEffect === undefined ? {} : { versioningOverride: inEffect };
  }

  async describe(): Promise<WorkflowExecutionDescription> {
    const response = await this.call(() =>
      this.context.service.describeWorkflowExecution({
        namespace: this.context.namespace,
        execution: this.execution(),
      }),
    );
    return toDescription(response);
  }

  async fetchHistory(): Promise<History> {
    const events: HistoryEvent[] = [];
    let nextPageToken: Uint8Array = new Uint8Array();
    do {
      const token = nextPageToken;
      const page = await this.call(() =>
        this.context.service.getWorkflowExecutionHistory({
          namespace: this.context.namespace,
          execution: this.execution(),
          nextPageToken: token,
        }),
      );
      events.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken;
    } while (nextPageToken.length > 0);
    return create(HistorySchema, { events });
  }

  /** Long-polls until the run closes; an empty answer means the poll timed out, so it polls again. */
  private async waitForClose(runId: string): Promise<HistoryEvent> {
    for (;;) {
      const response = await callWithRetry(() =>
        this.context.service.getWorkflowExecutionHistory({
          namespace: this.context.namespace,
          execution: { workflowId: this.workflowId, runId },
          waitForClose: true,
        }),
      ).catch((err: unknown) => {
        throw toClientError(err, { workflowId: this.workflowId, runId });
      });
      const last = response.history?.events.at(-1);
      if (last !== undefined && closeEventToOutcome(last).kind !== 'open') return last;
    }
  }

  private execution(): WorkflowExecution {
    return { $typeName: 'strata.v1.WorkflowExecution', workflowId: this.workflowId, runId: this.runId ?? '' };
  }

  private async call<R>(rpc: () => Promise<R>): Promise<R> {
    try {
      return await rpc();
    } catch (err) {
      throw toClientError(err, { workflowId: this.workflowId, runId: this.runId });
    }
  }

  private queryError(err: unknown, queryType: string): unknown {
    if (!(err instanceof ConnectError)) return err;
    if (QUERY_NOT_REGISTERED.test(err.rawMessage)) {
      return new QueryNotRegisteredError(err.rawMessage, { cause: err, queryType });
    }
    const failure = err.findDetails(FailureSchema)[0];
    if (failure !== undefined) {
      return new QueryFailedError(`query "${queryType}" failed: ${failure.message}`, {
        cause: failureToError(fromProtoFailure(failure)),
        queryType,
      });
    }
    if (QUERY_FAILURE_CODES.has(err.code)) {
      return new QueryFailedError(`query "${queryType}" failed: ${err.rawMessage}`, {
        cause: err,
        queryType,
      });
    }
    return toClientError(err, { workflowId: this.workflowId, runId: this.runId });
  }
}

/** Codes a server uses for "the handler threw" rather than "the call could not be made". */
const QUERY_FAILURE_CODES: ReadonlySet<Code> = new Set([
  Code.InvalidArgument,
  Code.FailedPrecondition,
  Code.Unknown,
  Code.Aborted,
]);
