/**
 * What a batch does to each execution: the same transaction steps as the single-workflow RPCs
 * (`changeRunningWorkflow` with the terminate, cancel or signal transition; `setRunVersioningOverride` for
 * options), so a batch changes a run exactly as the RPC would.
 */
import { BatchOperationType, type StartBatchOperationRequest } from '../../gen/strata/v1/batch_pb.js';
import type { StoreTransaction } from '../../store/store.js';
import type { CommitEffects, EngineCore } from '../engine-core.js';
import { invalidArgument } from '../errors.js';
import { changeRunningWorkflow, type RunRef, runningRecord } from '../executions-api.js';
import { requestCancelExecution, signalExecution, terminateExecution } from '../state/execution.js';
import { checkPayloads, requireField } from '../validation.js';
import { checkOptionsUpdate, setRunVersioningOverride } from '../workflow-options-api.js';

export interface BatchOperation {
  type: BatchOperationType;
  /**
   * Changes one run inside `tx`; throws the RPC's error when the run cannot be changed. May return what to
   * do once the transaction committed.
   */
  apply(
    core: EngineCore,
    tx: StoreTransaction,
    effects: CommitEffects,
    run: RunRef,
  ): Promise<AfterCommit | undefined>;
}

export type AfterCommit = () => void;

/** The request's operation, checked; a missing or malformed one is an INVALID_ARGUMENT. */
export function batchOperationOf(request: StartBatchOperationRequest): BatchOperation {
  const { operation, reason } = request;
  switch (operation.case) {
    case 'terminationOperation': {
      const { identity } = operation.value;
      return {
        type: BatchOperationType.TERMINATE,
        apply: async (core, tx, effects, run) => {
          await changeRunningWorkflow(core, tx, effects, run, (m) =>
            terminateExecution(m, reason, undefined, identity),
          );
          return undefined;
        },
      };
    }
    case 'cancellationOperation': {
      const { identity } = operation.value;
      return {
        type: BatchOperationType.CANCEL,
        apply: async (core, tx, effects, run) => {
          await changeRunningWorkflow(core, tx, effects, run, (m) =>
            requestCancelExecution(m, reason, identity),
          );
          return undefined;
        },
      };
    }
    case 'signalOperation': {
      const { signal, input, identity } = operation.value;
      requireField(signal, 'signal_operation.signal');
      checkPayloads(input, 'signal_operation.input');
      return {
        type: BatchOperationType.SIGNAL,
        apply: async (core, tx, effects, run) => {
          await changeRunningWorkflow(core, tx, effects, run, (m) =>
            signalExecution(m, signal, input, identity),
          );
          return undefined;
        },
      };
    }
    case 'updateWorkflowOptionsOperation': {
      const { identity } = operation.value;
      const override = checkOptionsUpdate(operation.value, 'update_workflow_options_operation.');
      return {
        type: BatchOperationType.UPDATE_EXECUTION_OPTIONS,
        apply: async (core, tx, effects, run) => {
          const record = await runningRecord(core, tx, run);
          const changed = await setRunVersioningOverride(core, tx, effects, record, override, identity);
          // Its moved tasks wait on other versions' channels now.
          return changed ? () => core.matching.wakeAll() : undefined;
        },
      };
    }
    case undefined:
      throw invalidArgument(
        'operation is required: one of termination_operation, cancellation_operation, signal_operation, update_workflow_options_operation',
      );
    default: {
      const unknown: never = operation;
      throw invalidArgument(`unknown batch operation ${String(unknown)}`);
    }
  }
}
