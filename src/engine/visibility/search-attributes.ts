/**
 * The search attribute registry of a namespace and the checks of values against it. Values arrive as
 * JSON with an optional type (see `EncodedSearchAttribute`); each is checked against the registered
 * type and normalised to its stored form, so describe, list and the index always agree.
 */
import {
  type EncodedSearchAttributes,
  SEARCH_ATTRIBUTE_TYPE_NAMES,
  type SearchAttributeTypeName,
} from '../../common/search-attributes.js';
import { fromProtoSearchAttributes } from '../../common/search-attributes-proto.js';
import type { SearchAttributes } from '../../gen/strata/v1/common_pb.js';
import type { StoreTransaction } from '../../store/store.js';
import { EngineError } from '../errors.js';
import type { StoredSearchAttribute } from '../state/types.js';
import { VERSIONING_ATTRIBUTES } from '../state/versioning.js';

/** Registered custom attributes by name. */
export type SearchAttributeRegistry = ReadonlyMap<string, SearchAttributeTypeName>;

/** A checked attribute of a start or an upsert: its stored form, or a `null` value that removes it. */
export interface CheckedSearchAttribute {
  type: SearchAttributeTypeName;
  value: StoredSearchAttribute['value'] | null;
}

/** The attribute the engine keeps itself: the ids of the patches recorded in the run (P8). */
export const PATCHES_ATTRIBUTE = 'Patches';

/**
 * System attributes the server keeps in the index of attribute values (not columns of the executions
 * table): the run's patches (P8) and its worker deployment versioning (V7).
 */
export const INDEXED_SYSTEM_ATTRIBUTES: Readonly<Record<string, SearchAttributeTypeName>> = {
  [PATCHES_ATTRIBUTE]: 'KeywordList',
  [VERSIONING_ATTRIBUTES.version]: 'Keyword',
  [VERSIONING_ATTRIBUTES.deployment]: 'Keyword',
  [VERSIONING_ATTRIBUTES.behavior]: 'Keyword',
};

/** Attributes every execution has, maintained by the server. */
export const SYSTEM_SEARCH_ATTRIBUTES: Readonly<Record<string, SearchAttributeTypeName>> = {
  WorkflowId: 'Keyword',
  WorkflowType: 'Keyword',
  ExecutionStatus: 'Keyword',
  TaskQueue: 'Keyword',
  StartTime: 'Datetime',
  CloseTime: 'Datetime',
  ...INDEXED_SYSTEM_ATTRIBUTES,
};

/** Other names queries accept for system attributes (Temporal's among them). */
export const SYSTEM_ATTRIBUTE_ALIASES: Readonly<Record<string, string>> = {
  Status: 'ExecutionStatus',
  TemporalChangeVersion: PATCHES_ATTRIBUTE,
  TemporalWorkerDeploymentVersion: VERSIONING_ATTRIBUTES.version,
  TemporalWorkerDeployment: VERSIONING_ATTRIBUTES.deployment,
  TemporalWorkflowVersioningBehavior: VERSIONING_ATTRIBUTES.behavior,
  // The spelling of the patch-build runbook's query.
  TemporalWorkerVersioningBehavior: VERSIONING_ATTRIBUTES.behavior,
};

/** The system attribute `name` stands for (any case), else undefined. */
export function systemAttributeOf(name: string): string | undefined {
  const lower = name.toLowerCase();
  const all = [...Object.keys(SYSTEM_SEARCH_ATTRIBUTES), ...Object.keys(SYSTEM_ATTRIBUTE_ALIASES)];
  const found = all.find((known) => known.toLowerCase() === lower);
  return found === undefined ? undefined : (SYSTEM_ATTRIBUTE_ALIASES[found] ?? found);
}

export async function loadRegistry(
  reader: Pick<StoreTransaction, 'listSearchAttributes'>,
  namespace: string,
): Promise<SearchAttributeRegistry> {
  const definitions = await reader.listSearchAttributes(namespace);
  return new Map(
    definitions.flatMap((definition) => {
      const type = SEARCH_ATTRIBUTE_TYPE_NAMES.find((name) => name === definition.type);
      return type ? [[definition.name, type] as const] : [];
    }),
  );
}

/** A value that does not fit, or an attribute that is not registered: the message says how to fix it. */
export class SearchAttributeError extends Error {
  override readonly name = 'SearchAttributeError';
}

const typeList = SEARCH_ATTRIBUTE_TYPE_NAMES.join(', ');

function unregistered(
  name: string,
  namespace: string,
  sentType: SearchAttributeTypeName | undefined,
): SearchAttributeError {
  if (systemAttributeOf(name) !== undefined) {
    return new SearchAttributeError(
      `search attribute "${name}" is a system attribute maintained by the server; it cannot be set. Register a custom attribute under another name`,
    );
  }
  return new SearchAttributeError(
    `search attribute "${name}" is not registered in namespace "${namespace}"; register it first: ` +
      `strata operator search-attribute create --namespace ${namespace} --name ${name} --type ${sentType ?? '<type>'} (types: ${typeList})`,
  );
}

const expected: Record<SearchAttributeTypeName, string> = {
  Text: 'a text',
  Keyword: 'a text',
  Int: 'a whole number',
  Double: 'a number',
  Bool: 'true or false',
  Datetime: 'an ISO 8601 time such as "2024-01-31T12:00:00Z"',
  KeywordList: 'a list of texts',
};

function describeValue(value: unknown): string {
  const json = JSON.stringify(value);
  const kind = Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`;
  return `${json && json.length > 60 ? `${json.slice(0, 57)}...` : json} (${kind})`;
}

/** Temporal's untyped form wraps single values in a one-element array. */
function unwrapped(type: SearchAttributeTypeName, value: unknown): unknown {
  return Array.isArray(value) && type !== 'KeywordList' && value.length === 1 ? value[0] : value;
}

/** The stored form of `value` for `type`, or undefined when it does not fit. */
function normalise(
  type: SearchAttributeTypeName,
  value: unknown,
): StoredSearchAttribute['value'] | undefined {
  const single = unwrapped(type, value);
  switch (type) {
    case 'Text':
    case 'Keyword':
      return typeof single === 'string' ? single : undefined;
    case 'Int':
      return Number.isSafeInteger(single) ? (single as number) : undefined;
    case 'Double':
      return typeof single === 'number' && Number.isFinite(single) ? single : undefined;
    case 'Bool':
      return typeof single === 'boolean' ? single : undefined;
    case 'Datetime': {
      const ms = typeof single === 'string' ? Date.parse(single) : Number.NaN;
      return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
    }
    case 'KeywordList': {
      const list = typeof single === 'string' ? [single] : single;
      return Array.isArray(list) && list.every((item) => typeof item === 'string') ? [...list] : undefined;
    }
    default: {
      const unexpected: never = type;
      throw new Error(`unknown search attribute type ${String(unexpected)}`);
    }
  }
}

function isRemoval(value: unknown): boolean {
  return value === null || (Array.isArray(value) && value.length === 0);
}

/**
 * Checks attributes against the registry: each becomes its stored form, or a `null` value for a
 * removal (`null` or `[]`). Throws a {@link SearchAttributeError} naming the first attribute that is
 * unknown or does not fit.
 */
export function checkSearchAttributes(
  attributes: EncodedSearchAttributes,
  registry: SearchAttributeRegistry,
  namespace: string,
): Map<string, CheckedSearchAttribute> {
  const checked = new Map<string, CheckedSearchAttribute>();
  for (const [name, attribute] of Object.entries(attributes)) {
    const type = registry.get(name);
    if (type === undefined) throw unregistered(name, namespace, attribute.type);
    if (attribute.type !== undefined && attribute.type !== type) {
      throw new SearchAttributeError(
        `search attribute "${name}" is registered as ${type} in namespace "${namespace}", but the value was sent as ${attribute.type}; ` +
          `define its key with the ${type} type`,
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(attribute.data);
    } catch {
      throw new SearchAttributeError(`search attribute "${name}" holds no JSON value`);
    }
    if (isRemoval(value)) {
      checked.set(name, { type, value: null });
      continue;
    }
    const stored = normalise(type, value);
    if (stored === undefined) {
      throw new SearchAttributeError(
        `search attribute "${name}" is ${type}: ${describeValue(unwrapped(type, value))} is not ${expected[type]}`,
      );
    }
    checked.set(name, { type, value: stored });
  }
  return checked;
}

/**
 * The checked attributes of a start request, read against the registry inside the start's transaction;
 * undefined when it sets none. Fails with `[INVALID_SEARCH_ATTRIBUTE]`.
 */
export async function checkStartSearchAttributes(
  tx: Pick<StoreTransaction, 'listSearchAttributes'>,
  namespace: string,
  message: SearchAttributes | undefined,
): Promise<Map<string, CheckedSearchAttribute> | undefined> {
  const encoded = fromProtoSearchAttributes(message);
  if (Object.keys(encoded).length === 0) return undefined;
  try {
    return checkSearchAttributes(encoded, await loadRegistry(tx, namespace), namespace);
  } catch (error) {
    if (!(error instanceof SearchAttributeError)) throw error;
    throw new EngineError({
      code: 'INVALID_SEARCH_ATTRIBUTE',
      kind: 'invalid_argument',
      message: error.message,
    });
  }
}

/** The checked attributes of an UpsertWorkflowSearchAttributes command, or the reason they are refused. */
export function checkUpsertSearchAttributes(
  message: SearchAttributes | undefined,
  registry: SearchAttributeRegistry,
  namespace: string,
): Map<string, CheckedSearchAttribute> | SearchAttributeError {
  try {
    return checkSearchAttributes(fromProtoSearchAttributes(message), registry, namespace);
  } catch (error) {
    if (error instanceof SearchAttributeError) return error;
    throw error;
  }
}
