/**
 * The default data converter: values travel as JSON. This module is pure JavaScript so it runs inside the
 * workflow sandbox too; turning a {@link RawPayload} into protobuf bytes happens outside it.
 */

/** A serialized value: JSON text with `json/plain`, or `binary/null` for `undefined`. */
export interface RawPayload {
  encoding: 'json/plain' | 'binary/null';
  data: string;
}

/** Thrown when a value cannot be converted to or from a payload. */
export class DataConverterError extends Error {
  override name = 'DataConverterError';
}

/**
 * Encodes one value. `what` names the value for the error message, e.g. `argument 1 of activity "greet"`.
 * Functions, symbols, BigInts and circular structures are refused rather than silently dropped.
 */
export function encodeValue(value: unknown, what = 'value'): RawPayload {
  if (value === undefined) return { encoding: 'binary/null', data: '' };
  try {
    return { encoding: 'json/plain', data: JSON.stringify(value, refuseNonJson) };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new DataConverterError(
      `[NOT_SERIALIZABLE] ${what} cannot be converted to JSON: ${reason}. ` +
        'Pass plain data: objects, arrays, strings, numbers, booleans or null.',
    );
  }
}

export function decodeValue(payload: RawPayload | undefined): unknown {
  if (payload === undefined || payload.encoding === 'binary/null') return undefined;
  return JSON.parse(payload.data);
}

export function encodeValues(values: readonly unknown[], what = 'argument'): RawPayload[] {
  return values.map((value, i) => encodeValue(value, `${what} ${i + 1}`));
}

export function decodeValues(payloads: readonly RawPayload[] | undefined): unknown[] {
  return (payloads ?? []).map(decodeValue);
}

function refuseNonJson(key: string, value: unknown): unknown {
  const kind = typeof value;
  if (kind === 'function' || kind === 'symbol') {
    throw new TypeError(`${key === '' ? 'the value' : `property "${key}"`} is a ${kind}`);
  }
  return value;
}

/** The object a JSON text holds; undefined for anything else (invalid JSON, an array is kept, a scalar is not). */
export function jsonObjectOf(json: string | undefined): object | undefined {
  if (json === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
