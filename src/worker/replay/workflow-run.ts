/**
 * The host side of one cached run: feeds history events to its sandbox run as activations and checks, in
 * order, that the commands the code produces match the command events the history recorded (R1-R3).
 * The same path serves a full replay and the few new events of a sticky task: the commands of the last
 * task stay pending until the events the server wrote for them arrive.
 */

import type { RawPayload } from '../../common/converter.js';
import { errorToFailure, type FailureShape } from '../../common/failure.js';
import type { HistoryEvent } from '../../gen/strata/v1/history_pb.js';
import type { UpdateRequestMessage } from '../../gen/strata/v1/update_pb.js';
import type {
  Activation,
  ActivationJob,
  LocalActivityRequest,
  LocalActivityResolution,
  QueryOutcome,
  RunInit,
  WorkflowCommand,
  WorkflowLogEntry,
} from '../../workflow/activation.js';
import { DeterminismViolationError } from '../../workflow/errors.js';
import type { SandboxRun, SandboxWork, WorkflowSandbox } from '../sandbox/workflow-sandbox.js';
import { type InitiatingCommand, isInitiatingCommand } from './child-workflow-jobs.js';
import { commandMismatch } from './command-matching.js';
import { ReplayError, WorkflowDeadlockError } from './errors.js';
import { describeCommand, describeEvent, isCommandEvent } from './history-events.js';
import { jobOfEvent, orderJobs, type ScheduledActivity } from './history-jobs.js';
import { localActivityMarkersOfTask } from './local-activity-markers.js';
import { nondeterminismAdvice, patchIdsOfTask, skipsPatchEvent } from './patch-replay.js';
import { acceptedUpdatesByTask, updateJobsOfRequests } from './update-jobs.js';

/** Local activities the worker is to start, and those (started earlier) the code no longer waits for. */
export interface LocalActivityWork {
  start: LocalActivityRequest[];
  /** `abort`: abort the running attempt; `keepWaiting`: the run still waits for its outcome. */
  cancel: { seq: number; abort: boolean; keepWaiting: boolean }[];
}

export type RunStep =
  /** The history ends with an open workflow task: these are its commands, to send to the server. */
  | {
      kind: 'commands';
      commands: WorkflowCommand[];
      logs: WorkflowLogEntry[];
      localActivities: LocalActivityWork;
    }
  /** The history ends without an open workflow task (offline replay of a finished or waiting run). */
  | { kind: 'replayed'; logs: WorkflowLogEntry[] }
  /** The workflow code threw a non-failure error or produced a value that cannot be serialized. */
  | { kind: 'taskFailed'; failure: FailureShape; replaying: boolean; logs: WorkflowLogEntry[] }
  | { kind: 'nondeterminism'; error: DeterminismViolationError; logs: WorkflowLogEntry[] };

export class WorkflowRun {
  readonly init: RunInit;
  readonly #sandbox: WorkflowSandbox;
  /** Created by the first activation, under its deadline: module top-level code may loop too. */
  #sandboxRun: SandboxRun | undefined;
  /** Id of the last event applied. */
  lastEventId = 0;
  /** Id of the WorkflowTaskStarted event of the last activation. */
  lastStartedEventId = 0;
  #jobs: ActivationJob[] = [];
  /** Commands of the last activation not matched to history events yet. */
  #pending: WorkflowCommand[] = [];
  /** Update rejections of the open workflow task: sent to the server, but they write no event to match. */
  #rejections: WorkflowCommand[] = [];
  readonly #activities = new Map<number, ScheduledActivity>();
  readonly #scheduledEventIdBySeq = new Map<number, number>();
  readonly #timerSeqById = new Map<string, number>();
  /** Local activities the code waits for, by seq; handed out = given to the worker to run. */
  readonly #localActivities = new Map<number, LocalActivityRequest>();
  readonly #localActivitiesHandedOut = new Set<number>();
  #localActivitiesCancelled: LocalActivityWork['cancel'] = [];
  /** Facts of the current workflow task: activations inside it (local activity outcomes) see the same. */
  #task: Omit<Activation, 'isReplaying' | 'jobs'> = {
    timestampMs: 0,
    historyLength: 0,
    historySizeBytes: 0,
    continueAsNewSuggested: false,
  };
  /** `deprecatePatch` ids called in replay without a marker in history: they explain a divergence. */
  readonly #unmarkedDeprecatedPatches = new Set<string>();
  /** Child workflow and external commands by their initiated event id. */
  readonly #initiated = new Map<number, InitiatingCommand>();

  constructor(sandbox: WorkflowSandbox, init: RunInit) {
    this.init = init;
    this.#sandbox = sandbox;
  }

  /** The run in the sandbox; call it from work, under a deadline. */
  #inSandbox(): SandboxRun {
    this.#sandboxRun ??= this.#sandbox.createRun(this.init);
    return this.#sandboxRun;
  }

  /**
   * Work answering a query from the run's current state; interrupted, it throws {@link WorkflowDeadlockError} (the run
   * must then be discarded).
   */
  query(queryType: string, args: RawPayload[]): SandboxWork<QueryOutcome> {
    return {
      run: () => (this.#sandbox.mayRunCode() ? this.#inSandbox().query(queryType, args) : undefined),
      interrupted: () => {
        throw this.#deadlock(`answering query "${queryType}"`);
      },
    };
  }

  /** The event id of the ActivityTaskScheduled of activity `seq` (RequestCancelActivityTask needs it). */
  scheduledEventIdOf(seq: number): number | undefined {
    return this.#scheduledEventIdBySeq.get(seq);
  }

  /**
   * Work applying events that continue the run's history (all of it for a new run), activating the code at each
   * completed workflow task and at the open one the history ends with, which also gets `updateRequests` (the
   * updates its task delivers). A long replay goes on under new deadlines, so each activation gets the full
   * execution timeout.
   */
  applyEvents(
    events: readonly HistoryEvent[],
    updateRequests: readonly UpdateRequestMessage[] = [],
  ): SandboxWork<RunStep> {
    const logs: WorkflowLogEntry[] = [];
    const completedTasks = completedTaskStartIds(events);
    const acceptedUpdates = acceptedUpdatesByTask(events);
    let next = 0;
    let replaying = false;
    const run = (): RunStep | undefined => {
      for (; next < events.length; next++) {
        const event = events[next]!;
        if (event.eventId !== this.lastEventId + 1) {
          throw new ReplayError(
            `[REPLAY] event ${event.eventId} follows event ${this.lastEventId}: the history has a gap or does not continue this run`,
            { workflowId: this.init.workflowId, runId: this.init.runId },
          );
        }
        if (isCommandEvent(event)) {
          this.lastEventId = event.eventId;
          this.#matchCommandEvent(event);
          continue;
        }
        if (event.attributes.case !== 'workflowTaskStartedEventAttributes') {
          this.lastEventId = event.eventId;
          const job = jobOfEvent(event, {
            activityByScheduledEventId: (id) => this.#activities.get(id),
            timerSeqOfId: (id) => this.#timerSeqById.get(id),
            initiatedBy: (id) => this.#initiated.get(id),
          });
          if (job !== undefined) this.#jobs.push(job);
          continue;
        }
        const outcome = completedTasks.get(event.eventId);
        // A failed or timed-out attempt produced nothing: its jobs go to the next attempt.
        if (outcome === 'failed') {
          this.lastEventId = event.eventId;
          continue;
        }
        if (!this.#sandbox.mayRunCode()) return undefined;
        this.lastEventId = event.eventId;
        replaying = outcome === 'completed';
        const patchIds = replaying ? patchIdsOfTask(events, next) : [];
        const updates = replaying
          ? (acceptedUpdates.get(event.eventId) ?? [])
          : updateJobsOfRequests(updateRequests);
        const step =
          this.#activate(event, replaying, [...patchIds.map(notifyHasPatch), ...updates], logs) ??
          (replaying ? this.#resolveFromMarkers(localActivityMarkersOfTask(events, next), logs) : undefined);
        if (step !== undefined) return step;
        if (outcome === undefined) return this.#commandsStep(logs);
      }
      return { kind: 'replayed', logs };
    };
    return {
      run: () => {
        try {
          return run();
        } catch (err) {
          if (err instanceof DeterminismViolationError) return { kind: 'nondeterminism', error: err, logs };
          if (err instanceof ReplayError) throw err;
          throw new ReplayError(`[REPLAY] ${err instanceof Error ? err.message : String(err)}`, {
            workflowId: this.init.workflowId,
            runId: this.init.runId,
            cause: err,
          });
        }
      },
      interrupted: () => {
        const where =
          this.#sandboxRun === undefined
            ? 'while loading the workflow modules'
            : `in the workflow task of event ${this.lastEventId}`;
        return { kind: 'taskFailed', failure: errorToFailure(this.#deadlock(where)), replaying, logs };
      },
    };
  }

  /**
   * Forgets the speculative workflow task just activated, which the server discards because its answer only
   * rejects updates: its WorkflowTaskScheduled and WorkflowTaskStarted never enter history, so the run goes back
   * to ending at the event before them. The code ran only validators, which must not change state.
   */
  discardSpeculativeTask(scheduledEventId: number, previousStartedEventId: number): void {
    this.lastEventId = scheduledEventId - 1;
    this.lastStartedEventId = previousStartedEventId;
  }

  #activate(
    started: HistoryEvent,
    replaying: boolean,
    taskJobs: ActivationJob[],
    logs: WorkflowLogEntry[],
  ): RunStep | undefined {
    const extra = this.#pending[0];
    if (extra !== undefined) {
      throw this.#nde(
        `before event ${started.eventId} (the next workflow task) the code produced ${describeCommand(extra)}, ` +
          `which the history does not have after the task of event ${this.lastStartedEventId}`,
        started.eventId,
      );
    }
    const attributes =
      started.attributes.case === 'workflowTaskStartedEventAttributes' ? started.attributes.value : undefined;
    this.#task = {
      timestampMs: started.eventTimeMs,
      historyLength: started.eventId,
      historySizeBytes: attributes?.historySizeBytes ?? 0,
      continueAsNewSuggested: attributes?.suggestContinueAsNew ?? false,
    };
    const completion = this.#inSandbox().activate({
      ...this.#task,
      isReplaying: replaying,
      jobs: orderJobs([...this.#jobs, ...taskJobs]),
    });
    this.#jobs = [];
    this.lastStartedEventId = started.eventId;
    logs.push(...completion.logs);
    if (completion.kind === 'failed')
      return { kind: 'taskFailed', failure: completion.failure, replaying, logs };
    this.#rejections = [];
    this.#pending = this.#takeWorkerCommands(completion.commands);
    for (const id of completion.unmarkedDeprecatedPatches ?? []) this.#unmarkedDeprecatedPatches.add(id);
    return undefined;
  }

  /**
   * Work delivering a local activity's outcome (from the worker's local execution) to the run, inside the open
   * workflow task; returns the task's commands so far and the local activities to start or abort.
   */
  resolveLocalActivity(seq: number, resolution: LocalActivityResolution): SandboxWork<RunStep> {
    const logs: WorkflowLogEntry[] = [];
    return {
      run: () => {
        if (!this.#sandbox.mayRunCode()) return undefined;
        // Cancelled by the code meanwhile: nothing waits for this outcome.
        if (!this.#localActivities.has(seq)) return this.#commandsStep(logs);
        return this.#activateInTask(seq, resolution, false, logs) ?? this.#commandsStep(logs);
      },
      interrupted: () => {
        const failure = errorToFailure(this.#deadlock(`resolving local activity ${seq}`));
        return { kind: 'taskFailed', failure, replaying: false, logs };
      },
    };
  }

  #commandsStep(logs: WorkflowLogEntry[]): RunStep {
    const start = [...this.#localActivities.values()].filter(
      (r) => !this.#localActivitiesHandedOut.has(r.seq),
    );
    for (const request of start) this.#localActivitiesHandedOut.add(request.seq);
    const cancel = this.#localActivitiesCancelled;
    this.#localActivitiesCancelled = [];
    const commands = [...this.#pending, ...this.#rejections];
    return { kind: 'commands', commands, logs, localActivities: { start, cancel } };
  }

  /**
   * Keeps the commands the history will have events for; notes the local activities the code scheduled or gave
   * up on, and the update rejections (for the server, without an event).
   */
  #takeWorkerCommands(commands: WorkflowCommand[]): WorkflowCommand[] {
    const forServer: WorkflowCommand[] = [];
    for (const command of commands) {
      if (command.kind === 'scheduleLocalActivity') {
        const { kind: _kind, ...request } = command;
        this.#localActivities.set(command.seq, request);
      } else if (command.kind === 'cancelLocalActivity') {
        const { seq, abort, waitForOutcome } = command;
        // Not handed out yet and waited for: it starts, sees its cancellation at once, and reports it.
        this.#localActivitiesCancelled.push({ seq, abort, keepWaiting: waitForOutcome });
        if (!waitForOutcome) {
          this.#localActivities.delete(seq);
          this.#localActivitiesHandedOut.delete(seq);
        }
      } else if (command.kind === 'rejectUpdate') {
        this.#rejections.push(command);
      } else {
        forServer.push(command);
      }
    }
    return forServer;
  }

  /**
   * In replay, a local activity is resolved from the marker its task recorded, never run again. Markers are
   * delivered in history order, each as soon as the code has scheduled its activity, as they were live.
   */
  #resolveFromMarkers(
    markers: ReturnType<typeof localActivityMarkersOfTask>,
    logs: WorkflowLogEntry[],
  ): RunStep | undefined {
    const remaining = [...markers];
    for (;;) {
      const index = remaining.findIndex((m) => this.#localActivities.has(m.data.seq));
      if (index < 0) return undefined;
      const [marker] = remaining.splice(index, 1);
      const step = this.#activateInTask(marker!.data.seq, marker!.resolution, true, logs);
      if (step !== undefined) return step;
    }
  }

  /** One more activation inside the current workflow task: a local activity's outcome; its commands follow the task's. */
  #activateInTask(
    seq: number,
    resolution: LocalActivityResolution,
    replaying: boolean,
    logs: WorkflowLogEntry[],
  ): RunStep | undefined {
    this.#localActivities.delete(seq);
    this.#localActivitiesHandedOut.delete(seq);
    const completion = this.#inSandbox().activate({
      ...this.#task,
      isReplaying: replaying,
      jobs: [{ kind: 'resolveLocalActivity', seq, resolution }],
    });
    logs.push(...completion.logs);
    if (completion.kind === 'failed')
      return { kind: 'taskFailed', failure: completion.failure, replaying, logs };
    this.#pending.push(...this.#takeWorkerCommands(completion.commands));
    return undefined;
  }

  #matchCommandEvent(event: HistoryEvent): void {
    if (skipsPatchEvent(event, this.#pending[0])) return;
    const command = this.#pending.shift();
    if (command === undefined) {
      throw this.#nde(
        `at event ${event.eventId} the history has ${describeEvent(event)}, a command the code did not produce ` +
          `(the code produced no more commands in the task of event ${this.lastStartedEventId})`,
        event.eventId,
        event,
      );
    }
    const mismatch = commandMismatch(command, event, (seq) => this.#scheduledEventIdBySeq.get(seq));
    if (mismatch !== undefined) {
      throw this.#nde(
        `at event ${event.eventId} the history has ${describeEvent(event)} ` +
          `but the code produced ${describeCommand(command)} (${mismatch})`,
        event.eventId,
        event,
      );
    }
    if (command.kind === 'scheduleActivity') {
      this.#activities.set(event.eventId, {
        seq: command.seq,
        activityType: command.activityType,
        activityId: command.activityId,
      });
      this.#scheduledEventIdBySeq.set(command.seq, event.eventId);
    } else if (command.kind === 'startTimer') {
      this.#timerSeqById.set(command.timerId, command.seq);
    } else if (isInitiatingCommand(command)) {
      this.#initiated.set(event.eventId, command);
    }
  }

  #deadlock(where: string): WorkflowDeadlockError {
    const { workflowId, runId, workflowType } = this.init;
    return new WorkflowDeadlockError(
      `[DEADLOCK] Potential deadlock detected: workflow "${workflowId}" run "${runId}" (type "${workflowType}") ` +
        `did not yield within ${this.#sandbox.executionTimeoutMs} ms ${where}. Workflow code must not loop forever ` +
        'or compute for long between awaits: move heavy computation into an activity, or raise the worker option ' +
        'isolateExecutionTimeout if this is expected.',
    );
  }

  #nde(what: string, eventId: number, event?: HistoryEvent): DeterminismViolationError {
    const advice = nondeterminismAdvice({
      event,
      unmarkedDeprecatedPatches: [...this.#unmarkedDeprecatedPatches],
    });
    return new DeterminismViolationError(
      `[NDE] workflow "${this.init.workflowId}" run "${this.init.runId}" (type "${this.init.workflowType}"): ${what}. ${advice}`,
      { eventId },
    );
  }
}

function notifyHasPatch(patchId: string): ActivationJob {
  return { kind: 'notifyHasPatch', patchId };
}

/** For each WorkflowTaskStarted in `events`, whether its task completed or failed (absent: still open). */
function completedTaskStartIds(events: readonly HistoryEvent[]): Map<number, 'completed' | 'failed'> {
  const outcomes = new Map<number, 'completed' | 'failed'>();
  for (const event of events) {
    const a = event.attributes;
    // A task's closing event follows its started event, hence the fallback when the id is not filled in.
    if (a.case === 'workflowTaskCompletedEventAttributes') {
      outcomes.set(a.value.startedEventId || event.eventId - 1, 'completed');
    } else if (
      a.case === 'workflowTaskFailedEventAttributes' ||
      a.case === 'workflowTaskTimedOutEventAttributes'
    ) {
      outcomes.set(a.value.startedEventId || event.eventId - 1, 'failed');
    }
  }
  return outcomes;
}
