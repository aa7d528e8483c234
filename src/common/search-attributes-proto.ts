/** Converts search attributes and memos between their sandbox-safe forms and the wire's messages. */
import { create } from '@bufbuild/protobuf';
import {
  IndexedValueType,
  type Memo,
  MemoSchema,
  type Payload,
  type SearchAttributes,
  SearchAttributesSchema,
} from '../gen/strata/v1/common_pb.js';
import { decodeValue, type RawPayload } from './converter.js';
import { fromProtoPayload, toProtoPayload } from './payload-proto.js';
import type { EncodedSearchAttributes, SearchAttributeTypeName } from './search-attributes.js';
import { SEARCH_ATTRIBUTE_TYPE_NAMES } from './search-attributes.js';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
/** The payload metadata key naming a search attribute's type (Temporal's). */
const TYPE_KEY = 'type';

export function toProtoSearchAttributes(encoded: EncodedSearchAttributes): SearchAttributes {
  const indexedFields: Record<string, Payload> = {};
  for (const [name, attribute] of Object.entries(encoded)) {
    const payload = toProtoPayload({ encoding: 'json/plain', data: attribute.data });
    if (attribute.type) payload.metadata[TYPE_KEY] = textEncoder.encode(attribute.type);
    indexedFields[name] = payload;
  }
  return create(SearchAttributesSchema, { indexedFields });
}

/** The type a payload's metadata names, if it is one of the known names. */
export function searchAttributeTypeOfPayload(payload: Payload): SearchAttributeTypeName | undefined {
  const bytes = payload.metadata[TYPE_KEY];
  const name = bytes ? textDecoder.decode(bytes) : undefined;
  return SEARCH_ATTRIBUTE_TYPE_NAMES.find((known) => known === name);
}

export function fromProtoSearchAttributes(message: SearchAttributes | undefined): EncodedSearchAttributes {
  const encoded: EncodedSearchAttributes = {};
  for (const [name, payload] of Object.entries(message?.indexedFields ?? {})) {
    const raw = fromProtoPayload(payload);
    const type = searchAttributeTypeOfPayload(payload);
    encoded[name] = { data: raw.encoding === 'binary/null' ? 'null' : raw.data, ...(type ? { type } : {}) };
  }
  return encoded;
}

export function toProtoMemo(fields: Record<string, RawPayload>): Memo {
  return create(MemoSchema, {
    fields: Object.fromEntries(Object.entries(fields).map(([name, raw]) => [name, toProtoPayload(raw)])),
  });
}

export function fromProtoMemo(memo: Memo | undefined): Record<string, RawPayload> {
  return Object.fromEntries(
    Object.entries(memo?.fields ?? {}).map(([name, payload]) => [name, fromProtoPayload(payload)]),
  );
}

/** Plain values of search attributes, for printing (`{"CustomerId":"acme"}`). */
export function searchAttributeValues(message: SearchAttributes | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fromProtoSearchAttributes(message)).map(([name, attribute]) => [
      name,
      JSON.parse(attribute.data),
    ]),
  );
}

/** Plain values of a memo, for printing. */
export function memoValues(memo: Memo | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fromProtoMemo(memo)).map(([name, raw]) => [name, decodeValue(raw)]),
  );
}

const indexedValueTypes: Record<SearchAttributeTypeName, IndexedValueType> = {
  Text: IndexedValueType.TEXT,
  Keyword: IndexedValueType.KEYWORD,
  Int: IndexedValueType.INT,
  Double: IndexedValueType.DOUBLE,
  Bool: IndexedValueType.BOOL,
  Datetime: IndexedValueType.DATETIME,
  KeywordList: IndexedValueType.KEYWORD_LIST,
};

export function toIndexedValueType(type: SearchAttributeTypeName): IndexedValueType {
  return indexedValueTypes[type];
}

/** The type name of an IndexedValueType; undefined for UNSPECIFIED or an unknown number. */
export function fromIndexedValueType(type: IndexedValueType): SearchAttributeTypeName | undefined {
  return SEARCH_ATTRIBUTE_TYPE_NAMES.find((name) => indexedValueTypes[name] === type);
}
