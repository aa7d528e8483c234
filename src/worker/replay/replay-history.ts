/**
 * Offline replay (R7): runs workflow code against recorded histories, without a server, to prove that a
 * new deployment can continue the workflows in flight. Use it in CI with histories exported from
 * production.
 */
import { bundleWorkflowCode, type WorkflowBundle } from '../sandbox/bundler.js';
import { type SandboxWork, WorkflowSandbox } from '../sandbox/workflow-sandbox.js';
import { type DeterminismViolationError, ReplayError } from './errors.js';
import { type HistoryInput, historyEventsOf } from './history-json.js';
import { runInitOf } from './run-init.js';
import { type RunStep, WorkflowRun } from './workflow-run.js';

/** Where the workflow code comes from: a module to bundle, or a bundle from `bundleWorkflowCode` (Temporal's names). */
export type ReplayWorkerOptions = { workflowsPath: string } | { workflowBundle: WorkflowBundle };

export interface ReplayHistoriesItem {
  workflowId: string;
  history: HistoryInput;
}

export interface ReplayResult {
  workflowId: string;
  runId: string;
  /** `DeterminismViolationError` or `ReplayError`; absent when the history replayed cleanly. */
  error?: DeterminismViolationError | ReplayError;
}

async function sandboxFor(options: ReplayWorkerOptions): Promise<WorkflowSandbox> {
  const bundle = 'workflowBundle' in options ? options.workflowBundle : await bundleWorkflowCode(options);
  return WorkflowSandbox.create(bundle);
}

/**
 * Replays one history; throws `DeterminismViolationError` when the code no longer produces the recorded
 * commands, `ReplayError` for any other failure.
 *
 * @example
 * await runReplayHistory({ workflowsPath: './src/workflows.ts' }, JSON.parse(await readFile('history.json', 'utf8')));
 */
export async function runReplayHistory(
  options: ReplayWorkerOptions,
  history: HistoryInput,
  workflowId?: string,
): Promise<void> {
  const result = await replayObserved(await sandboxFor(options), history, workflowId);
  if (result.error) throw result.error;
}

/** Replays many histories with one sandbox; yields one result per history instead of throwing. */
export async function* runReplayHistories(
  options: ReplayWorkerOptions,
  histories: AsyncIterable<ReplayHistoriesItem> | Iterable<ReplayHistoriesItem>,
): AsyncGenerator<ReplayResult> {
  const sandbox = await sandboxFor(options);
  // Histories at hand are queued together: the sandbox runs them in one batch under one execution deadline, and
  // arming a deadline (a thread) costs more than replaying a short history. Results keep the histories' order.
  const pending: Promise<ReplayResult>[] = [];
  for await (const { workflowId, history } of histories) {
    const replay = replayObserved(sandbox, history, workflowId);
    replay.catch(() => undefined); // awaited in order below; meanwhile a rejection is not unhandled
    pending.push(replay);
    if (pending.length >= REPLAY_WINDOW) yield await pending.shift()!;
  }
  while (pending.length > 0) yield await pending.shift()!;
}

/** How many replays {@link runReplayHistories} queues ahead of the result it yields. */
const REPLAY_WINDOW = 32;

/** {@link replayOne}, where a promise rejection the code leaves unhandled fails the replay, as it fails a task. */
export async function replayObserved(
  sandbox: WorkflowSandbox,
  history: HistoryInput,
  workflowId?: string,
): Promise<ReplayResult> {
  const replay = prepareReplay(sandbox, history, workflowId);
  if (!('work' in replay)) return replay;
  const { result, unhandledRejections } = await sandbox.runUnit(replay.work);
  const rejection = unhandledRejections[0];
  if (result.error !== undefined || rejection === undefined) return result;
  const ids = { workflowId: result.workflowId, runId: result.runId };
  const message = `[REPLAY] workflow "${ids.workflowId}" run "${ids.runId}": the workflow code left a promise rejection unhandled: ${rejection.message}`;
  return { ...ids, error: new ReplayError(message, { ...ids, cause: rejection }) };
}

/** Replays with an existing sandbox, synchronously; reports the failure rather than throwing it. */
export function replayOne(
  sandbox: WorkflowSandbox,
  history: HistoryInput,
  workflowId?: string,
): ReplayResult {
  const replay = prepareReplay(sandbox, history, workflowId);
  return 'work' in replay ? sandbox.runNow(replay.work) : replay;
}

/** The work replaying `history`, or why it cannot be replayed. */
function prepareReplay(
  sandbox: WorkflowSandbox,
  history: HistoryInput,
  workflowId?: string,
): ReplayResult | { work: SandboxWork<ReplayResult> } {
  let events: ReturnType<typeof historyEventsOf>;
  try {
    events = historyEventsOf(history);
  } catch (err) {
    const error = new ReplayError(`[REPLAY] the history cannot be read: ${String(err)}`, {
      workflowId,
      cause: err,
    });
    return { workflowId: workflowId ?? '', runId: '', error };
  }
  const init = runInitOf(events[0], { namespace: 'default', ...(workflowId ? { workflowId } : {}) });
  if (init === undefined) {
    const error = new ReplayError(
      '[REPLAY] the history does not start with a WorkflowExecutionStarted event',
      {
        workflowId,
      },
    );
    return { workflowId: workflowId ?? '', runId: '', error };
  }
  const ids = { workflowId: init.workflowId, runId: init.runId };
  if (!sandbox.workflowTypes.includes(init.workflowType)) {
    const error = new ReplayError(
      `[REPLAY] workflow type "${init.workflowType}" is not exported by the workflows module; it exports: ${sandbox.workflowTypes.join(', ')}`,
      ids,
    );
    return { ...ids, error };
  }
  const applying = new WorkflowRun(sandbox, init).applyEvents(events);
  const resultOf = (step: RunStep): ReplayResult => {
    if (step.kind === 'nondeterminism') return { ...ids, error: step.error };
    if (step.kind === 'taskFailed') {
      const message = `[REPLAY] workflow "${ids.workflowId}" run "${ids.runId}": the workflow code failed its workflow task: ${step.failure.message}`;
      return { ...ids, error: new ReplayError(message, { ...ids, cause: step.failure }) };
    }
    return ids;
  };
  return {
    work: {
      run: () => {
        try {
          const step = applying.run();
          return step === undefined ? undefined : resultOf(step);
        } catch (err) {
          if (err instanceof ReplayError) return { ...ids, error: err };
          throw err;
        }
      },
      interrupted: () => resultOf(applying.interrupted()),
    },
  };
}
