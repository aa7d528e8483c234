/**
 * Changing a running workflow's search attributes and memo from its code. Each call records one event
 * (UpsertWorkflowSearchAttributes, WorkflowPropertiesModified) with the workflow task, and
 * `workflowInfo()` shows the new values at once.
 *
 * ```ts
 * import { defineSearchAttributeKey, SearchAttributeType, upsertMemo, upsertSearchAttributes } from 'strata/workflow';
 *
 * const stage = defineSearchAttributeKey('OrderStage', SearchAttributeType.KEYWORD);
 * upsertSearchAttributes([{ key: stage, value: 'shipped' }]);
 * upsertMemo({ trackingUrl: 'https://example.com/t/1' });
 * ```
 */
import { decodeValue, encodeValue } from '../common/converter.js';
import {
  decodeTypedSearchAttributes,
  encodeSearchAttributes,
  type SearchAttributes,
  type SearchAttributeUpdatePair,
  type TypedSearchAttributes,
  untypedSearchAttributes,
} from '../common/search-attributes.js';
import type { Activator } from './activator.js';
import { getActivator } from './global-state.js';

function removes(data: string): boolean {
  const value: unknown = JSON.parse(data);
  return value === null || (Array.isArray(value) && value.length === 0);
}

/**
 * Sets, changes or removes search attributes of this workflow. Takes typed pairs
 * (`[{ key, value }]`, `null` removes) or Temporal's untyped record (`{ CustomerId: ['acme'] }`, `[]`
 * removes). The attributes must be registered in the namespace; an unknown one or a value of the wrong
 * type fails the workflow task with `[BAD_SEARCH_ATTRIBUTES]` (retried, so registering it resumes the
 * workflow).
 */
export function upsertSearchAttributes(
  searchAttributes: SearchAttributes | readonly SearchAttributeUpdatePair[],
): void {
  const activator = getActivator('upsertSearchAttributes()');
  activator.assertMayCommand('upsertSearchAttributes');
  const encoded = Array.isArray(searchAttributes)
    ? encodeSearchAttributes(undefined, searchAttributes as readonly SearchAttributeUpdatePair[])
    : encodeSearchAttributes(searchAttributes as SearchAttributes, undefined);
  if (Object.keys(encoded).length === 0) return;
  const current = { ...activator.searchAttributes };
  for (const [name, attribute] of Object.entries(encoded)) {
    if (removes(attribute.data)) delete current[name];
    // An untyped value keeps the type the server gave the attribute at start.
    else {
      const type = attribute.type ?? current[name]?.type;
      current[name] = type === undefined ? attribute : { ...attribute, type };
    }
  }
  activator.searchAttributes = current;
  activator.pushCommand({ kind: 'upsertSearchAttributes', searchAttributes: encoded });
}

/** Merges fields into this workflow's memo; a field set to `undefined` or `null` is removed. */
export function upsertMemo(memo: Record<string, unknown>): void {
  const activator = getActivator('upsertMemo()');
  activator.assertMayCommand('upsertMemo');
  const fields = Object.fromEntries(
    Object.entries(memo).map(([name, value]) => [name, encodeValue(value, `memo field "${name}"`)]),
  );
  if (Object.keys(fields).length === 0) return;
  const current = { ...activator.memo };
  for (const [name, raw] of Object.entries(fields)) {
    if (decodeValue(raw) == null) delete current[name];
    else current[name] = raw;
  }
  activator.memo = current;
  activator.pushCommand({ kind: 'upsertMemo', memo: fields });
}

/** What `workflowInfo()` shows of the run's search attributes and memo. */
export function visibilityInfo(activator: Activator): {
  searchAttributes: SearchAttributes;
  typedSearchAttributes: TypedSearchAttributes;
  memo: Record<string, unknown>;
} {
  const typed = decodeTypedSearchAttributes(activator.searchAttributes);
  return {
    searchAttributes: untypedSearchAttributes(typed),
    typedSearchAttributes: typed,
    memo: Object.fromEntries(Object.entries(activator.memo).map(([name, raw]) => [name, decodeValue(raw)])),
  };
}
