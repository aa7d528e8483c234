/**
 * Signalling and cancelling other workflows from workflow code: `getExternalWorkflowHandle(workflowId)`.
 * Each call is a command recorded in history; the server delivers it and answers with an event, so the
 * promise settles in a later workflow task (it rejects when the target is not found or already closed).
 */
import { encodeValues, type RawPayload } from '../common/converter.js';
import { type FailureShape, failureToError } from '../common/failure.js';
import type { Activator } from './activator.js';
import { joinCurrentScope } from './cancellation-scope.js';
import { getActivator } from './global-state.js';
import type { SignalDefinition } from './handlers.js';

/** A handle to a workflow that is not a child of this one (or is, when got by id). */
export interface ExternalWorkflowHandle {
  readonly workflowId: string;
  /** The run the handle targets; `undefined` targets the workflow id's latest run. */
  readonly runId?: string;
  /**
   * Signals the workflow. Resolves once the signal is recorded in its history; rejects when it is not
   * found or already closed.
   */
  signal<Args extends unknown[] = [], Name extends string = string>(
    def: SignalDefinition<Args, Name> | string,
    ...args: Args
  ): Promise<void>;
  /**
   * Requests the workflow's cancellation (it decides how to react). Resolves once the request is recorded
   * in its history; rejects when it is not found or already closed.
   */
  cancel(): Promise<void>;
}

/** The workflow a signal or cancellation goes to. */
export interface ExternalTarget {
  workflowId: string;
  /** Empty for the latest run. */
  runId: string;
  /** Only a child of this workflow may receive it (how a parent reaches its children). */
  childWorkflowOnly: boolean;
}

interface PendingRequest {
  resolve(): void;
  reject(error: unknown): void;
  description: string;
}

/** The run's signals and cancellations of other workflows that the server has not answered yet. */
export class ExternalWorkflows {
  #nextSignalSeq = 1;
  #nextCancelSeq = 1;
  readonly #signals = new Map<number, PendingRequest>();
  readonly #cancels = new Map<number, PendingRequest>();

  constructor(private readonly activator: Activator) {}

  /** Signals `target`; cancelling the calling scope rejects the promise (and drops the signal if not sent). */
  signal(target: ExternalTarget, signalName: string, args: unknown[]): Promise<void> {
    const activator = this.activator;
    activator.assertMayCommand('signalExternalWorkflow');
    let input: RawPayload[];
    try {
      input = encodeValues(args, `argument of signal "${signalName}":`);
    } catch (err) {
      return Promise.reject(err);
    }
    const seq = this.#nextSignalSeq++;
    return new Promise<void>((resolve, reject) => {
      const membership = joinCurrentScope((reason) => {
        if (!this.#signals.delete(seq)) return;
        activator.unsend((c) => c.kind === 'signalExternalWorkflow' && c.seq === seq);
        reject(reason);
      });
      if (membership.rejectNow) {
        reject(membership.rejectNow);
        return;
      }
      const { unsubscribe } = membership;
      this.#signals.set(seq, {
        resolve: () => {
          unsubscribe();
          resolve();
        },
        reject: (error) => {
          unsubscribe();
          reject(error);
        },
        description: `signal "${signalName}" to workflow ${target.workflowId}`,
      });
      activator.pushCommand({ kind: 'signalExternalWorkflow', seq, signalName, args: input, ...target });
    });
  }

  /** Requests `target`'s cancellation; fails at once when the calling scope is already cancelled. */
  cancel(target: ExternalTarget): Promise<void> {
    this.activator.assertMayCommand('requestCancelExternalWorkflow');
    // Not cancellable once sent, as in Temporal: the scope is only checked at the call.
    const membership = joinCurrentScope(() => undefined);
    if (membership.rejectNow) return Promise.reject(membership.rejectNow);
    membership.unsubscribe();
    return this.requestCancel(target);
  }

  /** Requests `target`'s cancellation whatever the scope (how a cancelled parent cancels its child). */
  requestCancel(target: ExternalTarget): Promise<void> {
    const seq = this.#nextCancelSeq++;
    return new Promise<void>((resolve, reject) => {
      this.#cancels.set(seq, {
        resolve,
        reject,
        description: `cancellation of workflow ${target.workflowId}`,
      });
      this.activator.pushCommand({ kind: 'requestCancelExternalWorkflow', seq, ...target });
    });
  }

  resolveSignal(seq: number, failure: FailureShape | undefined): void {
    settle(this.#signals, seq, failure);
  }

  resolveCancel(seq: number, failure: FailureShape | undefined): void {
    settle(this.#cancels, seq, failure);
  }

  /** One line per request still waiting for the server, for the `__stack_trace` query. */
  describePending(): string[] {
    return [...this.#signals.values(), ...this.#cancels.values()].map((p) => `awaiting ${p.description}`);
  }
}

function settle(pending: Map<number, PendingRequest>, seq: number, failure: FailureShape | undefined): void {
  const request = pending.get(seq);
  // A signal whose scope was cancelled already rejected; the server's late answer changes nothing.
  if (request === undefined) return;
  pending.delete(seq);
  if (failure === undefined) request.resolve();
  else request.reject(failureToError(failure));
}

/** The signal name of a definition or a name. */
export function signalNameOf(def: SignalDefinition<never[]> | string): string {
  return typeof def === 'string' ? def : def.name;
}

/**
 * A handle to signal or cancel another workflow by id (and run id, else its latest run).
 *
 * @example
 * const other = getExternalWorkflowHandle('order-42');
 * await other.signal(approve, 'alice');
 * await other.cancel();
 */
export function getExternalWorkflowHandle(workflowId: string, runId?: string): ExternalWorkflowHandle {
  const target: ExternalTarget = { workflowId, runId: runId ?? '', childWorkflowOnly: false };
  return {
    workflowId,
    runId,
    signal: (def, ...args) =>
      getActivator('handle.signal()').externalWorkflows.signal(
        target,
        signalNameOf(def as SignalDefinition<never[]> | string),
        args,
      ),
    cancel: () => getActivator('handle.cancel()').externalWorkflows.cancel(target),
  };
}
