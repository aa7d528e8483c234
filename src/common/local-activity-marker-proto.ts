/** Local activity markers read from wire events: the replayer resolves local activities from them. */
import type { Payloads } from '../gen/strata/v1/common_pb.js';
import {
  LOCAL_ACTIVITY_MARKER_NAME,
  type LocalActivityMarkerData,
  localActivityMarkerDataOfJson,
} from './local-activity-marker.js';

const textDecoder = new TextDecoder();

/** The `data` detail of a MarkerRecorded event's (or RecordMarker command's) attributes, if it is a local activity's. */
export function localActivityDataOfAttributes(attributes: {
  markerName: string;
  details: { [key: string]: Payloads };
}): LocalActivityMarkerData | undefined {
  if (attributes.markerName !== LOCAL_ACTIVITY_MARKER_NAME) return undefined;
  const payload = attributes.details.data?.payloads[0];
  return payload === undefined ? undefined : localActivityMarkerDataOfJson(textDecoder.decode(payload.data));
}
