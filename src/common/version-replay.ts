/**
 * Replay on a version's workers (ReplayWorkflowsOnVersion): the server hands a worker of the version a
 * query of this reserved type carrying the run's whole history; the worker replays it with its own code,
 * outside its cache, and answers with a {@link VersionReplayAnswer} as the query's result.
 */

/** The reserved query type (Temporal reserves names starting with `__` for the SDK's own queries). */
export const VERSION_REPLAY_QUERY_TYPE = '__strata_replay';

/** What a worker answers for one replayed history. */
export type VersionReplayAnswer =
  | { ok: true; identity: string }
  | {
      ok: false;
      identity: string;
      /** `DeterminismViolationError` or `ReplayError`. */
      errorType: string;
      message: string;
      /** The first history event where the code diverged, when the replayer found one. */
      eventId?: number;
    };

/** Reads an answer from a query result; undefined when it is not one (an older worker answered). */
export function parseVersionReplayAnswer(value: unknown): VersionReplayAnswer | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const answer = value as Record<string, unknown>;
  const identity = typeof answer.identity === 'string' ? answer.identity : '';
  if (answer.ok === true) return { ok: true, identity };
  if (answer.ok !== false || typeof answer.message !== 'string') return undefined;
  return {
    ok: false,
    identity,
    errorType: typeof answer.errorType === 'string' ? answer.errorType : 'ReplayError',
    message: answer.message,
    ...(typeof answer.eventId === 'number' ? { eventId: answer.eventId } : {}),
  };
}
