/**
 * Search attributes: typed, indexed values attached to a workflow execution that list and count queries
 * filter on (`CustomerId = "acme" AND Amount > 100`). The names and shapes are Temporal's
 * (`@temporalio/common`), so code ports by changing the import path:
 *
 * ```ts
 * import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes } from 'strata/client';
 *
 * export const customerId = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
 * await client.workflow.start(order, {
 *   taskQueue: 'orders', workflowId: 'order-1',
 *   typedSearchAttributes: new TypedSearchAttributes([{ key: customerId, value: 'acme' }]),
 * });
 * ```
 *
 * Pure JavaScript: it runs inside the workflow sandbox too. An attribute must be registered in the
 * namespace first (`strata operator search-attribute create --name CustomerId --type Keyword`).
 */

export const SearchAttributeType = {
  TEXT: 'TEXT',
  KEYWORD: 'KEYWORD',
  INT: 'INT',
  DOUBLE: 'DOUBLE',
  BOOL: 'BOOL',
  DATETIME: 'DATETIME',
  KEYWORD_LIST: 'KEYWORD_LIST',
} as const;
export type SearchAttributeType = (typeof SearchAttributeType)[keyof typeof SearchAttributeType];

/** The JavaScript value of each type. */
export interface SearchAttributeTypeValues {
  TEXT: string;
  KEYWORD: string;
  INT: number;
  DOUBLE: number;
  BOOL: boolean;
  DATETIME: Date;
  KEYWORD_LIST: string[];
}

/** A search attribute's name and type, made once with {@link defineSearchAttributeKey} and shared. */
export interface SearchAttributeKey<T extends SearchAttributeType = SearchAttributeType> {
  readonly name: string;
  readonly type: T;
}

export function defineSearchAttributeKey<T extends SearchAttributeType>(
  name: string,
  type: T,
): SearchAttributeKey<T> {
  return { name, type };
}

export type SearchAttributePair = {
  [T in SearchAttributeType]: { key: SearchAttributeKey<T>; value: SearchAttributeTypeValues[T] };
}[SearchAttributeType];

/** A change for `upsertSearchAttributes`: a `null` value (or an empty list) removes the attribute. */
export type SearchAttributeUpdatePair = {
  [T in SearchAttributeType]: { key: SearchAttributeKey<T>; value: SearchAttributeTypeValues[T] | null };
}[SearchAttributeType];

/** Temporal's untyped form: every value is an array (one element for single-valued types). */
export type SearchAttributeValue = string[] | number[] | boolean[] | Date[];
/** Temporal's untyped search attributes, by name. Prefer {@link TypedSearchAttributes}. */
export type SearchAttributes = Record<string, Readonly<SearchAttributeValue> | undefined>;

/** The type names used on the wire, in the registry and in the CLI (Temporal's). */
export type SearchAttributeTypeName =
  | 'Text'
  | 'Keyword'
  | 'Int'
  | 'Double'
  | 'Bool'
  | 'Datetime'
  | 'KeywordList';

const typeNames: Record<SearchAttributeType, SearchAttributeTypeName> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

export const SEARCH_ATTRIBUTE_TYPE_NAMES: readonly SearchAttributeTypeName[] = Object.values(typeNames);

export function searchAttributeTypeName(type: SearchAttributeType): SearchAttributeTypeName {
  return typeNames[type];
}

/** The type named `name` ("Keyword", "keyword", "KEYWORD_LIST" and "KeywordList" all work), else undefined. */
export function searchAttributeTypeOf(name: string): SearchAttributeType | undefined {
  const wanted = name.replace(/_/g, '').toLowerCase();
  const entry = Object.entries(typeNames).find(([, typeName]) => typeName.toLowerCase() === wanted);
  return entry?.[0] as SearchAttributeType | undefined;
}

/** Whether `value` is a value of `type` (an INT is a whole number, a DATETIME a valid Date). */
export function isValidValueForType<T extends SearchAttributeType>(
  type: T,
  value: unknown,
): value is SearchAttributeTypeValues[T] {
  switch (type) {
    case 'TEXT':
    case 'KEYWORD':
      return typeof value === 'string';
    case 'INT':
      return Number.isSafeInteger(value);
    case 'DOUBLE':
      return typeof value === 'number' && Number.isFinite(value);
    case 'BOOL':
      return typeof value === 'boolean';
    case 'DATETIME':
      return value instanceof Date && !Number.isNaN(value.getTime());
    case 'KEYWORD_LIST':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    default:
      return false;
  }
}

function copyValue<V>(value: V): V {
  if (value instanceof Date) return new Date(value.getTime()) as V;
  if (Array.isArray(value)) return [...value] as V;
  return value;
}

/** An immutable set of typed search attribute values, as `workflowInfo()` and `describe()` give them. */
export class TypedSearchAttributes {
  readonly #values = new Map<string, SearchAttributePair>();

  constructor(pairs: readonly SearchAttributePair[] = []) {
    for (const pair of pairs) {
      if (this.#values.has(pair.key.name)) {
        throw new TypeError(
          `[DUPLICATE_SEARCH_ATTRIBUTE] search attribute "${pair.key.name}" is given twice`,
        );
      }
      this.#values.set(pair.key.name, { key: pair.key, value: copyValue(pair.value) } as SearchAttributePair);
    }
  }

  /** The value of `key`, or undefined when the attribute is not set or holds a value of another type. */
  get<T extends SearchAttributeType>(key: SearchAttributeKey<T>): SearchAttributeTypeValues[T] | undefined {
    const pair = this.#values.get(key.name);
    if (pair === undefined || !isValidValueForType(key.type, pair.value)) return undefined;
    return copyValue(pair.value);
  }

  getAll(): SearchAttributePair[] {
    return [...this.#values.values()].map(
      (pair) => ({ key: pair.key, value: copyValue(pair.value) }) as SearchAttributePair,
    );
  }

  /** A copy with `updates` applied: a `null` value (or an empty KEYWORD_LIST) removes the attribute. */
  updateCopy(updates: readonly SearchAttributeUpdatePair[]): TypedSearchAttributes {
    const pairs = new Map(this.#values);
    for (const update of updates) {
      if (isRemoval(update.value)) pairs.delete(update.key.name);
      else pairs.set(update.key.name, update as SearchAttributePair);
    }
    return new TypedSearchAttributes([...pairs.values()]);
  }

  copy(): TypedSearchAttributes {
    return new TypedSearchAttributes(this.getAll());
  }

  toJSON(): SearchAttributePair[] {
    return this.getAll();
  }
}

function isRemoval(value: unknown): boolean {
  return value === null || value === undefined || (Array.isArray(value) && value.length === 0);
}

/**
 * One search attribute as it crosses boundaries (sandbox, wire): its value as JSON text, and its type
 * when the sender knows it. JSON `null` (or `[]`) means "remove" in an upsert.
 */
export interface EncodedSearchAttribute {
  type?: SearchAttributeTypeName;
  data: string;
}

export type EncodedSearchAttributes = Record<string, EncodedSearchAttribute>;

/**
 * Encodes the untyped record form (values are arrays, sent without a type: the server knows it) and
 * typed pairs (sent with their type). Typed pairs win over an untyped value of the same name.
 */
export function encodeSearchAttributes(
  untyped: SearchAttributes | undefined,
  typed: TypedSearchAttributes | readonly SearchAttributeUpdatePair[] | undefined,
): EncodedSearchAttributes {
  const encoded: EncodedSearchAttributes = {};
  for (const [name, value] of Object.entries(untyped ?? {})) {
    encoded[name] = { data: JSON.stringify(value ?? null) };
  }
  const pairs = typed instanceof TypedSearchAttributes ? typed.getAll() : (typed ?? []);
  for (const pair of pairs) {
    if (pair.value !== null && !isValidValueForType(pair.key.type, pair.value)) {
      throw new TypeError(
        `[INVALID_SEARCH_ATTRIBUTE] search attribute "${pair.key.name}" is ${searchAttributeTypeName(pair.key.type)}, but its value ${JSON.stringify(pair.value)} is not`,
      );
    }
    encoded[pair.key.name] = {
      type: searchAttributeTypeName(pair.key.type),
      data: JSON.stringify(pair.value),
    };
  }
  return encoded;
}

/** The value of one encoded attribute, typed: a DATETIME becomes a Date; undefined when it removes. */
function decodedValue(type: SearchAttributeType, data: string): SearchAttributePair['value'] | undefined {
  const value: unknown = JSON.parse(data);
  const single = Array.isArray(value) && type !== 'KEYWORD_LIST' ? value[0] : value;
  if (isRemoval(single)) return undefined;
  const typedValue = type === 'DATETIME' ? new Date(String(single)) : single;
  return isValidValueForType(type, typedValue) ? typedValue : undefined;
}

/** The type of an attribute sent without one, guessed from its value (a string is a KEYWORD, or a DATETIME if it reads as an ISO time). */
function guessType(data: string): SearchAttributeType | undefined {
  const value: unknown = JSON.parse(data);
  const single = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (Array.isArray(single))
    return single.every((item) => typeof item === 'string') ? 'KEYWORD_LIST' : undefined;
  if (typeof single === 'number') return Number.isInteger(single) ? 'INT' : 'DOUBLE';
  if (typeof single === 'boolean') return 'BOOL';
  if (typeof single !== 'string') return undefined;
  return Number.isNaN(Date.parse(single)) || !single.includes('T') ? 'KEYWORD' : 'DATETIME';
}

/** Typed pairs of encoded attributes (removals and values that do not fit their type are left out). */
export function decodeTypedSearchAttributes(encoded: EncodedSearchAttributes): TypedSearchAttributes {
  const pairs: SearchAttributePair[] = [];
  for (const [name, attribute] of Object.entries(encoded)) {
    const type = attribute.type ? searchAttributeTypeOf(attribute.type) : guessType(attribute.data);
    if (type === undefined) continue;
    const value = decodedValue(type, attribute.data);
    if (value !== undefined) pairs.push({ key: { name, type }, value } as SearchAttributePair);
  }
  return new TypedSearchAttributes(pairs);
}

/** Temporal's untyped form of typed attributes: every value an array. */
export function untypedSearchAttributes(typed: TypedSearchAttributes): SearchAttributes {
  const untyped: SearchAttributes = {};
  for (const pair of typed.getAll()) {
    untyped[pair.key.name] = (Array.isArray(pair.value) ? pair.value : [pair.value]) as SearchAttributeValue;
  }
  return untyped;
}
