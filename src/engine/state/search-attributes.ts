/**
 * Search attributes and memo of a run: what starts and upserts do to its state and history, and the
 * values the store indexes for list and count. Pure.
 */
import { create } from '@bufbuild/protobuf';
import { patchMarkerOfAttributes } from '../../common/patch-marker-proto.js';
import { fromProtoPayload } from '../../common/payload-proto.js';
import type { EncodedSearchAttributes } from '../../common/search-attributes.js';
import { toProtoSearchAttributes } from '../../common/search-attributes-proto.js';
import {
  type Memo,
  MemoSchema,
  type Payload,
  PayloadSchema,
  type SearchAttributes,
} from '../../gen/strata/v1/common_pb.js';
import type { IndexedSearchAttribute } from '../../store/store.js';
import { type CheckedSearchAttribute, PATCHES_ATTRIBUTE } from '../visibility/search-attributes.js';
import { decodeMessage, encodeMessage, type Mutation } from './mutation.js';
import type { ExecutionState, StoredSearchAttribute } from './types.js';
import { versioningSearchValues } from './versioning.js';

/** The words of a Text value as indexed and as matched by queries: lower case, split at non-letters. */
export function textTokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

function encodeChecked(attributes: ReadonlyMap<string, CheckedSearchAttribute>): EncodedSearchAttributes {
  return Object.fromEntries(
    [...attributes].map(([name, { type, value }]) => [name, { type, data: JSON.stringify(value) }]),
  );
}

/** The attributes a run starts with: removals among them are simply not set. */
function setAttributes(
  attributes: ReadonlyMap<string, CheckedSearchAttribute>,
): Map<string, CheckedSearchAttribute> {
  return new Map([...attributes].filter(([, attribute]) => attribute.value !== null));
}

/** The attributes a new run starts with as the wire message; undefined when none. */
export function startSearchAttributesMessage(
  attributes: ReadonlyMap<string, CheckedSearchAttribute>,
): SearchAttributes | undefined {
  const set = setAttributes(attributes);
  return set.size === 0 ? undefined : toProtoSearchAttributes(encodeChecked(set));
}

/** The start's attributes, for the state and the started event. */
export function initialSearchAttributes(
  state: ExecutionState,
  attributes: ReadonlyMap<string, CheckedSearchAttribute>,
): SearchAttributes | undefined {
  const set = setAttributes(attributes);
  if (set.size === 0) return undefined;
  state.searchAttributes = Object.fromEntries(
    [...set].map(([name, attribute]) => [name, attribute as StoredSearchAttribute]),
  );
  return startSearchAttributesMessage(set);
}

/** UpsertWorkflowSearchAttributes: the attributes change (null removes) and the index follows. */
export function upsertSearchAttributes(
  m: Mutation,
  changes: ReadonlyMap<string, CheckedSearchAttribute>,
  workflowTaskCompletedEventId: number,
): void {
  const current = { ...m.state.searchAttributes };
  for (const [name, attribute] of changes) {
    if (attribute.value === null) delete current[name];
    else current[name] = { type: attribute.type, value: attribute.value };
  }
  m.state.searchAttributes = current;
  m.searchAttributesChanged = true;
  m.addEvent({
    case: 'upsertWorkflowSearchAttributesEventAttributes',
    value: {
      workflowTaskCompletedEventId,
      searchAttributes: toProtoSearchAttributes(encodeChecked(changes)),
    },
  });
}

function removesMemoField(payload: Payload): boolean {
  const raw = fromProtoPayload(payload);
  return raw.encoding === 'binary/null' || raw.data === 'null';
}

/** Memo fields to keep in the state (null fields are not kept). */
export function mergeMemo(state: ExecutionState, fields: Readonly<Record<string, Payload>>): void {
  const memo = { ...state.memo };
  for (const [name, payload] of Object.entries(fields)) {
    if (removesMemoField(payload)) delete memo[name];
    else memo[name] = encodeMessage(PayloadSchema, payload);
  }
  state.memo = memo;
}

/** WorkflowPropertiesModified: the memo fields are merged in (null removes). */
export function modifyMemo(
  m: Mutation,
  upsertedMemo: Memo | undefined,
  workflowTaskCompletedEventId: number,
): void {
  mergeMemo(m.state, upsertedMemo?.fields ?? {});
  m.addEvent({
    case: 'workflowPropertiesModifiedEventAttributes',
    value: { workflowTaskCompletedEventId, upsertedMemo },
  });
}

/** A `core_patch` marker (deprecated or not) was recorded: its id joins the run's `Patches` attribute (P8). */
export function recordPatchMarker(m: Mutation, marker: Parameters<typeof patchMarkerOfAttributes>[0]): void {
  const patch = patchMarkerOfAttributes(marker);
  const patches = m.state.patches ?? [];
  if (patch === undefined || patches.includes(patch.id)) return;
  m.state.patches = [...patches, patch.id].sort();
  m.searchAttributesChanged = true;
}

function indexedValues(attribute: StoredSearchAttribute): Array<string | number> {
  const { type, value } = attribute;
  switch (type) {
    case 'Text':
      return textTokens(String(value));
    case 'KeywordList':
      return Array.isArray(value) ? value : [String(value)];
    case 'Bool':
      return [value === true ? 1 : 0];
    case 'Datetime':
      return [Date.parse(String(value))];
    case 'Keyword':
    case 'Int':
    case 'Double':
      return [typeof value === 'number' ? value : String(value)];
    default: {
      const unexpected: never = type;
      throw new Error(`unknown search attribute type ${String(unexpected)}`);
    }
  }
}

/** What the store indexes for the run: every custom attribute's values, `Patches` and the versioning ones. */
export function indexedSearchAttributes(state: ExecutionState): IndexedSearchAttribute[] {
  const rows: IndexedSearchAttribute[] = [];
  for (const [name, attribute] of Object.entries(state.searchAttributes ?? {})) {
    for (const value of indexedValues(attribute)) rows.push({ name, value });
  }
  for (const id of state.patches ?? []) rows.push({ name: PATCHES_ATTRIBUTE, value: id });
  for (const [name, value] of Object.entries(versioningSearchValues(state.versioning))) {
    rows.push({ name, value });
  }
  return rows;
}

/**
 * The run's attributes as describe and list show them: custom ones, `Patches` once a patch is recorded,
 * and the versioning ones once a versioned worker or an override set them.
 */
export function searchAttributesOf(state: ExecutionState): SearchAttributes | undefined {
  const attributes = new Map<string, CheckedSearchAttribute>(Object.entries(state.searchAttributes ?? {}));
  if (state.patches && state.patches.length > 0) {
    attributes.set(PATCHES_ATTRIBUTE, { type: 'KeywordList', value: state.patches });
  }
  for (const [name, value] of Object.entries(versioningSearchValues(state.versioning))) {
    attributes.set(name, { type: 'Keyword', value });
  }
  return attributes.size === 0 ? undefined : toProtoSearchAttributes(encodeChecked(attributes));
}

export function memoOf(state: ExecutionState): Memo | undefined {
  if (!state.memo) return undefined;
  const fields: Record<string, Payload> = {};
  for (const [name, text] of Object.entries(state.memo)) {
    const payload = decodeMessage(PayloadSchema, text);
    if (payload) fields[name] = payload;
  }
  return create(MemoSchema, { fields });
}

/**
 * What the next run of a chain (continue-as-new, retry, cron) inherits, as in Temporal: the memo and
 * the custom search attributes as the closing run left them. `Patches` is per run and starts empty.
 */
export function inheritedVisibility(state: ExecutionState): {
  memo?: Memo;
  searchAttributes?: Map<string, CheckedSearchAttribute>;
} {
  return {
    memo: memoOf(state),
    searchAttributes: new Map(Object.entries(state.searchAttributes ?? {})),
  };
}
