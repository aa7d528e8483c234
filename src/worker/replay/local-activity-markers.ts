/**
 * Replay of local activities: the outcome a `core_local_activity` marker records, delivered to the run as the
 * `resolveLocalActivity` job the worker would have sent live, so the activity is not run again.
 */
import { fromProtoFailure } from '../../common/failure-proto.js';
import { type LocalActivityMarkerData, msOfDurationJson } from '../../common/local-activity-marker.js';
import { localActivityDataOfAttributes } from '../../common/local-activity-marker-proto.js';
import { fromProtoPayload } from '../../common/payload-proto.js';
import type { HistoryEvent } from '../../gen/strata/v1/history_pb.js';
import type { LocalActivityResolution } from '../../workflow/activation.js';

/** The local activity a history event records and how it ended; undefined for other events. */
export function localActivityMarkerOfEvent(
  event: HistoryEvent,
): { data: LocalActivityMarkerData; resolution: LocalActivityResolution } | undefined {
  const a = event.attributes;
  if (a.case !== 'markerRecordedEventAttributes') return undefined;
  const data = localActivityDataOfAttributes(a.value);
  if (data === undefined) return undefined;
  const common = { attempt: data.attempt, completeTimeMs: Date.parse(data.completeTime) };
  if (a.value.failure === undefined) {
    const result = a.value.details.result?.payloads[0];
    return {
      data,
      resolution: { status: 'completed', result: result && fromProtoPayload(result), ...common },
    };
  }
  const failure = fromProtoFailure(a.value.failure);
  const backoffMs = msOfDurationJson(data.backoff);
  if (backoffMs === undefined) return { data, resolution: { status: 'failed', failure, ...common } };
  return {
    data,
    resolution: { status: 'backoff', failure, backoffMs, nextAttempt: data.attempt + 1, ...common },
  };
}

/** The local activity markers the task started at `events[startedIndex]` recorded, in history order. */
export function localActivityMarkersOfTask(
  events: readonly HistoryEvent[],
  startedIndex: number,
): { data: LocalActivityMarkerData; resolution: LocalActivityResolution }[] {
  const markers = [];
  for (let i = startedIndex + 1; i < events.length; i++) {
    const event = events[i]!;
    if (event.attributes.case === 'workflowTaskStartedEventAttributes') break;
    const marker = localActivityMarkerOfEvent(event);
    if (marker !== undefined) markers.push(marker);
  }
  return markers;
}
