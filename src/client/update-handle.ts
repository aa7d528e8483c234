/**
 * Updates from the client: send one and wait for its result (`handle.executeUpdate`), or until the workflow
 * accepted it (`handle.startUpdate`, which returns a {@link WorkflowUpdateHandle}), or wait on one sent
 * before (`handle.getUpdateHandle(updateId)`).
 */
import { randomUUID } from 'node:crypto';
import { failureToError } from '../common/failure.js';
import { fromProtoFailure } from '../common/failure-proto.js';
import { payloadsToValue, valuesToPayloads } from '../common/payload-proto.js';
import {
  UpdateWorkflowExecutionLifecycleStage as ProtoStage,
  type UpdateOutcome,
} from '../gen/strata/v1/update_pb.js';
import { toClientError, WorkflowUpdateFailedError } from './errors.js';
import { callWithRetry } from './retry.js';
import type { HandleContext } from './workflow-handle-impl.js';

/** How far an update got before `startUpdate` returns. */
export const WorkflowUpdateStage = {
  /**
   * The server received the update. Not allowed with `startUpdate`: an admitted update is not durable yet.
   */
  ADMITTED: 'ADMITTED',
  /** The workflow accepted it (its validator passed) or rejected it. The one stage `startUpdate` takes. */
  ACCEPTED: 'ACCEPTED',
  /** The handler finished, with a result or a failure. */
  COMPLETED: 'COMPLETED',
} as const;
export type WorkflowUpdateStage = (typeof WorkflowUpdateStage)[keyof typeof WorkflowUpdateStage];

export interface WorkflowUpdateOptions {
  /**
   * Identifies the update within the run: sending the same id again joins the first update (and gets its
   * result) instead of running the handler twice.
   * @default a random UUID
   */
  readonly updateId?: string;
}

/** Options of `handle.startUpdate`. */
export interface WorkflowStartUpdateOptions extends WorkflowUpdateOptions {
  /** `startUpdate` returns once the workflow accepted (or rejected) the update. */
  readonly waitForStage: typeof WorkflowUpdateStage.ACCEPTED;
}

/** An update sent to a workflow: wait for its result with {@link WorkflowUpdateHandle.result}. */
export interface WorkflowUpdateHandle<Ret> {
  readonly updateId: string;
  readonly workflowId: string;
  /** The run that received the update. */
  readonly workflowRunId: string | undefined;
  /**
   * Waits for the update's handler to finish and returns its value. Throws {@link WorkflowUpdateFailedError}
   * when the validator rejected it or the handler threw a failure.
   */
  result(): Promise<Ret>;
}

interface UpdateTarget {
  workflowId: string;
  runId: string | undefined;
}

/** An update the server took, and its outcome when the answer carried it (a rejection, or the stage COMPLETED). */
export interface SentUpdate<Ret> {
  handle: WorkflowUpdateHandle<Ret>;
  outcome: UpdateOutcome | undefined;
}

/** Sends the update, calling again while the server's long poll ends before the workflow accepted it. */
export async function sendUpdate<Ret>(
  context: HandleContext,
  target: UpdateTarget,
  name: string,
  args: readonly unknown[],
  updateId: string | undefined,
  stage: WorkflowUpdateStage,
): Promise<SentUpdate<Ret>> {
  if (stage === WorkflowUpdateStage.ADMITTED) {
    throw new TypeError(
      '[INVALID_ARGUMENT] waitForStage ADMITTED is not supported: an admitted update is not durable yet; use ACCEPTED',
    );
  }
  const id = updateId ?? randomUUID();
  const request = {
    namespace: context.namespace,
    workflowExecution: { workflowId: target.workflowId, runId: target.runId ?? '' },
    waitPolicy: { lifecycleStage: stage === 'COMPLETED' ? ProtoStage.COMPLETED : ProtoStage.ACCEPTED },
    request: {
      meta: { updateId: id, identity: context.identity },
      input: { name, args: valuesToPayloads(args, `update "${name}" argument`) },
    },
  };
  for (;;) {
    // The same update id on every call: a resend joins the update the server already has.
    const response = await callWithRetry(() => context.service.updateWorkflowExecution(request)).catch(
      (err: unknown) => {
        throw toClientError(err, target);
      },
    );
    if (response.stage >= ProtoStage.ACCEPTED) {
      const runId = response.updateRef?.workflowExecution?.runId || target.runId;
      const handle = new UpdateHandleImpl<Ret>(
        context,
        id,
        { workflowId: target.workflowId, runId },
        response.outcome,
      );
      return { handle, outcome: response.outcome };
    }
  }
}

/** A handle to an update sent before, by its id. */
export function updateHandle<Ret>(
  context: HandleContext,
  updateId: string,
  target: UpdateTarget,
): WorkflowUpdateHandle<Ret> {
  return new UpdateHandleImpl<Ret>(context, updateId, target, undefined);
}

class UpdateHandleImpl<Ret> implements WorkflowUpdateHandle<Ret> {
  readonly workflowId: string;
  readonly workflowRunId: string | undefined;

  constructor(
    private readonly context: HandleContext,
    readonly updateId: string,
    target: UpdateTarget,
    /** A rejection is known only from the answer that carried it: the server does not keep rejections. */
    private readonly knownOutcome: UpdateOutcome | undefined,
  ) {
    this.workflowId = target.workflowId;
    this.workflowRunId = target.runId;
  }

  async result(): Promise<Ret> {
    const target = { workflowId: this.workflowId, runId: this.workflowRunId };
    let outcome = this.knownOutcome;
    // An answer without an outcome means the long poll timed out: poll again.
    while (outcome === undefined) {
      outcome = (await pollUpdate(this.context, target, this.updateId, ProtoStage.COMPLETED)).outcome;
    }
    return outcomeValue<Ret>(outcome, { updateId: this.updateId, ...target });
  }
}

/** The value of a success, or the {@link WorkflowUpdateFailedError} of a failure. */
export function outcomeValue<Ret>(
  outcome: UpdateOutcome,
  ids: { updateId: string; workflowId: string; runId: string | undefined },
): Ret {
  const value = outcome.value;
  if (value.case === 'success') return payloadsToValue(value.value) as Ret;
  const cause = value.case === 'failure' ? failureToError(fromProtoFailure(value.value)) : undefined;
  throw new WorkflowUpdateFailedError('Workflow Update failed', { cause, ...ids });
}

/** How far an update got, and its outcome once completed: waits for `stage`, or answers at once when UNSPECIFIED. */
export async function pollUpdate(
  context: HandleContext,
  target: UpdateTarget,
  updateId: string,
  stage: ProtoStage,
): Promise<{ stage: WorkflowUpdateStage; outcome: UpdateOutcome | undefined }> {
  const request = {
    namespace: context.namespace,
    updateRef: { workflowExecution: { workflowId: target.workflowId, runId: target.runId ?? '' }, updateId },
    identity: context.identity,
    waitPolicy: { lifecycleStage: stage },
  };
  const response = await callWithRetry(() => context.service.pollWorkflowExecutionUpdate(request)).catch(
    (err: unknown) => {
      throw toClientError(err, target);
    },
  );
  const reached =
    response.stage === ProtoStage.COMPLETED
      ? WorkflowUpdateStage.COMPLETED
      : response.stage === ProtoStage.ACCEPTED
        ? WorkflowUpdateStage.ACCEPTED
        : WorkflowUpdateStage.ADMITTED;
  return { stage: reached, outcome: response.outcome };
}
