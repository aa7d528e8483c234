/**
 * The marker that records a local activity's outcome: Temporal's `core_local_activity` marker. Its `data` detail
 * holds `{ seq, attempt, activityId, activityType, completeTime, backoff, originalScheduleTime }` as JSON, its
 * `result` detail the result, and the marker's `failure` the ActivityFailure, so histories read the same in both
 * engines. Pure JavaScript: the workflow runtime writes it inside the sandbox, the replayer reads it back so a
 * replay resolves the local activity without running it again.
 */
import { jsonObjectOf, type RawPayload } from './converter.js';
import type { FailureShape } from './failure.js';

export const LOCAL_ACTIVITY_MARKER_NAME = 'core_local_activity';

/** What the `data` detail records. Times are ISO strings and `backoff` a duration like `"90s"`, as Temporal's JSON. */
export interface LocalActivityMarkerData {
  seq: number;
  attempt: number;
  activityId: string;
  activityType: string;
  completeTime: string;
  /** Set when the next attempt waits on a durable timer of this length. */
  backoff: string | null;
  originalScheduleTime: string;
}

/** A local activity's outcome as a marker: its details and, unless it completed, its failure. */
export interface LocalActivityMarker {
  data: LocalActivityMarkerData;
  result: RawPayload | undefined;
  failure: FailureShape | undefined;
}

export function localActivityMarkerDetails(marker: LocalActivityMarker): Record<string, RawPayload[]> {
  const details: Record<string, RawPayload[]> = {
    data: [{ encoding: 'json/plain', data: JSON.stringify(marker.data) }],
  };
  if (marker.result !== undefined) details.result = [marker.result];
  return details;
}

/** The marker data of a `data` detail's JSON text; undefined when it is not a local activity's. */
export function localActivityMarkerDataOfJson(json: string | undefined): LocalActivityMarkerData | undefined {
  const data = jsonObjectOf(json) as Partial<LocalActivityMarkerData> | undefined;
  if (data === undefined) return undefined;
  if (typeof data.seq !== 'number' || typeof data.activityType !== 'string') return undefined;
  return data as LocalActivityMarkerData;
}

/** `"90s"` for 90,000 ms: a protobuf JSON duration. */
export function durationJson(ms: number): string {
  return `${ms / 1000}s`;
}

/** 90,000 for `"90s"`; undefined for anything else. */
export function msOfDurationJson(text: string | null | undefined): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(text ?? '');
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}
