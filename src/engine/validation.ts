import type { Failure, Payload, Payloads } from '../gen/strata/v1/common_pb.js';
import { EngineError, invalidArgument } from './errors.js';
import {
  describeOversize,
  largestFailurePayload,
  largestPayload,
  MAX_PAYLOAD_BYTES,
  payloadSize,
} from './payload-limit.js';

/** Fails with `[INVALID_ARGUMENT] <field> is required` when a required string is missing or blank. */
export function requireField(value: string | undefined, field: string): string {
  if (value === undefined || value.trim() === '') throw invalidArgument(`${field} is required`);
  return value;
}

export function requireNonNegative(value: number, field: string): number {
  if (!Number.isFinite(value) || value < 0) throw invalidArgument(`${field} must be >= 0, got ${value}`);
  return value;
}

function tooLarge(field: string, size: number): EngineError {
  return new EngineError({
    code: 'PAYLOAD_TOO_LARGE',
    kind: 'resource_exhausted',
    message: describeOversize(field, size),
  });
}

export function checkPayloads(payloads: Payloads | undefined, field: string): void {
  const size = largestPayload(payloads);
  if (size > MAX_PAYLOAD_BYTES) throw tooLarge(field, size);
}

/** Checks the payloads of a map field (memo fields, search attributes): `field["key"]` names the culprit. */
export function checkPayloadMap(
  payloads: Readonly<Record<string, Payload>> | undefined,
  field: string,
): void {
  for (const [key, payload] of Object.entries(payloads ?? {})) {
    const size = payloadSize(payload);
    if (size > MAX_PAYLOAD_BYTES) throw tooLarge(`${field}["${key}"]`, size);
  }
}

export function checkFailure(failure: Failure | undefined, field: string): void {
  const size = largestFailurePayload(failure);
  if (size > MAX_PAYLOAD_BYTES) throw tooLarge(field, size);
}
