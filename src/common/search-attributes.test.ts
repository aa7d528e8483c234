import { describe, expect, it } from 'vitest';
import {
  decodeTypedSearchAttributes,
  defineSearchAttributeKey,
  encodeSearchAttributes,
  SearchAttributeType,
  searchAttributeTypeOf,
  TypedSearchAttributes,
  untypedSearchAttributes,
} from './search-attributes.js';

const customer = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
const due = defineSearchAttributeKey('DueAt', SearchAttributeType.DATETIME);
const tags = defineSearchAttributeKey('Tags', SearchAttributeType.KEYWORD_LIST);

describe('typed search attributes', () => {
  it('get returns copies, undefined for another type; updateCopy sets and removes', () => {
    const attributes = new TypedSearchAttributes([
      { key: customer, value: 'acme' },
      { key: tags, value: ['a'] },
    ]);
    attributes.get(tags)?.push('changed');
    expect(attributes.get(tags)).toEqual(['a']);
    expect(attributes.get(defineSearchAttributeKey('CustomerId', SearchAttributeType.INT))).toBeUndefined();
    const updated = attributes.updateCopy([
      { key: customer, value: null },
      { key: due, value: new Date('2024-01-31T12:00:00Z') },
    ]);
    expect(updated.get(customer)).toBeUndefined();
    expect(attributes.get(customer)).toBe('acme');
    expect(untypedSearchAttributes(updated)).toEqual({
      Tags: ['a'],
      DueAt: [new Date('2024-01-31T12:00:00Z')],
    });
    expect(
      () =>
        new TypedSearchAttributes([
          { key: customer, value: 'a' },
          { key: customer, value: 'b' },
        ]),
    ).toThrow('[DUPLICATE_SEARCH_ATTRIBUTE] search attribute "CustomerId" is given twice');
  });

  it('round-trips through the encoded form; untyped values travel without a type', () => {
    const encoded = encodeSearchAttributes({ Amount: [3] }, [
      { key: customer, value: 'acme' },
      { key: due, value: new Date('2024-01-31T12:00:00Z') },
    ]);
    expect(encoded).toEqual({
      Amount: { data: '[3]' },
      CustomerId: { type: 'Keyword', data: '"acme"' },
      DueAt: { type: 'Datetime', data: '"2024-01-31T12:00:00.000Z"' },
    });
    const decoded = decodeTypedSearchAttributes(encoded);
    expect(decoded.get(due)).toEqual(new Date('2024-01-31T12:00:00Z'));
    expect(decoded.get(defineSearchAttributeKey('Amount', SearchAttributeType.INT))).toBe(3);
    expect(() =>
      encodeSearchAttributes(undefined, [{ key: customer, value: 5 as unknown as string }]),
    ).toThrow('[INVALID_SEARCH_ATTRIBUTE] search attribute "CustomerId" is Keyword, but its value 5 is not');
  });

  it('reads type names in the CLI and wire spellings', () => {
    expect(searchAttributeTypeOf('KeywordList')).toBe('KEYWORD_LIST');
    expect(searchAttributeTypeOf('keyword_list')).toBe('KEYWORD_LIST');
    expect(searchAttributeTypeOf('datetime')).toBe('DATETIME');
    expect(searchAttributeTypeOf('String')).toBeUndefined();
  });
});
