import { create } from '@bufbuild/protobuf';
import { type Payload, PayloadSchema, type Payloads, PayloadsSchema } from '../gen/strata/v1/common_pb.js';
import { decodeValue, encodeValue, type RawPayload } from './converter.js';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
const ENCODING_KEY = 'encoding';

/** Converts between sandbox-safe {@link RawPayload}s and the wire's protobuf payloads. */
export function toProtoPayload(raw: RawPayload): Payload {
  return create(PayloadSchema, {
    metadata: { [ENCODING_KEY]: textEncoder.encode(raw.encoding) },
    data: textEncoder.encode(raw.data),
  });
}

export function fromProtoPayload(payload: Payload): RawPayload {
  const encodingBytes = payload.metadata[ENCODING_KEY];
  const encoding = encodingBytes ? textDecoder.decode(encodingBytes) : 'json/plain';
  if (encoding !== 'json/plain' && encoding !== 'binary/null') {
    throw new TypeError(`[UNKNOWN_ENCODING] payload encoding "${encoding}" is not supported`);
  }
  return { encoding, data: textDecoder.decode(payload.data) };
}

export function toProtoPayloads(raws: readonly RawPayload[]): Payloads {
  return create(PayloadsSchema, { payloads: raws.map(toProtoPayload) });
}

export function fromProtoPayloads(payloads: Payloads | undefined): RawPayload[] {
  return (payloads?.payloads ?? []).map(fromProtoPayload);
}

/** Encodes JavaScript values straight to wire payloads (used outside the sandbox). */
export function valuesToPayloads(values: readonly unknown[], what = 'argument'): Payloads {
  return toProtoPayloads(values.map((value, i) => encodeValue(value, `${what} ${i + 1}`)));
}

export function payloadsToValues(payloads: Payloads | undefined): unknown[] {
  return fromProtoPayloads(payloads).map(decodeValue);
}

/** The first value of a payload list, `undefined` when empty: how results travel. */
export function payloadsToValue(payloads: Payloads | undefined): unknown {
  return payloadsToValues(payloads)[0];
}
