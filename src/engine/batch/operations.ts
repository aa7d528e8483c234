/**
 * What a batch does to each execution: the same state transitions and transaction step as the
 * single-workflow RPCs (`changeRunningWorkflow` with terminate, cancel or signal), so a batch changes a
 * run exactly as the RPC would.
 */
import { BatchOperationType, type StartBatchOperationRequest } from '../../gen/strata/v1/batch_pb.js';
import type { StoreTransaction } from '../../store/store.js';
import type { CommitEffects, EngineCore } from '../engine-core.js';
import { invalidArgument } from '../errors.js';
import { changeRunningWorkflow, type RunRef } from '../executions-api.js';
import { requestCancelExecution, signalExecution, terminateExecution } from '../state/execution.js';
import { checkPayloads, requireField } from '../validation.js';

export interface BatchOperation {
  type: BatchOperationType;
  /** Changes one run inside `tx`; throws the RPC's error when the run cannot be changed. */
  apply(core: EngineCore, tx: StoreTransaction, effects: CommitEffects, run: RunRef): Promise<void>;
}

/** The request's operation, checked; a missing or malformed one is an INVALID_ARGUMENT. */
export function batchOperationOf(request: StartBatchOperationRequest): BatchOperation {
  const { operation, reason } = request;
  switch (operation.case) {
    case 'terminationOperation': {
      const { identity } = operation.value;
      return {
        type: BatchOperationType.TERMINATE,
        apply: (core, tx, effects, run) =>
          changeRunningWorkflow(core, tx, effects, run, (m) =>
            terminateExecution(m, reason, undefined, identity),
          ),
      };
    }
    case 'cancellationOperation': {
      const { identity } = operation.value;
      return {
        type: BatchOperationType.CANCEL,
        apply: (core, tx, effects, run) =>
          changeRunningWorkflow(core, tx, effects, run, (m) => requestCancelExecution(m, reason, identity)),
      };
    }
    case 'signalOperation': {
      const { signal, input, identity } = operation.value;
      requireField(signal, 'signal_operation.signal');
      checkPayloads(input, 'signal_operation.input');
      return {
        type: BatchOperationType.SIGNAL,
        apply: (core, tx, effects, run) =>
          changeRunningWorkflow(core, tx, effects, run, (m) => signalExecution(m, signal, input, identity)),
      };
    }
    case undefined:
      throw invalidArgument(
        'operation is required: one of termination_operation, cancellation_operation, signal_operation',
      );
    default: {
      const unknown: never = operation;
      throw invalidArgument(`unknown batch operation ${String(unknown)}`);
    }
  }
}
