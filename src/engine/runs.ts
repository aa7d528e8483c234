/**
 * Writing new runs: the first run of a workflow id (StartWorkflowExecution, SignalWithStart) and the next
 * run of a chain (continue-as-new, retry, cron), which goes into the closing run's own transaction.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { HistoryEventSchema } from '../gen/strata/v1/history_pb.js';
import { ExecutionAlreadyRunningError, type ExecutionRecord, type StoreTransaction } from '../store/store.js';
import type { CommitEffects, EngineCore } from './engine-core.js';
import { EngineError } from './errors.js';
import { newExecutionState, type StartExecutionInput, startExecution } from './state/execution.js';
import { Mutation } from './state/mutation.js';
import { nextRunInput } from './state/next-run.js';
import { syncVersioning } from './versioning/pinned-count.js';
import { routeTasks } from './versioning/route.js';

/** Inserts a run (its started event, first task or backoff, deadline) in the transaction. */
export async function insertRun(
  core: Pick<EngineCore, 'clock'>,
  tx: StoreTransaction,
  effects: CommitEffects,
  input: StartExecutionInput,
  requestId: string,
  afterStart?: (m: Mutation) => void,
): Promise<void> {
  const now = core.clock.nowMs();
  const m = new Mutation(newExecutionState(input, now), now);
  startExecution(m, input);
  afterStart?.(m);
  await syncVersioning(tx, m, {});
  await routeTasks(tx, m);
  try {
    await tx.insertExecution({
      ...m.toWrite(),
      namespace: input.namespace,
      workflowId: input.workflowId,
      runId: input.runId,
      workflowType: input.workflowType,
      taskQueue: input.taskQueue,
      startTimeMs: now,
      startRequestId: requestId,
    });
  } catch (error) {
    if (error instanceof ExecutionAlreadyRunningError) {
      throw new EngineError({
        code: 'WORKFLOW_ALREADY_STARTED',
        kind: 'already_exists',
        message: `workflow "${input.workflowId}" is already running; wait for it to close, or use another workflow id`,
        cause: error,
      });
    }
    throw error;
  }
  effects.record(m);
}

/**
 * Starts the run a closing mutation asked for (`m.nextRun`), after the closing run's row was written so
 * the workflow id has no running run. Retries and cron runs take the input of the closing run's
 * WorkflowExecutionStarted event.
 */
export async function startNextRun(
  core: Pick<EngineCore, 'clock'>,
  tx: StoreTransaction,
  effects: CommitEffects,
  closing: ExecutionRecord,
  m: Mutation,
): Promise<void> {
  if (m.nextRun === undefined) return;
  const [first] = await tx.readHistory(closing.namespace, closing.runId, 1, 1);
  const event = first ? fromBinary(HistoryEventSchema, first.data) : undefined;
  const started =
    event?.attributes.case === 'workflowExecutionStartedEventAttributes' ? event.attributes.value : undefined;
  await insertRun(core, tx, effects, nextRunInput(m.state, started, m.nextRun), '');
}
