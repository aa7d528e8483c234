/** Patch markers read from wire events: for the replayer, the CLI and the engine's `Patches` search attribute. */
import type { Payloads } from '../gen/strata/v1/common_pb.js';
import type { HistoryEvent } from '../gen/strata/v1/history_pb.js';
import {
  PATCH_MARKER_DETAIL,
  PATCH_MARKER_NAME,
  type PatchMarker,
  patchMarkerOfJson,
} from './patch-marker.js';

const textDecoder = new TextDecoder();

/** The patch a MarkerRecorded event's (or RecordMarker command's) attributes record, if it is a patch marker. */
export function patchMarkerOfAttributes(attributes: {
  markerName: string;
  details: { [key: string]: Payloads };
}): PatchMarker | undefined {
  if (attributes.markerName !== PATCH_MARKER_NAME) return undefined;
  const payload = attributes.details[PATCH_MARKER_DETAIL]?.payloads[0];
  return payload === undefined ? undefined : patchMarkerOfJson(textDecoder.decode(payload.data));
}

/** The patch a history event records, if it is a patch marker. */
export function patchMarkerOfEvent(event: HistoryEvent): PatchMarker | undefined {
  const a = event.attributes;
  return a.case === 'markerRecordedEventAttributes' ? patchMarkerOfAttributes(a.value) : undefined;
}
