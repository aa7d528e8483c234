import type { Failure, Payload, Payloads } from '../gen/strata/v1/common_pb.js';

/** Largest single payload accepted: 2 MiB. Larger values belong in external storage. */
export const MAX_PAYLOAD_BYTES = 2 * 1024 * 1024;

export function payloadSize(payload: Payload): number {
  let size = payload.data.length;
  for (const [key, value] of Object.entries(payload.metadata)) size += key.length + value.length;
  return size;
}

/** Size of the largest payload in the list, 0 if none. */
export function largestPayload(payloads: Payloads | undefined): number {
  let largest = 0;
  for (const payload of payloads?.payloads ?? []) largest = Math.max(largest, payloadSize(payload));
  return largest;
}

export function largestFailurePayload(failure: Failure | undefined): number {
  if (!failure) return 0;
  let largest = largestFailurePayload(failure.cause);
  const info = failure.failureInfo;
  if (info.case === 'applicationFailureInfo') largest = Math.max(largest, largestPayload(info.value.details));
  if (info.case === 'timeoutFailureInfo') {
    largest = Math.max(largest, largestPayload(info.value.lastHeartbeatDetails));
  }
  if (info.case === 'canceledFailureInfo') largest = Math.max(largest, largestPayload(info.value.details));
  return largest;
}

export function describeOversize(field: string, size: number): string {
  return `${field} holds a payload of ${size} bytes, over the limit 2 MiB (${MAX_PAYLOAD_BYTES} bytes); store large data elsewhere and pass a reference`;
}
